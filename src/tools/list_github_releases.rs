//! `listGithubReleases`: a repository's releases, a page at a time.

use super::list::{no_query, RepoList};
use super::shape::{Field, Kind};

/// The fields of a release, shared with `getGithubLatestRelease`.
pub const RELEASE_FIELDS: &[Field] = &[
    ("id", "id", Kind::Int),
    ("tagName", "tag_name", Kind::Name),
    ("name", "name", Kind::OptPlain),
    ("draft", "draft", Kind::Bool),
    ("prerelease", "prerelease", Kind::Bool),
    ("author", "author.login", Kind::OptName),
    ("createdAt", "created_at", Kind::OptStr),
    ("publishedAt", "published_at", Kind::OptStr),
    ("htmlUrl", "html_url", Kind::Link),
];

pub const TOOL: RepoList = RepoList {
    name: "listGithubReleases",
    title: "List a repository's releases",
    description: "A repository's releases, newest first (notes: getGithubLatestRelease).",
    arguments: "{}",
    endpoint: "/releases",
    fields: RELEASE_FIELDS,
    query: no_query,
    authored: false,
};
