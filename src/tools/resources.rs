//! The `github://` resources: `github://{owner}/{repo}/readme` and
//! `github://{owner}/{repo}/contents/{+path}` (default branch), with completion of `owner`
//! and `repo` from the caller's own repositories (`GET /user/repos`).
//!
//! The README is cleaned like `getGithubReadme`'s; a file is what was asked for by path, so
//! it comes back byte for byte, its `_meta` saying where invisible characters are. Both
//! carry the labels of [`super::labels`] in their `_meta`.

use serde_json::{json, Value};

use super::access::is_private;
use super::contents::{base64, decode_file, get_contents, mime_type, Decoded, MAX_BINARY_BYTES};
use super::get_github_readme::visible_text;
use super::labels::PREFIX;
use super::untrusted::find_hidden;
use crate::github::repo::{encode_repo_path, validate_owner, validate_repo, RepoRef};
use crate::github::{GitHubError, Query};
use crate::mcp::exchange::BoxFuture;
use crate::mcp::resource::ResourceProvider;
use crate::mcp::tool::{json_text, CallContext, ToolError};

pub struct GithubResources;

const README_TEMPLATE: &str = "github://{owner}/{repo}/readme";
const CONTENTS_TEMPLATE: &str = "github://{owner}/{repo}/contents/{+path}";

const TEMPLATES: &str = r#"[
    { "uriTemplate": "github://{owner}/{repo}/readme", "name": "readme", "title": "A repository's README",
      "description": "The README of a GitHub repository's default branch, as text.", "mimeType": "text/markdown" },
    { "uriTemplate": "github://{owner}/{repo}/contents/{+path}", "name": "contents", "title": "A file in a repository",
      "description": "A file on a GitHub repository's default branch: text as text, binary files as base64 blobs with their MIME type; a directory as a JSON listing." }
]"#;

impl ResourceProvider for GithubResources {
    fn scheme(&self) -> &'static str {
        "github://"
    }

    fn templates(&self) -> Vec<Value> {
        match json_text(TEMPLATES) {
            Value::Array(templates) => templates,
            _ => Vec::new(),
        }
    }

    fn read<'a>(
        &'a self,
        uri: &'a str,
        context: &'a CallContext<'a>,
    ) -> Option<BoxFuture<'a, Result<Vec<Value>, ToolError>>> {
        let rest = uri.strip_prefix("github://")?;
        Some(Box::pin(async move {
            let (repo, what) = parse(rest).ok_or_else(|| {
                ToolError::InvalidArgument(format!(
                    "'{uri}' is not a github:// resource: use github://owner/repo/readme or github://owner/repo/contents/path"
                ))
            })?;
            let result = match what {
                None => {
                    let path = format!("/repos/{repo}/readme");
                    context
                        .github
                        .get_json(&path, &format!("a README in {repo}"))
                        .await
                }
                Some(path) => {
                    let path = encode_repo_path(path).map_err(ToolError::InvalidArgument)?;
                    get_contents(context.github, &repo, &path, None).await
                }
            };
            let file = result.map_err(|error| match error {
                GitHubError::NotFound { .. } => ToolError::NotFound(error.to_string()),
                other => other.into(),
            })?;
            let mut read = contents(uri, &file, what.is_none())?;
            let private = is_private(context, &repo).await;
            if let Some(meta) = read.get_mut("_meta").and_then(Value::as_object_mut) {
                meta.insert(format!("{PREFIX}private"), private.into());
            }
            Ok(vec![read])
        }))
    }

    fn complete<'a>(
        &'a self,
        uri_template: &'a str,
        argument: &'a str,
        value: &'a str,
        context: &'a CallContext<'a>,
    ) -> Option<BoxFuture<'a, Vec<String>>> {
        if uri_template != README_TEMPLATE && uri_template != CONTENTS_TEMPLATE {
            return None;
        }
        Some(complete_owner_repo(argument, value, context))
    }
}

/// `owner/repo/readme` or `owner/repo/contents/<path>`: the repository and the path, if any.
fn parse(rest: &str) -> Option<(RepoRef, Option<&str>)> {
    let mut parts = rest.splitn(4, '/');
    let (owner, repo, kind) = (parts.next()?, parts.next()?, parts.next()?);
    validate_owner(owner).ok()?;
    validate_repo(repo).ok()?;
    let repo = RepoRef {
        owner: owner.into(),
        repo: repo.into(),
    };
    match (kind, parts.next()) {
        ("readme", None) => Some((repo, None)),
        ("contents", Some(path)) if !path.is_empty() => Some((repo, Some(path))),
        _ => None,
    }
}

