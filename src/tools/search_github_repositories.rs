//! `searchGithubRepositories`: GitHub's repository search.

use super::list::{sort_order, Found, Search};
use super::shape::Kind;

pub const TOOL: Search = Search {
    name: "searchGithubRepositories",
    title: "Search GitHub repositories",
    description: "Repository search, e.g. `http client language:rust stars:>500`.",
    arguments: mcp_core::compact_json!(
        r#"{
        "sort": { "type": "string", "enum": ["stars", "forks", "help-wanted-issues", "updated"], "description": "Default: best match" },
        "order": { "type": "string", "enum": ["asc", "desc"], "default": "desc" }
    }"#
    ),
    endpoint: "/search/repositories",
    fields: &[
        ("fullName", "full_name", Kind::Name),
        ("description", "description", Kind::OptPlain),
        ("stars", "stargazers_count", Kind::Int),
        ("forks", "forks_count", Kind::Int),
        ("language", "language", Kind::OptStr),
        ("topics", "topics", Kind::PlainStrs),
        ("archived", "archived", Kind::Bool),
        ("updatedAt", "updated_at", Kind::OptStr),
        ("htmlUrl", "html_url", Kind::Link),
    ],
    query: sort_order,
    found: Found::Repositories,
};
