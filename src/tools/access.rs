//! What GitHub says about a repository, for the caller: whether it is private (the
//! confidentiality label, and lockdown applies only to public repositories), whether a
//! user has push access (lockdown), its default branch, and whether a commit is on it
//! (lockdown's reads at a commit SHA, [`super::lockdown_refs`]). Answers are kept in the
//! isolate's memory for ten minutes per caller and repository, never in KV: a lookup costs
//! no storage write (KV's free plan allows 1,000 a day), and one caller's answers are never
//! another's.
//!
//! The lookups bypass the ETag cache for the same reason. A failed lookup is remembered as
//! unknown, and unknown counts as "no push access" and "not known to be private".

use std::cell::RefCell;

use serde_json::Value;

use crate::app::CallContext;
use crate::github::repo::RepoRef;
use crate::github::GitHubError;

/// How long an answer is kept, in seconds.
const TTL_SECONDS: i64 = 600;
/// At most this many repositories are remembered per isolate.
const MAX_ENTRIES: usize = 512;
/// At most this many commits' answers are remembered per repository.
const MAX_COMMITS: usize = 64;

/// Whether a user may push, or why that is not known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Push {
    Yes,
    No,
    Unknown(String),
}

#[derive(Debug, Clone, Default)]
struct Entry {
    key: String,
    expires_at: i64,
    private: Option<Option<bool>>,
    /// Lowercase login and answer.
    push: Vec<(String, Push)>,
    default_branch: Option<String>,
    /// A ref that could be a commit SHA, as asked for, and whether it is on the default
    /// branch.
    on_default_branch: Vec<(String, bool)>,
}

thread_local! {
    /// A short list searched in order: a few hundred entries at most, and no hash table
    /// code in the bundle for it.
    static CACHE: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
}

fn key(context: &CallContext<'_>, repo: &RepoRef) -> String {
    let token = if context.app.github.is_authenticated() {
        "t"
    } else {
        "-"
    };
    format!(
        "{}\n{token}\n{}",
        context.app.caller.subject,
        repo.to_string().to_ascii_lowercase()
    )
}

/// Reads or updates the caller's entry for `repo`.
fn with_entry<T>(context: &CallContext<'_>, repo: &RepoRef, f: impl FnOnce(&mut Entry) -> T) -> T {
    let key = key(context, repo);
    let now = context.now;
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        let index = match cache.iter().position(|e| e.key == key) {
            Some(index) => index,
            None => {
                if cache.len() >= MAX_ENTRIES {
                    cache.retain(|entry| entry.expires_at > now);
                    if cache.len() >= MAX_ENTRIES {
                        cache.clear();
                    }
                }
                cache.push(Entry {
                    key: key.clone(),
                    ..Entry::default()
                });
                cache.len() - 1
            }
        };
        let Some(entry) = cache.get_mut(index) else {
            return f(&mut Entry::default());
        };
        if entry.expires_at <= now {
            *entry = Entry {
                key,
                expires_at: now + TTL_SECONDS,
                ..Entry::default()
            };
        }
        f(entry)
    })
}

/// Records what a tool already read (a repository's or pull request's `private`).
pub fn remember_private(context: &CallContext<'_>, repo: &RepoRef, private: bool) {
    with_entry(context, repo, |entry| entry.private = Some(Some(private)));
}

/// Whether `repo` is private; `None` when GitHub would not say. Without a token GitHub
/// shows only public repositories, so no lookup is needed.
pub async fn is_private(context: &CallContext<'_>, repo: &RepoRef) -> Option<bool> {
    if let Some(known) = known_private(context, repo) {
        return known;
    }
    read_metadata(context, repo).await.0
}

/// `repo`'s default branch; `None` when GitHub would not say.
pub async fn default_branch(context: &CallContext<'_>, repo: &RepoRef) -> Option<String> {
    if let Some(known) = with_entry(context, repo, |entry| entry.default_branch.clone()) {
        return Some(known);
    }
    read_metadata(context, repo).await.1
}

/// Reads `repo`'s metadata and records its privacy and default branch.
async fn read_metadata(
    context: &CallContext<'_>,
    repo: &RepoRef,
) -> (Option<bool>, Option<String>) {
    let path = format!("/repos/{repo}");
    let metadata = context
        .app
        .github
        .without_cache()
        .get_json(&path, &format!("the repository {repo}"))
        .await
        .ok();
    let field = |name: &str| metadata.as_ref().and_then(|m| m.get(name));
    let private = field("private").and_then(Value::as_bool);
    let branch = field("default_branch")
        .and_then(Value::as_str)
        .map(str::to_string);
    with_entry(context, repo, |entry| {
        if entry.private.is_none() || private.is_some() {
            entry.private = Some(private);
        }
        if branch.is_some() {
            entry.default_branch.clone_from(&branch);
        }
    });
    (private, branch)
}

