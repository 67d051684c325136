//! `listGithubBranches`: a repository's branches, a page at a time.

use super::list::{ListArgs, RepoList};
use super::shape::Kind;
use crate::github::Query;
use mcp_core::tool::ToolError;

pub const TOOL: RepoList = RepoList {
    name: "listGithubBranches",
    title: "List a repository's branches",
    description: "A repository's branches, with head SHA and protection.",
    arguments: mcp_core::compact_json!(
        r#"{ "protected": { "type": "boolean", "description": "Only protected (true) or unprotected (false) ones" } }"#
    ),
    endpoint: "/branches",
    fields: &[
        ("name", "name", Kind::Name),
        ("sha", "commit.sha", Kind::Str),
        ("protected", "protected", Kind::Bool),
    ],
    query,
    authored: false,
};

fn query(args: &ListArgs) -> Result<Query, ToolError> {
    let mut query = Query::new();
    query.opt("protected", args.protected);
    Ok(query)
}
