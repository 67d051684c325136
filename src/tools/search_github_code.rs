//! `searchGithubCode`: GitHub's code search (needs a GitHub token).

use super::list::{no_query, Search};
use super::shape::Kind;

pub const TOOL: Search = Search {
    name: "searchGithubCode",
    title: "Search code on GitHub",
    description: "Searches code in GitHub's default branches with GitHub's search syntax (e.g. `parse_config repo:octocat/Hello-World language:rust`). Returns the files that match; read one with getGithubFileContents. GitHub requires a token for code search. Paginated: pass `page` = the result's `nextPage` for more.",
    arguments: "{}",
    endpoint: "/search/code",
    fields: &[
        ("name", "name", Kind::Str),
        ("path", "path", Kind::Str),
        ("repository", "repository.full_name", Kind::Str),
        ("sha", "sha", Kind::Str),
        ("htmlUrl", "html_url", Kind::Str),
    ],
    query: no_query,
};
