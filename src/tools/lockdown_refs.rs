//! Lockdown for reads at a commit SHA. GitHub keeps one object store for a repository and
//! all of its forks, and the repository's API answers for any commit of that network when
//! it is named by SHA: a file, README, directory or commit read "at `abc1234`" in
//! `owner/repo` can be one that a stranger pushed to their own fork, never merged (a pull
//! request's head commit is one). Under lockdown, on a public repository, a ref that could
//! be a SHA is therefore read only when its commit is on the repository's default branch,
//! where someone with push access put it; GitHub's compare API says so.
//!
//! Git names a commit by SHA in two spellings, and both are checked: the id or its
//! abbreviation (4 to 64 hex digits), and `git describe`'s output, anything ending in
//! `-g` and an abbreviation (`v1.0-3-gfdb1e09`, even `refs/tags/x-1-gfdb1e09`), which Git
//! reads as that commit when no ref has the name. Other refs need no look-up: a branch or
//! tag name resolves among the repository's own refs, which only people with push access
//! write, except a pull request's refs (`refs/pull/N/head`), which the GitHub client
//! refuses under lockdown. A branch or tag whose name is all hex digits is checked as a
//! SHA; off the default branch, it is read by its full name (`refs/tags/2024`), which Git
//! never reads as a commit id.

use serde_json::Value;

use super::access::{default_branch, known_on_default_branch, remember_on_default_branch};
use super::lockdown;
use crate::app::CallContext;
use crate::github::http::{percent_encode, percent_encode_keeping};
use crate::github::repo::RepoRef;
use crate::github::GitHubError;
use mcp_core::tool::ToolError;

/// Hex digits in a full SHA-1 commit id; SHA-256 ones have 64.
const FULL_SHA: usize = 40;

