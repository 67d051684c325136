//! Completion of the arguments of the prompts and the `github://` templates, each from at
//! most two GitHub calls through the ETag cache:
//! - `owner` and `repo`: the caller's own repositories (`GET /user/repos`, the 100 most
//!   recently updated; needs a GitHub token);
//! - `ref`: the repository's branches and tags (`GET …/branches`, `GET …/tags`, 100 each);
//! - `path`: the entries of the directory typed so far, at the ref (`GET …/contents/{dir}`),
//!   directories ending in `/` so that the next completion goes inside.
//!
//! Values are narrowed to the prefix typed (ignoring ASCII case). The repository, and for
//! `path` the ref, come from the request's `context.arguments`; without them, or when
//! GitHub fails, there are no values.

use serde_json::{Map, Value};

use super::contents::get_contents;
use crate::github::repo::{encode_repo_path, validate_owner, validate_ref, validate_repo, RepoRef};
use crate::github::Query;
use crate::mcp::exchange::BoxFuture;
use crate::mcp::resource::Completion;
use crate::mcp::tool::CallContext;

/// The values among `candidates` that start with `prefix` (ignoring ASCII case), each once,
/// in order. `more_upstream` says GitHub has candidates beyond these: then there may be
/// more values, and how many is not known.
pub fn narrow<'c>(
    candidates: impl IntoIterator<Item = &'c str>,
    prefix: &str,
    more_upstream: bool,
) -> Completion {
    let prefix = prefix.to_ascii_lowercase();
    let mut values: Vec<String> = Vec::new();
    for candidate in candidates {
        let fits = candidate.to_ascii_lowercase().starts_with(&prefix);
        if fits && !candidate.is_empty() && !values.iter().any(|v| v == candidate) {
            values.push(candidate.to_string());
        }
    }
    if more_upstream {
        Completion {
            values,
            total: None,
            has_more: true,
        }
    } else {
        Completion::from(values)
    }
}

/// The directory a typed path is in: `docs` for `docs/gu` and `docs/`, the root (``) for
/// `RE`. Its entries are the candidates, and the whole typed path their prefix.
pub fn directory_of(typed: &str) -> &str {
    typed.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// The request's `context.arguments`.
fn arguments<'a>(context: &'a CallContext<'a>) -> Option<&'a Map<String, Value>> {
    context
        .request_params
        .get("context")?
        .get("arguments")?
        .as_object()
}

/// The repository named by `context.arguments`, when it names a valid one.
fn chosen_repo(context: &CallContext<'_>) -> Option<RepoRef> {
    let arguments = arguments(context)?;
    let owner = arguments.get("owner")?.as_str()?;
    let repo = arguments.get("repo")?.as_str()?;
    validate_owner(owner).ok()?;
    validate_repo(repo).ok()?;
    Some(RepoRef {
        owner: owner.to_string(),
        repo: repo.to_string(),
    })
}

/// The `name` of each item of a GitHub list.
fn names(list: &Value) -> impl Iterator<Item = &str> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| item.get("name").and_then(Value::as_str))
}

/// Completion values for `owner` or `repo` from the caller's own repositories; `repo` is
/// narrowed to the `owner` already chosen.
pub fn complete_owner_repo<'a>(
    argument: &'a str,
    value: &'a str,
    context: &'a CallContext<'a>,
) -> BoxFuture<'a, Completion> {
    Box::pin(async move {
        if !matches!(argument, "owner" | "repo") || !context.github.is_authenticated() {
            return Completion::default();
        }
        let mut query = Query::new();
        query.push("per_page", 100).push("sort", "updated");
        let Ok((repos, _)) = context
            .github
            .get_page("/user/repos", &query, "your repositories")
            .await
        else {
            return Completion::default();
        };
        let owner = arguments(context)
            .and_then(|a| a.get("owner"))
            .and_then(Value::as_str);
        let candidates = repos.as_array().into_iter().flatten().filter_map(|repo| {
            let login = repo.pointer("/owner/login").and_then(Value::as_str)?;
            match argument {
                "owner" => Some(login),
                _ if owner.is_some_and(|o| !o.eq_ignore_ascii_case(login)) => None,
                _ => repo.get("name").and_then(Value::as_str),
            }
        });
        narrow(candidates, value, false)
    })
}

