//! `getGithubRepository`: a repository's metadata, languages, topics and default branch.

use serde_json::{Map, Value};

use super::access::remember_private;
use super::args::{input_schema, RepoArgs};
use super::labels::Labels;
use super::list::github_tool;
use super::shape::{add_property, object_schema, pick, untrusted_paths, Field, Kind};
use crate::app::{CallContext, GitHubApp};
use mcp_core::exchange::BoxFuture;
use mcp_core::tool::{json_text, Tool, ToolDefinition, ToolError, ToolResult};

pub struct GetGithubRepository;

const FIELDS: &[Field] = &[
    ("fullName", "full_name", Kind::Name),
    ("description", "description", Kind::OptPlain),
    ("defaultBranch", "default_branch", Kind::Name),
    ("topics", "topics", Kind::PlainStrs),
    ("language", "language", Kind::OptStr),
    ("license", "license.spdx_id", Kind::OptStr),
    ("private", "private", Kind::Bool),
    ("fork", "fork", Kind::Bool),
    ("archived", "archived", Kind::Bool),
    ("stars", "stargazers_count", Kind::Int),
    ("forks", "forks_count", Kind::Int),
    ("openIssues", "open_issues_count", Kind::Int),
    ("homepage", "homepage", Kind::OptPlain),
    ("htmlUrl", "html_url", Kind::Link),
    ("createdAt", "created_at", Kind::OptStr),
    ("updatedAt", "updated_at", Kind::OptStr),
    ("pushedAt", "pushed_at", Kind::OptStr),
];

const LANGUAGES: &str = mcp_core::compact_json!(
    r#"{ "type": "object", "description": "Bytes of code per language", "additionalProperties": { "type": "integer" } }"#
);

impl Tool<GitHubApp> for GetGithubRepository {
    type Args = RepoArgs;

    fn definition(&self) -> ToolDefinition {
        let mut output = object_schema(FIELDS, "{}");
        add_property(&mut output, "languages", json_text(LANGUAGES));
        github_tool(
            "getGithubRepository",
            "Get a repository",
            "A repository: description, default branch, topics, languages, license, stars, forks, open issues and dates.",
            input_schema(&["owner", "repo"], "{}", &["owner", "repo"]),
            output,
        )
    }

    fn call<'a>(
        &'a self,
        args: RepoArgs,
        context: &'a CallContext<'a>,
    ) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
        Box::pin(async move {
            let repo = args.repo()?;
            let what = format!("the repository {repo}");
            let progress = |step: f64, message: &str| {
                context.exchange.progress(step, Some(2.0), Some(message));
            };
            progress(0.0, "Reading the repository");
            let metadata = context
                .app
                .github
                .get_json(&format!("/repos/{repo}"), &what)
                .await?;
            progress(1.0, "Reading its languages");
            let languages = context
                .app
                .github
                .get_json(&format!("/repos/{repo}/languages"), &what)
                .await?;
            progress(2.0, "Done");
            let mut out = pick(&metadata, FIELDS);
            let languages: Map<String, Value> = languages
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(_, bytes)| bytes.is_u64())
                .map(|(name, bytes)| (name.clone(), bytes.clone()))
                .collect();
            out.insert("languages".into(), Value::Object(languages));
            let private = metadata.get("private").and_then(Value::as_bool);
            if let Some(private) = private {
                remember_private(context, &repo, private);
            }
            let mut result = super::render::structured(Value::Object(out));
            Labels::untrusted(untrusted_paths("", FIELDS))
                .private(private)
                .apply(&mut result);
            Ok(result)
        })
    }
}