/// Whether the commit `sha` is on `repo`'s default branch, if that is known.
pub fn known_on_default_branch(
    context: &CallContext<'_>,
    repo: &RepoRef,
    sha: &str,
) -> Option<bool> {
    with_entry(context, repo, |entry| {
        let found = entry
            .on_default_branch
            .iter()
            .find(|(known, _)| known == sha);
        found.map(|(_, on)| *on)
    })
}

/// Records whether the commit `sha` is on `repo`'s default branch.
pub fn remember_on_default_branch(context: &CallContext<'_>, repo: &RepoRef, sha: &str, on: bool) {
    with_entry(context, repo, |entry| {
        if entry.on_default_branch.len() >= MAX_COMMITS {
            entry.on_default_branch.clear();
        }
        entry.on_default_branch.push((sha.to_string(), on));
    });
}

/// What [`is_private`] would answer without asking GitHub, if that is known.
pub fn known_private(context: &CallContext<'_>, repo: &RepoRef) -> Option<Option<bool>> {
    if !context.app.github.is_authenticated() {
        return Some(Some(false));
    }
    with_entry(context, repo, |entry| entry.private)
}

/// What [`can_push`] would answer without asking GitHub, if that is known.
pub fn known_push(context: &CallContext<'_>, repo: &RepoRef, login: &str) -> Option<Push> {
    let login_key = login.to_ascii_lowercase();
    with_entry(context, repo, |entry| {
        let found = entry.push.iter().find(|(login, _)| *login == login_key);
        found.map(|(_, push)| push.clone())
    })
}

/// Whether `login` has push access to `repo` (GitHub's collaborator permission: admin,
/// maintain or write).
pub async fn can_push(context: &CallContext<'_>, repo: &RepoRef, login: &str) -> Push {
    if let Some(known) = known_push(context, repo, login) {
        return known;
    }
    let login_key = login.to_ascii_lowercase();
    let answer = if !context.app.github.is_authenticated() {
        Push::Unknown(
            "GitHub calls carry no token, and GitHub shows permissions only to signed-in callers"
                .into(),
        )
    } else if crate::github::repo::validate_owner(login).is_err() {
        Push::No
    } else {
        let path = format!("/repos/{repo}/collaborators/{login}/permission");
        let what = format!("{login}'s permission on {repo}");
        match context
            .app
            .github
            .without_cache()
            .get_json(&path, &what)
            .await
        {
            Ok(permission) => push_of(&permission),
            Err(GitHubError::NotFound { .. }) => Push::No,
            Err(error) => Push::Unknown(format!(
                "GitHub did not say who may push ({})",
                error_kind(&error)
            )),
        }
    };
    with_entry(context, repo, |entry| {
        entry.push.push((login_key, answer.clone()))
    });
    answer
}

/// Push access from a collaborator-permission answer.
fn push_of(permission: &Value) -> Push {
    let role = permission.get("role_name").and_then(Value::as_str);
    let legacy = permission.get("permission").and_then(Value::as_str);
    let pushes = matches!(role, Some("admin" | "maintain" | "write"))
        || matches!(legacy, Some("admin" | "write"));
    if pushes {
        Push::Yes
    } else {
        Push::No
    }
}

/// A short name for why a lookup failed, without GitHub's own words.
fn error_kind(error: &GitHubError) -> &'static str {
    match error {
        GitHubError::Forbidden { .. } => "403: the token needs push access to read permissions",
        GitHubError::BadCredentials => "401: the token was refused",
        GitHubError::RateLimited { .. } | GitHubError::SecondaryRateLimit { .. } => "rate limited",
        _ => "no usable answer",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn push_means_write_maintain_or_admin() {
        for (permission, push) in [
            (
                json!({ "permission": "write", "role_name": "write" }),
                Push::Yes,
            ),
            (
                json!({ "permission": "write", "role_name": "maintain" }),
                Push::Yes,
            ),
            (
                json!({ "permission": "admin", "role_name": "admin" }),
                Push::Yes,
            ),
            (
                json!({ "permission": "read", "role_name": "triage" }),
                Push::No,
            ),
            (
                json!({ "permission": "read", "role_name": "read" }),
                Push::No,
            ),
            (json!({ "permission": "none" }), Push::No),
            (json!({}), Push::No),
        ] {
            assert_eq!(push_of(&permission), push, "{permission}");
        }
    }
}
