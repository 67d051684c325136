//! `getGithubPullRequestDiff`: a pull request as a unified diff.

use serde_json::{Map, Value};

use super::args::{input_schema, Args};
use super::list::github_tool;
use super::shape::{object_schema, truncate_chars};
use crate::github::{Media, Query};
use crate::mcp::exchange::BoxFuture;
use crate::mcp::tool::{CallContext, Tool, ToolDefinition, ToolError, ToolResult};

/// Diffs longer than this many characters are cut, and the result says so.
pub const MAX_DIFF_CHARS: usize = 200_000;

pub struct GetGithubPullRequestDiff;

const OUTPUT: &str = r#"{
    "repository": { "type": "string" },
    "number": { "type": "integer" },
    "diff": { "type": "string" },
    "size": { "type": "integer", "description": "Bytes of the whole diff" },
    "truncated": { "type": "boolean" }
}"#;

impl Tool for GetGithubPullRequestDiff {
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
        arguments: Map<String, Value>,
        context: &'a CallContext<'a>,
    ) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
        Box::pin(async move {
            let args = Args(arguments);
            let repo = args.repo()?;
            let number = args.number()?;
            let what = format!("pull request #{number} in {repo}");
            let path = format!("/repos/{repo}/pulls/{number}");
            let fetched = context
                .github
                .fetch(&path, &Query::new(), Media::Diff, &what)
                .await?;
            let text = String::from_utf8_lossy(&fetched.body);
            let (diff, truncated) = truncate_chars(&text, MAX_DIFF_CHARS);
            let mut out = Map::new();
            out.insert("repository".into(), repo.to_string().into());
            out.insert("number".into(), number.into());
            out.insert("diff".into(), diff.into());
            out.insert("size".into(), fetched.body.len().into());
            out.insert("truncated".into(), truncated.into());
            Ok(super::render::structured(Value::Object(out)))
        })
    }
}
