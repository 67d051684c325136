//! `getGithubLatestRelease`: the latest published release, with its notes and assets.

use serde_json::Value;

use super::access::is_private;
use super::args::{input_schema, RepoArgs};
use super::get_github_pull_request::with_items;
use super::labels::Labels;
use super::list::github_tool;
use super::list_github_releases::RELEASE_FIELDS;
use super::shape::{
    add_property, object_schema, pick, untrusted_paths, Field, Kind, MAX_BODY_CHARS,
};
use crate::app::{CallContext, GitHubApp};
use mcp_core::exchange::BoxFuture;
use mcp_core::tool::{json_text, Tool, ToolDefinition, ToolError, ToolResult};

pub struct GetGithubLatestRelease;

const ASSET_FIELDS: &[Field] = &[
    ("name", "name", Kind::Name),
    ("contentType", "content_type", Kind::OptPlain),
    ("size", "size", Kind::Int),
    ("downloadCount", "download_count", Kind::Int),
    ("downloadUrl", "browser_download_url", Kind::Link),
];

const EXTRA: &str = r#"{
    "repository": { "type": "string" },
    "body": { "type": ["string", "null"] }
}"#;

impl Tool<GitHubApp> for GetGithubLatestRelease {
    type Args = RepoArgs;

    fn definition(&self) -> ToolDefinition {
        let mut output = object_schema(RELEASE_FIELDS, EXTRA);
        let assets = r#"{ "type": "array" }"#;
        add_property(
            &mut output,
            "assets",
            with_items(json_text(assets), ASSET_FIELDS),
        );
        github_tool(
            "getGithubLatestRelease",
            "Get the latest release",
            "The latest published release (not draft or prerelease): tag, name, notes and assets.",
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
            let what = format!("a published release of {repo}");
            let path = format!("/repos/{repo}/releases/latest");
            let release = context.app.github.get_json(&path, &what).await?;
            let mut out = pick(&release, RELEASE_FIELDS);
            out.extend(pick(
                &release,
                &[("body", "body", Kind::Markdown(MAX_BODY_CHARS))],
            ));
            let assets = release
                .get("assets")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let assets = assets.iter().map(|a| Value::Object(pick(a, ASSET_FIELDS)));
            out.insert("assets".into(), assets.collect());
            out.insert("repository".into(), repo.to_string().into());
            let mut untrusted = untrusted_paths("", RELEASE_FIELDS);
            untrusted.push("body".into());
            untrusted.extend(untrusted_paths("assets[].", ASSET_FIELDS));
            let mut result = super::render::structured(Value::Object(out));
            Labels::untrusted(untrusted)
                .private(is_private(context, &repo).await)
                .apply(&mut result);
            Ok(result)
        })
    }
}
