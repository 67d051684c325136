//! `listGithubIssues`: a repository's issues, with GitHub's filters.

use super::args::{login, text, timestamp};
use super::list::{ListArgs, RepoList};
use super::shape::{Field, Kind};
use crate::github::Query;
use mcp_core::tool::ToolError;

/// The fields of an issue in a list, shared with `searchGithubIssues`.
pub const ISSUE_FIELDS: &[Field] = &[
    ("number", "number", Kind::Int),
    ("title", "title", Kind::Plain),
    ("state", "state", Kind::Str),
    ("author", "user.login", Kind::OptName),
    ("labels", "labels.name", Kind::PlainStrs),
    ("assignees", "assignees.login", Kind::Names),
    ("comments", "comments", Kind::Int),
    ("isPullRequest", "pull_request", Kind::Exists),
    ("createdAt", "created_at", Kind::Str),
    ("updatedAt", "updated_at", Kind::Str),
    ("htmlUrl", "html_url", Kind::Link),
];

pub const TOOL: RepoList = RepoList {
    name: "listGithubIssues",
    title: "List a repository's issues",
    description:
        "A repository's issues, filtered and sorted; pull requests come with isPullRequest true.",
    arguments: mcp_core::compact_json!(
        r#"{
        "state": { "type": "string", "enum": ["open", "closed", "all"], "default": "open" },
        "labels": { "type": "string", "description": "Comma-separated; all must match", "minLength": 1, "maxLength": 200 },
        "assignee": { "type": "string", "description": "Login, `none` or `*`", "minLength": 1, "maxLength": 39 },
        "creator": { "type": "string", "description": "Login", "minLength": 1, "maxLength": 39 },
        "sort": { "type": "string", "enum": ["created", "updated", "comments"], "default": "created" },
        "direction": { "type": "string", "enum": ["asc", "desc"], "default": "desc" },
        "since": { "type": "string", "description": "Updated after (ISO 8601)", "maxLength": 30 }
    }"#
    ),
    endpoint: "/issues",
    fields: ISSUE_FIELDS,
    query,
    authored: true,
};

fn query(args: &ListArgs) -> Result<Query, ToolError> {
    let mut query = Query::new();
    let assignee = match args.assignee.as_deref() {
        Some(special @ ("none" | "*")) => Some(special),
        other => login("assignee", other)?,
    };
    query
        .opt("state", args.state.as_deref())
        .opt("labels", text("labels", args.labels.as_deref(), 200)?)
        .opt("assignee", assignee)
        .opt("creator", login("creator", args.creator.as_deref())?)
        .opt("sort", args.sort.as_deref())
        .opt("direction", args.direction.as_deref())
        .opt("since", timestamp("since", args.since.as_deref())?);
    Ok(query)
}