/// A content-file object (or a directory listing) as resource contents, with its labels:
/// a README (`readme`) cleaned, a file as it is with its hidden characters found.
fn contents(uri: &str, file: &Value, readme: bool) -> Result<Value, ToolError> {
    let untrusted = json!({ format!("{PREFIX}untrusted"): ["text"] });
    if let Some(entries) = file.as_array() {
        let listing: Vec<Value> = entries
            .iter()
            .map(|e| json!({ "name": e.get("name"), "path": e.get("path"), "type": e.get("type") }))
            .collect();
        let text = serde_json::to_string(&listing).unwrap_or_default();
        return Ok(
            json!({ "uri": uri, "mimeType": "application/json", "text": text, "_meta": untrusted }),
        );
    }
    let name = file.get("name").and_then(Value::as_str).unwrap_or_default();
    Ok(match decode_file(file)? {
        Decoded::Text(text) if readme => {
            let text = visible_text(name, &text);
            json!({ "uri": uri, "mimeType": mime_type(name, true), "text": text, "_meta": untrusted })
        }
        Decoded::Text(text) => {
            let hidden = find_hidden(&text).to_json();
            let meta = json!({ format!("{PREFIX}untrusted"): ["text"], format!("{PREFIX}hiddenCharacters"): hidden });
            json!({ "uri": uri, "mimeType": mime_type(name, true), "text": text, "_meta": meta })
        }
        Decoded::Binary(bytes) if bytes.len() <= MAX_BINARY_BYTES => {
            json!({ "uri": uri, "mimeType": mime_type(name, false), "blob": base64(&bytes), "_meta": {} })
        }
        _ => {
            return Err(ToolError::Failed(format!(
                "{uri} is over 1 MB, too large to read as a resource"
            )))
        }
    })
}

/// Completion values for `owner` or `repo` from the caller's own repositories. Without a
/// GitHub token, or if GitHub fails, there are none.
pub fn complete_owner_repo<'a>(
    argument: &'a str,
    value: &'a str,
    context: &'a CallContext<'a>,
) -> BoxFuture<'a, Vec<String>> {
    Box::pin(async move {
        if !matches!(argument, "owner" | "repo") || !context.github.is_authenticated() {
            return Vec::new();
        }
        let mut query = Query::new();
        query.push("per_page", 100).push("sort", "updated");
        let Ok((repos, _)) = context
            .github
            .get_page("/user/repos", &query, "your repositories")
            .await
        else {
            return Vec::new();
        };
        let arguments = context
            .request_params
            .get("context")
            .map(|c| &c["arguments"]);
        let owner = arguments.and_then(|a| a["owner"].as_str());
        let prefix = value.to_ascii_lowercase();
        let mut values: Vec<String> = Vec::new();
        for repo in repos.as_array().into_iter().flatten() {
            let login = repo
                .pointer("/owner/login")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let name = repo["name"].as_str().unwrap_or_default();
            let candidate = match argument {
                "owner" => login,
                _ if owner.is_some_and(|o| !o.eq_ignore_ascii_case(login)) => continue,
                _ => name,
            };
            let fits = candidate.to_ascii_lowercase().starts_with(&prefix);
            if fits && !candidate.is_empty() && !values.iter().any(|v| v == candidate) {
                values.push(candidate.to_string());
            }
        }
        values
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_well_formed_uris() {
        let (repo, path) = parse("octocat/Hello-World/readme").unwrap();
        assert_eq!(
            (repo.to_string(), path),
            ("octocat/Hello-World".into(), None)
        );
        let (_, path) = parse("o/r/contents/src/a b.rs").unwrap();
        assert_eq!(path, Some("src/a b.rs"));
        for bad in [
            "o/r",
            "o/r/readme/x",
            "o/r/contents/",
            "o--x/r/readme",
            "o/../readme",
            "o/r/tree/x",
        ] {
            assert!(parse(bad).is_none(), "accepted {bad:?}");
        }
    }
}
