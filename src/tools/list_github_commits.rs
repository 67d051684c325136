//! `listGithubCommits`: a repository's commits, newest first, with optional filters.

use super::args::{git_ref, repo_path, text, timestamp};
use super::list::{ListArgs, RepoList};
use super::shape::{Field, Kind, MAX_COMMENT_CHARS};
use crate::github::Query;
use mcp_core::tool::ToolError;

/// The fields of a commit, shared with `getGithubCommit`.
pub const COMMIT_FIELDS: &[Field] = &[
    ("sha", "sha", Kind::Str),
    ("message", "commit.message", Kind::Text(MAX_COMMENT_CHARS)),
    ("author", "commit.author.name", Kind::OptPlain),
    ("authorLogin", "author.login", Kind::OptName),
    ("date", "commit.author.date", Kind::OptStr),
    ("htmlUrl", "html_url", Kind::Link),
];

pub const TOOL: RepoList = RepoList {
    name: "listGithubCommits",
    title: "List a repository's commits",
    description: "A repository's commits, newest first, filtered by ref, path, author or time.",
    arguments: mcp_core::compact_json!(
        r#"{
        "ref": { "type": "string", "description": "Branch, tag or SHA to list from", "maxLength": 255 },
        "path": { "type": "string", "description": "Only commits touching this path", "minLength": 1, "maxLength": 1000 },
        "author": { "type": "string", "description": "Login or email address", "minLength": 1, "maxLength": 100 },
        "since": { "type": "string", "description": "ISO 8601, e.g. 2024-01-31T00:00:00Z", "maxLength": 30 },
        "until": { "type": "string", "description": "ISO 8601", "maxLength": 30 }
    }"#
    ),
    endpoint: "/commits",
    fields: COMMIT_FIELDS,
    query,
    authored: false,
};

fn query(args: &ListArgs) -> Result<Query, ToolError> {
    let mut query = Query::new();
    query.opt("sha", git_ref("ref", args.git_ref.as_deref())?);
    if let Some(path) = &args.path {
        // Validated like every path; GitHub takes it unencoded by segment, as one value.
        repo_path("path", path)?;
        query.opt("path", Some(path));
    }
    query
        .opt("author", text("author", args.author.as_deref(), 100)?)
        .opt("since", timestamp("since", args.since.as_deref())?)
        .opt("until", timestamp("until", args.until.as_deref())?);
    Ok(query)
}
