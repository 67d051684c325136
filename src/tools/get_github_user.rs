//! `getGithubUser`: a user's or organisation's public profile.

use serde_json::Value;

use super::args::{input_schema, login};
use super::labels::Labels;
use super::list::github_tool;
use super::shape::{object_schema, pick, untrusted_paths, Field, Kind};
use crate::app::{CallContext, GitHubApp};
use mcp_core::exchange::BoxFuture;
use mcp_core::tool::{Tool, ToolDefinition, ToolError, ToolResult};

pub struct GetGithubUser;

const FIELDS: &[Field] = &[
    ("login", "login", Kind::Name),
    ("type", "type", Kind::Str),
    ("name", "name", Kind::OptPlain),
    ("bio", "bio", Kind::OptPlain),
    ("company", "company", Kind::OptPlain),
    ("blog", "blog", Kind::OptPlain),
    ("location", "location", Kind::OptPlain),
    ("email", "email", Kind::OptPlain),
    ("publicRepos", "public_repos", Kind::Int),
    ("followers", "followers", Kind::Int),
    ("following", "following", Kind::Int),
    ("createdAt", "created_at", Kind::OptStr),
    ("htmlUrl", "html_url", Kind::Link),
    ("avatarUrl", "avatar_url", Kind::OptStr),
];

const ARGUMENTS: &str = mcp_core::compact_json!(
    r#"{ "username": { "type": "string", "description": "User or organisation login", "maxLength": 39 } }"#
);

mcp_core::arguments! {
    /// `getGithubUser`'s arguments.
    #[derive(Debug)]
    pub struct UserArgs {
        pub username: String,
    }
}

impl Tool<GitHubApp> for GetGithubUser {
    type Args = UserArgs;

    fn definition(&self) -> ToolDefinition {
        github_tool(
            "getGithubUser",
            "Get a user or organisation",
            "A user's or organisation's public profile (`type` says which).",
            input_schema(&[], ARGUMENTS, &["username"]),
            object_schema(FIELDS, "{}"),
        )
    }

    fn call<'a>(
        &'a self,
        args: UserArgs,
        context: &'a CallContext<'a>,
    ) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
        Box::pin(async move {
            let login = login("username", Some(&args.username))?.unwrap_or_default();
            let what = format!("the user or organisation '{login}'");
            let profile = context
                .app
                .github
                .get_json(&format!("/users/{login}"), &what)
                .await?;
            let mut result = super::render::structured(Value::Object(pick(&profile, FIELDS)));
            Labels::untrusted(untrusted_paths("", FIELDS)).apply(&mut result);
            Ok(result)
        })
    }
}
