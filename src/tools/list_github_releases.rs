//! `listGithubReleases`: a repository's releases, a page at a time.

use super::list::{no_query, RepoList};
use super::shape::{Field, Kind};

/// The fields of a release, shared with `getGithubLatestRelease`.
pub const RELEASE_FIELDS: &[Field] = &[
    ("id", "id", Kind::Int),
    ("tagName", "tag_name", Kind::Str),
    ("name", "name", Kind::OptStr),
    ("draft", "draft", Kind::Bool),
    ("prerelease", "prerelease", Kind::Bool),
    ("author", "author.login", Kind::OptStr),
    ("createdAt", "created_at", Kind::OptStr),
    ("publishedAt", "published_at", Kind::OptStr),
    ("htmlUrl", "html_url", Kind::Str),
];

pub const TOOL: RepoList = RepoList {
    name: "listGithubReleases",
    title: "List a repository's releases",
    description: "Lists the releases of a GitHub repository, newest first: tag, name, draft and prerelease flags, dates. Paginated: pass `page` = the result's `nextPage` for more. For one release's notes and assets use getGithubLatestRelease.",
    arguments: "{}",
    endpoint: "/releases",
    fields: RELEASE_FIELDS,
    query: no_query,
};
