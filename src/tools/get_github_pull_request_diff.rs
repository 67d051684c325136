//! `getGithubPullRequestDiff`: a pull request as a unified diff. A diff is code: it comes
//! back byte for byte, with `hiddenCharacters` saying where invisible characters are. In
//! lockdown, the diff of a pull request whose author has no push access is withheld.

use serde_json::{Map, Value};

use super::access::is_private;
use super::args::{input_schema, number, repo_ref, NumberArgs};
use super::labels::{Labels, Withheld};
use super::list::github_tool;
use super::lockdown;
use super::shape::{object_schema, truncate_chars};
use super::untrusted::find_hidden;
use crate::app::{CallContext, GitHubApp};
use crate::github::{Media, Query};
use mcp_core::exchange::BoxFuture;
use mcp_core::tool::{Tool, ToolDefinition, ToolError, ToolResult};

/// Diffs longer than this many characters are cut, and the result says so.
pub const MAX_DIFF_CHARS: usize = 200_000;
/// The most of a diff read from GitHub: as many bytes as the characters kept can take in
/// UTF-8. The rest is never downloaded (an 8 MB diff read whole by forty calls at once took
/// the isolate's wasm memory to 288 MiB), and large answers take turns
/// ([`crate::github::turns`]).
const MAX_DIFF_BYTES: usize = 4 * MAX_DIFF_CHARS;

pub struct GetGithubPullRequestDiff;

const OUTPUT: &str = mcp_core::compact_json!(
    r#"{
    "repository": { "type": "string" },
    "number": { "type": "integer" },
    "diff": { "type": "string" },
    "size": { "type": "integer", "description": "Bytes read (at most 800001)" },
    "truncated": { "type": "boolean" },
    "hiddenCharacters": { "type": ["object", "null"], "description": "Invisible characters in diff, kept: count, first 20 positions" }
}"#
);

impl Tool<GitHubApp> for GetGithubPullRequestDiff {
    type Args = NumberArgs;

    fn definition(&self) -> ToolDefinition {
        github_tool(
            "getGithubPullRequestDiff",
            "Get a pull request's diff",
            "A pull request's unified diff, byte for byte, cut at 200,000 characters.",
            input_schema(
                &["owner", "repo", "number"],
                "{}",
                &["owner", "repo", "number"],
            ),
            object_schema(&[], OUTPUT),
        )
    }

    fn call<'a>(
        &'a self,
        args: NumberArgs,
        context: &'a CallContext<'a>,
    ) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
        Box::pin(async move {
            let repo = repo_ref(&args.owner, &args.repo)?;
            let number = number(args.number)?;
            let what = format!("pull request #{number} in {repo}");
            let path = format!("/repos/{repo}/pulls/{number}");
            let mut withheld = Withheld::default();
            if lockdown::applies(context, &repo).await {
                let pull = context.app.github.get_json(&path, &what).await?;
                let mut blank = Map::new();
                withheld = lockdown::check_item(context, &repo, &pull, &mut blank).await;
            }
            let fetched = match withheld.count {
                0 => {
                    let query = Query::new();
                    let github = context.app.github;
                    let fetched = github.fetch_within(
                        &path,
                        &query,
                        Media::Diff,
                        &what,
                        Some(MAX_DIFF_BYTES),
                    );
                    fetched.await?.body
                }
                _ => Vec::new(),
            };
            let cut_short = fetched.len() > MAX_DIFF_BYTES;
            let read = fetched.get(..MAX_DIFF_BYTES).unwrap_or(&fetched);
            let text = String::from_utf8_lossy(read);
            let (diff, truncated) = truncate_chars(&text, MAX_DIFF_CHARS);
            let truncated = truncated || cut_short;
            let mut out = Map::new();
            out.insert("repository".into(), repo.to_string().into());
            out.insert("number".into(), number.into());
            out.insert("hiddenCharacters".into(), find_hidden(&diff).to_json());
            out.insert("diff".into(), diff.into());
            out.insert("size".into(), fetched.len().into());
            out.insert("truncated".into(), truncated.into());
            let mut result = super::render::structured(Value::Object(out));
            Labels::untrusted(vec!["diff".into()])
                .private(is_private(context, &repo).await)
                .withheld(withheld)
                .apply(&mut result);
            Ok(result)
        })
    }
}
