//! `searchGithubIssues`: GitHub's issue and pull request search.

use super::list::{sort_order, Found, Search};
use super::shape::{Field, Kind};

const FIELDS: &[Field] = &[
    ("repository", "repository_url", Kind::RepoOfUrl),
    ("number", "number", Kind::Int),
    ("title", "title", Kind::Plain),
    ("state", "state", Kind::Str),
    ("author", "user.login", Kind::OptName),
    ("labels", "labels.name", Kind::PlainStrs),
    ("comments", "comments", Kind::Int),
    ("isPullRequest", "pull_request", Kind::Exists),
    ("createdAt", "created_at", Kind::Str),
    ("updatedAt", "updated_at", Kind::Str),
    ("htmlUrl", "html_url", Kind::Link),
];

pub const TOOL: Search = Search {
    name: "searchGithubIssues",
    title: "Search issues and pull requests",
    description: "Issue and pull request search, e.g. `is:issue is:open label:bug repo:o/r`.",
    arguments: mcp_core::compact_json!(
        r#"{
        "sort": { "type": "string", "enum": ["comments", "reactions", "created", "updated"], "description": "Default: best match" },
        "order": { "type": "string", "enum": ["asc", "desc"], "default": "desc" },
        "maxPages": { "type": "integer", "description": "Pages to fetch from `page` on (over 1: as a task where supported)", "minimum": 1, "maximum": 10, "default": 1 }
    }"#
    ),
    endpoint: "/search/issues",
    fields: FIELDS,
    query: sort_order,
    found: Found::Issues,
};
