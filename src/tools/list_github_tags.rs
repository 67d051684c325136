//! `listGithubTags`: a repository's tags, a page at a time.

use super::list::{no_query, RepoList};
use super::shape::Kind;

pub const TOOL: RepoList = RepoList {
    name: "listGithubTags",
    title: "List a repository's tags",
    description: "A repository's tags, with their SHA.",
    arguments: "{}",
    endpoint: "/tags",
    fields: &[
        ("name", "name", Kind::Name),
        ("sha", "commit.sha", Kind::Str),
    ],
    query: no_query,
    authored: false,
};
