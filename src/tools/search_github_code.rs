//! `searchGithubCode`: GitHub's code search (needs a GitHub token).

use super::list::{no_search_query, Found, Search};
use super::shape::Kind;

pub const TOOL: Search = Search {
    name: "searchGithubCode",
    title: "Search code on GitHub",
    description: "Code search in default branches, e.g. `parse_config repo:o/r language:rust`; needs a GitHub token.",
    arguments: "{}",
    endpoint: "/search/code",
    fields: &[
        ("name", "name", Kind::Name),
        ("path", "path", Kind::Name),
        ("repository", "repository.full_name", Kind::Name),
        ("sha", "sha", Kind::Str),
        ("htmlUrl", "html_url", Kind::Link),
    ],
    query: no_search_query,
    found: Found::Code,
};
