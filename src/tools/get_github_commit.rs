//! `getGithubCommit`: one commit with its diff summary (files and line counts).

use serde_json::Value;

use super::access::is_private;
use super::args::{git_ref, input_schema, repo_ref};
use super::get_github_pull_request::{pick_all, with_items, FILE_FIELDS};
use super::labels::Labels;
use super::list::github_tool;
use super::list_github_commits::COMMIT_FIELDS;
use super::shape::{add_fields, add_property, object_schema, pick, untrusted_paths, Field, Kind};
use crate::app::{CallContext, GitHubApp};
use crate::github::{GitHubError, Query};
use mcp_core::exchange::BoxFuture;
use mcp_core::tool::{json_text, Tool, ToolDefinition, ToolError, ToolResult};

/// At most this many changed files are listed; the result says when there were more.
pub const MAX_COMMIT_FILES: usize = 100;

/// Files asked for when a commit with all of its files (their patches come with them) is
/// larger than one call reads; `getGithubPullRequest`'s too.
pub const FEW_FILES: u32 = 20;

pub struct GetGithubCommit;

const STATS: &[Field] = &[
    ("additions", "stats.additions", Kind::Int),
    ("deletions", "stats.deletions", Kind::Int),
    ("parents", "parents.sha", Kind::Strs),
];

const EXTRA: &str = mcp_core::compact_json!(
    r#"{
    "repository": { "type": "string" },
    "changedFiles": { "type": ["integer", "null"], "description": "Files changed (at most 300); null if too many to list" },
    "filesTruncated": { "type": "boolean", "description": "Not all are in files" }
}"#
);

mcp_core::arguments! {
    /// `getGithubCommit`'s arguments.
    #[derive(Debug)]
    pub struct CommitArgs {
        pub owner: String,
        pub repo: String,
        pub git_ref as "ref": String,
    }
}

/// A commit whose first [`FEW_FILES`] files with their patches are still larger than one
/// call reads: `TooLarge`'s advice (fewer items, `perPage`) cannot be followed here.
fn too_large(what: &str) -> ToolError {
    ToolError::Failed(format!(
        "GitHub's answer for {what} is larger than this server reads for one call, even for its first {FEW_FILES} files: their patches are too long. Read it on GitHub, or its files with getGithubFileContents."
    ))
}

impl Tool<GitHubApp> for GetGithubCommit {
    type Args = CommitArgs;

    fn definition(&self) -> ToolDefinition {
        let mut output = object_schema(COMMIT_FIELDS, EXTRA);
        add_fields(&mut output, STATS);
        let files = with_items(json_text(r#"{"type":"array"}"#), FILE_FIELDS);
        add_property(&mut output, "files", files);
        let own = mcp_core::compact_json!(
            r#"{ "ref": { "type": "string", "description": "SHA, or a branch or tag for its head", "maxLength": 255 } }"#
        );
        github_tool(
            "getGithubCommit",
            "Get a commit with its diff summary",
            "One commit: message, author, date, parents, lines added and deleted, and the files it changed (up to 100) with counts.",
            input_schema(&["owner", "repo"], own, &["owner", "repo", "ref"]),
            output,
        )
    }

    fn call<'a>(
        &'a self,
        args: CommitArgs,
        context: &'a CallContext<'a>,
    ) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
        Box::pin(async move {
            let repo = repo_ref(&args.owner, &args.repo)?;
            let git_ref = git_ref("ref", Some(&args.git_ref))?.unwrap_or_default();
            super::lockdown_refs::check_ref(context, &repo, Some(git_ref)).await?;
            let what = format!("the commit '{git_ref}' in {repo}");
            let path = format!(
                "/repos/{repo}/commits/{}",
                crate::github::http::percent_encode(git_ref)
            );
            let github = context.app.github;
            let (commit, counted) = match github.get_json(&path, &what).await {
                Err(GitHubError::TooLarge { .. }) => {
                    let mut few = Query::new();
                    few.push("per_page", FEW_FILES);
                    let (commit, next) = match github.get_page(&path, &few, &what).await {
                        Err(GitHubError::TooLarge { .. }) => return Err(too_large(&what)),
                        page => page?,
                    };
                    (commit, next.is_none())
                }
                answer => (answer?, true),
            };
            let mut out = pick(&commit, COMMIT_FIELDS);
            out.extend(pick(&commit, STATS));
            let mut files = pick_all(commit.get("files").unwrap_or(&Value::Null), FILE_FIELDS);
            let total = files.as_array().map_or(0, Vec::len);
            if let Some(files) = files.as_array_mut() {
                files.truncate(MAX_COMMIT_FILES);
            }
            out.insert("files".into(), files);
            let changed = if counted { total.into() } else { Value::Null };
            out.insert("changedFiles".into(), changed);
            let truncated = !counted || total > MAX_COMMIT_FILES;
            out.insert("filesTruncated".into(), truncated.into());
            out.insert("repository".into(), repo.to_string().into());
            let mut untrusted = untrusted_paths("", COMMIT_FIELDS);
            untrusted.extend(untrusted_paths("files[].", FILE_FIELDS));
            let mut result = super::render::structured(Value::Object(out));
            Labels::untrusted(untrusted)
                .private(is_private(context, &repo).await)
                .apply(&mut result);
            Ok(result)
        })
    }
}