/// Completion values for `ref`: the branches, then the tags, of the chosen repository.
pub async fn complete_ref(value: &str, context: &CallContext<'_>) -> Completion {
    let Some(repo) = chosen_repo(context) else {
        return Completion::default();
    };
    let mut query = Query::new();
    query.push("per_page", 100);
    let branches = format!("/repos/{repo}/branches");
    let tags = format!("/repos/{repo}/tags");
    let (branches, tags) = futures_util::future::join(
        context
            .github
            .get_page(&branches, &query, &format!("the branches of {repo}")),
        context
            .github
            .get_page(&tags, &query, &format!("the tags of {repo}")),
    )
    .await;
    let (Ok((branches, more_branches)), Ok((tags, more_tags))) = (branches, tags) else {
        return Completion::default();
    };
    let more = more_branches.is_some() || more_tags.is_some();
    narrow(names(&branches).chain(names(&tags)), value, more)
}

/// Completion values for `path`: the entries of the directory typed so far, at the ref in
/// `context.arguments` (the default branch without one).
pub async fn complete_path(value: &str, context: &CallContext<'_>) -> Completion {
    let Some(repo) = chosen_repo(context) else {
        return Completion::default();
    };
    let git_ref = arguments(context)
        .and_then(|a| a.get("ref"))
        .and_then(Value::as_str)
        .filter(|r| !r.is_empty());
    let (Ok(encoded), true) = (
        encode_repo_path(directory_of(value)),
        git_ref.is_none_or(|r| validate_ref(r).is_ok()),
    ) else {
        return Completion::default();
    };
    let Ok(listing) = get_contents(context.github, &repo, &encoded, git_ref).await else {
        return Completion::default();
    };
    let entries: Vec<String> = listing
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            let path = entry.get("path").and_then(Value::as_str)?;
            let dir = entry.get("type").and_then(Value::as_str) == Some("dir");
            Some(if dir {
                format!("{path}/")
            } else {
                path.to_string()
            })
        })
        .collect();
    narrow(entries.iter().map(String::as_str), value, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrowing_keeps_the_prefixed_values_once_and_says_when_more_are_upstream() {
        let all = [
            "master",
            "feature/x",
            "Feature/y",
            "dev",
            "master",
            "v1",
            "",
        ];
        let narrowed = narrow(all, "fe", false);
        assert_eq!(narrowed.values, ["feature/x", "Feature/y"]);
        assert_eq!((narrowed.total, narrowed.has_more), (Some(2), false));
        assert_eq!(narrow(all, "", false).values.len(), 5);
        let more = narrow(all, "v", true);
        assert_eq!(more.values, ["v1"]);
        assert_eq!((more.total, more.has_more), (None, true));
        assert_eq!(narrow(all, "zzz", false), Completion::from(Vec::new()));
    }

    #[test]
    fn a_typed_path_is_completed_from_its_directory() {
        assert_eq!(directory_of(""), "");
        assert_eq!(directory_of("RE"), "");
        assert_eq!(directory_of("docs/"), "docs");
        assert_eq!(directory_of("docs/gu"), "docs");
        assert_eq!(directory_of("a/b/c.rs"), "a/b");
        // The entries of `docs` (directories with their `/`), narrowed by the whole path.
        let entries = ["docs/guide.md", "docs/Getting-started/", "docs/logo.png"];
        assert_eq!(
            narrow(entries, "docs/g", false).values,
            ["docs/guide.md", "docs/Getting-started/"]
        );
        assert_eq!(narrow(entries, "docs/", false).values.len(), 3);
    }
}
