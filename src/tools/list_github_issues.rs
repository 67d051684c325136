//! `listGithubIssues`: a repository's issues, with GitHub's filters.

use super::args::Args;
use super::list::RepoList;
use super::shape::{Field, Kind};
use crate::github::Query;
use crate::mcp::tool::ToolError;

/// The fields of an issue in a list, shared with `searchGithubIssues`.
pub const ISSUE_FIELDS: &[Field] = &[
    ("number", "number", Kind::Int),
    ("title", "title", Kind::Str),
    ("state", "state", Kind::Str),
    ("author", "user.login", Kind::OptStr),
    ("labels", "labels.name", Kind::Strs),
    ("assignees", "assignees.login", Kind::Strs),
    ("comments", "comments", Kind::Int),
    ("isPullRequest", "pull_request", Kind::Exists),
    ("createdAt", "created_at", Kind::Str),
    ("updatedAt", "updated_at", Kind::Str),
    ("htmlUrl", "html_url", Kind::Str),
];

pub const TOOL: RepoList = RepoList {
    name: "listGithubIssues",
    title: "List a repository's issues",
    description: "Lists issues of a GitHub repository, filtered by state, labels, assignee, creator and update time, sorted as asked. GitHub counts pull requests as issues: they come with `isPullRequest` true. Paginated: pass `page` = the result's `nextPage` for more.",
    arguments: r#"{
        "state": { "type": "string", "enum": ["open", "closed", "all"], "default": "open", "description": "Which issues." },
        "labels": { "type": "string", "description": "Comma-separated label names; issues must have all of them, e.g. `bug,ui`.", "minLength": 1, "maxLength": 200 },
        "assignee": { "type": "string", "description": "A login, `none` for unassigned, or `*` for any assignee.", "minLength": 1, "maxLength": 39 },
        "creator": { "type": "string", "description": "Only issues opened by this login.", "minLength": 1, "maxLength": 39 },
        "sort": { "type": "string", "enum": ["created", "updated", "comments"], "default": "created" },
        "direction": { "type": "string", "enum": ["asc", "desc"], "default": "desc" },
        "since": { "type": "string", "description": "Only issues updated after this ISO 8601 time.", "maxLength": 30 }
    }"#,
    endpoint: "/issues",
    fields: ISSUE_FIELDS,
    query,
};

fn query(args: &Args) -> Result<Query, ToolError> {
    let mut query = Query::new();
    let assignee = match args.str("assignee") {
        Some(special @ ("none" | "*")) => Some(special),
        _ => args.login("assignee")?,
    };
    query
        .opt("state", args.str("state"))
        .opt("labels", args.text("labels", 200)?)
        .opt("assignee", assignee)
        .opt("creator", args.login("creator")?)
        .opt("sort", args.str("sort"))
        .opt("direction", args.str("direction"))
        .opt("since", args.timestamp("since")?);
    Ok(query)
}
