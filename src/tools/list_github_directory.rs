//! `listGithubDirectory`: the entries of a directory at a ref.

use serde_json::Value;

use super::access::is_private;
use super::args::{input_schema, Paging};
use super::contents::contents_at;
use super::labels::Labels;
use super::list::github_tool;
use super::shape::{
    list_result, list_schema, pick, repository_field, untrusted_paths, Field, Kind,
};
use crate::app::{CallContext, GitHubApp};
use mcp_core::exchange::BoxFuture;
use mcp_core::tool::{Tool, ToolDefinition, ToolError, ToolResult};

pub struct ListGithubDirectory;

const FIELDS: &[Field] = &[
    ("name", "name", Kind::Name),
    ("path", "path", Kind::Name),
    ("type", "type", Kind::Str),
    ("size", "size", Kind::Int),
    ("sha", "sha", Kind::Str),
];

const ARGUMENTS: &str = mcp_core::compact_json!(
    r#"{ "path": { "type": "string", "description": "Directory path; empty for the root", "maxLength": 1000, "default": "" } }"#
);

mcp_core::arguments! {
    /// `listGithubDirectory`'s arguments.
    #[derive(Debug)]
    pub struct DirectoryArgs {
        pub owner: String,
        pub repo: String,
        pub git_ref as "ref": Option<String>,
        pub path: String,
        pub page: u32,
        pub per_page as "perPage": u32,
    }
}

impl Tool<GitHubApp> for ListGithubDirectory {
    type Args = DirectoryArgs;

    fn definition(&self) -> ToolDefinition {
        let shared = ["owner", "repo", "ref", "page", "perPage"];
        github_tool(
            "listGithubDirectory",
            "List a directory",
            "A directory's entries at a ref: file, dir, symlink or submodule.",
            input_schema(&shared, ARGUMENTS, &["owner", "repo"]),
            list_schema(
                FIELDS,
                mcp_core::compact_json!(
                    r#"{ "repository": { "type": "string" }, "path": { "type": "string" } }"#
                ),
            ),
        )
    }

    fn call<'a>(
        &'a self,
        args: DirectoryArgs,
        context: &'a CallContext<'a>,
    ) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
        Box::pin(async move {
            let named = (args.owner.as_str(), args.repo.as_str());
            let at = args.git_ref.as_deref();
            let (repo, listing) = contents_at(context, named, &args.path, at).await?;
            let Some(entries) = listing.as_array() else {
                return Err(ToolError::Failed(format!(
                    "'{}' in {repo} is a file, not a directory; use getGithubFileContents.",
                    args.path
                )));
            };
            // GitHub returns a directory whole (up to 1,000 entries): page it here.
            let paging = Paging::new(args.page, args.per_page);
            let start = (paging.page as usize - 1) * paging.per_page as usize;
            let items: Vec<Value> = entries
                .iter()
                .skip(start)
                .take(paging.per_page as usize)
                .map(|entry| Value::Object(pick(entry, FIELDS)))
                .collect();
            let next_page = (start + items.len() < entries.len()).then_some(paging.page + 1);
            let mut extra = repository_field(&repo);
            extra.insert("path".into(), args.path.into());
            let mut result =
                super::render::structured(list_result(items, paging, next_page, extra));
            Labels::untrusted(untrusted_paths("items[].", FIELDS))
                .private(is_private(context, &repo).await)
                .apply(&mut result);
            Ok(result)
        })
    }
}
