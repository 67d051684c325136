//! `listGithubBranches`: a repository's branches, a page at a time.

use super::args::Args;
use super::list::RepoList;
use super::shape::Kind;
use crate::github::Query;
use crate::mcp::tool::ToolError;

pub const TOOL: RepoList = RepoList {
    name: "listGithubBranches",
    title: "List a repository's branches",
    description: "Lists the branches of a GitHub repository with the commit each points to and whether it is protected. Paginated: pass `page` = the result's `nextPage` for more.",
    arguments: r#"{ "protected": { "type": "boolean", "description": "Only protected branches (true) or only unprotected ones (false). Omit for all." } }"#,
    endpoint: "/branches",
    fields: &[
        ("name", "name", Kind::Str),
        ("sha", "commit.sha", Kind::Str),
        ("protected", "protected", Kind::Bool),
    ],
    query,
};

fn query(args: &Args) -> Result<Query, ToolError> {
    let mut query = Query::new();
    query.opt("protected", args.bool("protected"));
    Ok(query)
}