/// Whether Git could read `git_ref` as a commit id or its abbreviation (4 to 64 hex digits).
fn could_be_sha(git_ref: &str) -> bool {
    (4..=64).contains(&git_ref.len()) && git_ref.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether Git could read `git_ref` as a commit named by SHA: [`could_be_sha`], or
/// `git describe`'s form, which ends in `-g` and an abbreviation.
fn could_name_commit(git_ref: &str) -> bool {
    let hex = git_ref
        .bytes()
        .rev()
        .take_while(u8::is_ascii_hexdigit)
        .count();
    let before = git_ref
        .as_bytes()
        .get(..git_ref.len() - hex)
        .unwrap_or_default();
    could_be_sha(git_ref)
        || ((4..=64).contains(&hex) && (before.ends_with(b"-g") || before.ends_with(b"-G")))
}

/// Why lockdown does not read a ref.
#[derive(Debug)]
pub enum RefRefused {
    /// The ref names a commit off the default branch: lockdown's own refusal.
    Lockdown(String),
    /// GitHub did not say, or said the commit does not exist.
    Upstream(ToolError),
}

impl From<RefRefused> for ToolError {
    /// For a tool: an `isError` result that says why.
    fn from(refused: RefRefused) -> ToolError {
        match refused {
            RefRefused::Lockdown(why) => ToolError::Failed(why),
            RefRefused::Upstream(error) => error,
        }
    }
}

impl RefRefused {
    /// For `resources/read`: lockdown's refusal is about the URI asked for (-32602), not a
    /// failure of the server.
    pub fn for_resource(self) -> ToolError {
        match self {
            RefRefused::Lockdown(why) => ToolError::InvalidArgument(why),
            RefRefused::Upstream(error) => error,
        }
    }
}

/// `Ok` when lockdown lets a tool read `repo` at `git_ref`; otherwise the error that says
/// why not and what to ask for instead.
pub async fn check_ref(
    context: &CallContext<'_>,
    repo: &RepoRef,
    git_ref: Option<&str>,
) -> Result<(), RefRefused> {
    let Some(git_ref) = git_ref.filter(|r| could_name_commit(r)) else {
        return Ok(());
    };
    if !lockdown::applies(context, repo).await {
        return Ok(());
    }
    let on_default = match known_on_default_branch(context, repo, git_ref) {
        Some(known) => known,
        None => {
            let on = on_default_branch(context, repo, git_ref).await?;
            remember_on_default_branch(context, repo, git_ref, on);
            on
        }
    };
    if on_default {
        return Ok(());
    }
    let by_name = if git_ref.len() < FULL_SHA && could_be_sha(git_ref) {
        format!(" If '{git_ref}' is the name of a tag or branch, ask for 'refs/tags/{git_ref}' or 'refs/heads/{git_ref}'.")
    } else {
        String::new()
    };
    Err(RefRefused::Lockdown(format!(
        "Lockdown is on: the commit '{git_ref}' is not on {repo}'s default branch, and GitHub answers for a commit named by SHA even when a stranger pushed it only to a fork. Read {repo} at one of its branches or tags (listGithubBranches, listGithubTags), or at a commit on its default branch.{by_name}"
    )))
}

/// Whether the commit `sha` is on `repo`'s default branch (it is behind the branch's head,
/// or is its head). An answer too large to read is a comparison with commits of its own:
/// one on the branch has none; so is a 422, which GitHub gives a commit with no history
/// in common with the branch (an orphan branch's).
async fn on_default_branch(
    context: &CallContext<'_>,
    repo: &RepoRef,
    sha: &str,
) -> Result<bool, RefRefused> {
    let undecided = |why: &str| {
        RefRefused::Upstream(ToolError::Failed(format!(
            "Lockdown is on, and {why}, so whether the commit '{sha}' is on {repo}'s default branch is not known; it is not read. Try again later, or read {repo} at a branch or tag."
        )))
    };
    let Some(branch) = default_branch(context, repo).await else {
        return Err(undecided("GitHub did not say which branch is the default"));
    };
    // GitHub writes a branch's `/` as it is in a comparison's path (`release/2.x...abc`);
    // one commit of the comparison is enough.
    let path = format!(
        "/repos/{repo}/compare/{}...{}?per_page=1",
        percent_encode_keeping(&branch, "/"),
        percent_encode(sha)
    );
    let what = format!("the commit '{sha}' in {repo}");
    let github = context.app.github.without_cache();
    match github.get_json(&path, &what).await {
        Ok(comparison) => Ok(matches!(
            comparison.get("status").and_then(Value::as_str),
            Some("behind" | "identical")
        )),
        Err(GitHubError::TooLarge { .. } | GitHubError::Upstream { status: 422, .. }) => Ok(false),
        Err(error @ GitHubError::NotFound { .. }) => {
            Err(RefRefused::Upstream(ToolError::NotFound(error.to_string())))
        }
        Err(error) => Err(undecided(&format!("GitHub did not compare it ({error})"))),
    }
}

#[cfg(test)]
mod tests {
    use futures_executor::block_on;
    use serde_json::json;

    use super::*;
    use crate::app::ContentPolicy;
    use crate::github::http::HttpClient;
    use crate::tools::lockdown::tests::{lockdown, repo, with_context, Recorded};

    const MERGED: &str = "aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111";
    const FORK: &str = "bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222";

    /// `o/r` (public, default branch `main`) and `o/p` (private); a merged commit, a fork's
    /// commit, a tag `2024` off the default branch, and GitHub failing for `dddd`. Records
    /// the paths asked for.
    fn network() -> Recorded<impl Fn(&str) -> (u16, Value)> {
        Recorded::new(|path| {
            let compare = |head: &str| format!("/repos/o/r/compare/main...{head}?per_page=1");
            match path {
                "/repos/o/r" => (200, json!({ "private": false, "default_branch": "main" })),
                "/repos/o/p" => (200, json!({ "private": true, "default_branch": "main" })),
                p if p == compare(MERGED) => (200, json!({ "status": "behind", "ahead_by": 0 })),
                p if p == compare(FORK) || p == compare("2024") => {
                    (200, json!({ "status": "diverged", "ahead_by": 1 }))
                }
                p if p == compare("dddd") => (502, json!({ "message": "Server Error" })),
                p if p == compare("v1-1-gbbbb2222") => {
                    (200, json!({ "status": "diverged", "ahead_by": 1 }))
                }
                p if p == compare("eeee") => (
                    422,
                    json!({ "message": "No common ancestor between main and eeee." }),
                ),
                _ => (404, json!({ "message": "Not Found" })),
            }
        })
    }

    fn checked(http: &dyn HttpClient, policy: ContentPolicy, refs: &[(&str, &str)]) -> Vec<String> {
        with_context(http, policy, |context| {
            refs.iter()
                .map(|(repo_name, git_ref)| {
                    let repo = RepoRef {
                        repo: (*repo_name).into(),
                        ..repo()
                    };
                    match block_on(check_ref(context, &repo, Some(git_ref)))
                        .map_err(ToolError::from)
                    {
                        Ok(()) => "read".to_string(),
                        Err(ToolError::Failed(why) | ToolError::NotFound(why)) => why,
                        Err(other) => format!("{other:?}"),
                    }
                })
                .collect()
        })
    }

    #[test]
    fn under_lockdown_a_commit_by_sha_is_read_only_from_the_default_branch() {
        let http = network();
        let refs = [("r", MERGED), ("r", FORK), ("r", MERGED), ("r", FORK)];
        let answers = checked(&http, lockdown(), &refs);
        assert_eq!(answers[0], "read");
        assert!(
            answers[1].starts_with(&format!(
                "Lockdown is on: the commit '{FORK}' is not on o/r's default branch"
            )),
            "{}",
            answers[1]
        );
        assert_eq!(answers[2..], answers[..2], "the same answers again");
        let compares = http
            .paths
            .borrow()
            .iter()
            .filter(|p| p.contains("/compare/"))
            .count();
        assert_eq!(compares, 2, "each commit compared once for the caller");
        assert!(
            !answers[1].contains("refs/tags/"),
            "a full SHA is never a name"
        );
    }

    #[test]
    fn names_private_repositories_and_lockdown_off_need_no_look_up() {
        let http = network();
        let names = [
            ("r", "main"),
            ("r", "feature/x"),
            ("r", "v1.0"),
            ("r", "abc"),
        ];
        assert!(checked(&http, lockdown(), &names)
            .iter()
            .all(|a| a == "read"));
        assert!(http.paths.borrow().is_empty(), "{:?}", http.paths.borrow());
        let off = ContentPolicy {
            lockdown: false,
            trusted_bots: vec![],
        };
        assert_eq!(checked(&http, off, &[("r", FORK)]), ["read"]);
        assert!(http.paths.borrow().is_empty());
        assert_eq!(checked(&http, lockdown(), &[("p", FORK)]), ["read"]);
        assert_eq!(*http.paths.borrow(), ["/repos/o/p"], "only its privacy");
    }

    #[test]
    fn describe_names_and_commits_with_no_common_history_are_refused() {
        let http = network();
        let answers = checked(&http, lockdown(), &[("r", "v1-1-gbbbb2222"), ("r", "eeee")]);
        for (answer, git_ref) in answers.iter().zip(["v1-1-gbbbb2222", "eeee"]) {
            let refused =
                format!("Lockdown is on: the commit '{git_ref}' is not on o/r's default branch");
            assert!(answer.starts_with(&refused), "{answer}");
        }
        assert!(
            !answers[0].contains("refs/tags/"),
            "a describe name is no tag's name"
        );
    }

    #[test]
    fn a_hex_tag_off_the_default_branch_is_read_by_its_full_name() {
        let http = network();
        let answers = checked(&http, lockdown(), &[("r", "2024"), ("r", "refs/tags/2024")]);
        assert!(
            answers[0].ends_with("ask for 'refs/tags/2024' or 'refs/heads/2024'."),
            "{}",
            answers[0]
        );
        assert_eq!(answers[1], "read");
    }

    #[test]
    fn unknown_commits_and_failures_are_errors_that_say_so_and_are_not_remembered() {
        let http = network();
        let answers = checked(
            &http,
            lockdown(),
            &[("r", "cccc"), ("r", "dddd"), ("r", "dddd")],
        );
        assert!(
            answers[0].contains("the commit 'cccc' in o/r was not found"),
            "{}",
            answers[0]
        );
        assert!(
            answers[1].starts_with("Lockdown is on, and GitHub did not compare it (GitHub"),
            "{}",
            answers[1]
        );
        assert_eq!(answers[2], answers[1]);
        let failing = http
            .paths
            .borrow()
            .iter()
            .filter(|p| p.contains("...dddd?"))
            .count();
        assert_eq!(failing, 2, "a failure is asked again");
    }

    #[test]
    fn refs_that_git_could_read_as_a_commit_named_by_sha() {
        for name in [
            "v1.0-3-gfdb1e09",
            "x-gabcd",
            "refs/tags/x-1-gFDB1E09",
            "refs/heads/a-0-g7fd1a60b01f91b314f59955a4e4d4e80d8edf11d",
            "release-2024-3-Gfdb1e",
        ] {
            assert!(could_name_commit(name), "{name}");
        }
        for name in [
            "v1.0-3-gabc",
            "x-g",
            "main",
            "feature/x-g",
            "gabcd",
            "x_gabcd",
            "refs/tags/2024",
            "x-gabcdz",
        ] {
            assert!(!could_name_commit(name), "{name}");
        }
        assert!(could_name_commit("abcd"));
    }

    #[test]
    fn refs_that_git_could_read_as_a_commit_id() {
        for sha in [
            "abcd",
            "0123456",
            "2024",
            "DEADBEEF",
            "7fd1a60b01f91b314f59955a4e4d4e80d8edf11d",
        ] {
            assert!(could_be_sha(sha), "{sha}");
        }
        for name in [
            "abc",
            "main",
            "v1.0",
            "feature/x",
            "heads/abcd",
            "abcdefg",
            "7fd1a60b01f91b314f59955a4e4d4e80d8edf11d7fd1a60b01f91b314f59955a4e4d4e80d8",
        ] {
            assert!(!could_be_sha(name), "{name}");
        }
    }
}
