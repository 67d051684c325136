//! `listGithubPullRequests`: a repository's pull requests.

use super::args::git_ref;
use super::list::{ListArgs, RepoList};
use super::shape::{Field, Kind};
use crate::github::Query;
use mcp_core::tool::ToolError;

/// The fields of a pull request in a list, shared with `getGithubPullRequest`.
pub const PULL_FIELDS: &[Field] = &[
    ("number", "number", Kind::Int),
    ("title", "title", Kind::Plain),
    ("state", "state", Kind::Str),
    ("draft", "draft", Kind::Bool),
    ("author", "user.login", Kind::OptName),
    ("head", "head.ref", Kind::Name),
    ("base", "base.ref", Kind::Name),
    ("labels", "labels.name", Kind::PlainStrs),
    ("createdAt", "created_at", Kind::Str),
    ("updatedAt", "updated_at", Kind::Str),
    ("mergedAt", "merged_at", Kind::OptStr),
    ("htmlUrl", "html_url", Kind::Link),
];

pub const TOOL: RepoList = RepoList {
    name: "listGithubPullRequests",
    title: "List a repository's pull requests",
    description: "A repository's pull requests by state and base branch.",
    arguments: mcp_core::compact_json!(
        r#"{
        "state": { "type": "string", "enum": ["open", "closed", "all"], "default": "open" },
        "base": { "type": "string", "description": "Target branch", "maxLength": 255 },
        "sort": { "type": "string", "enum": ["created", "updated", "popularity", "long-running"], "default": "created" },
        "direction": { "type": "string", "enum": ["asc", "desc"], "default": "desc" }
    }"#
    ),
    endpoint: "/pulls",
    fields: PULL_FIELDS,
    query,
    authored: true,
};

fn query(args: &ListArgs) -> Result<Query, ToolError> {
    let mut query = Query::new();
    query
        .opt("state", args.state.as_deref())
        .opt("base", git_ref("base", args.base.as_deref())?)
        .opt("sort", args.sort.as_deref())
        .opt("direction", args.direction.as_deref());
    Ok(query)
}
