//! Every tool's argument struct against its input schema (`mcp_core::args::check_schema`):
//! the struct and the schema cannot drift apart without this failing. The table names each
//! tool's struct; a tool missing from it fails the test too.

use serde_json::Value;

use super::args::{NumberArgs, RepoArgs};
use super::get_github_commit::CommitArgs;
use super::get_github_file_contents::FileArgs;
use super::get_github_issue::IssueArgs;
use super::get_github_readme::ReadmeArgs;
use super::get_github_user::UserArgs;
use super::list::{ListArgs, SearchArgs};
use super::list_github_directory::DirectoryArgs;
use crate::config::Config;
use mcp_core::args::{check_schema, Arguments, Unused};
use mcp_core::tool::NoArguments;

type Check = fn(&Value) -> Result<Unused, String>;

fn check<T: Arguments>(schema: &Value) -> Result<Unused, String> {
    check_schema::<T>(schema)
}

/// Each GitHub tool's struct, and the name of a struct that tools share, each declaring a
/// part of it (the only case where a field may be missing from the schema).
const TOOLS: &[(&str, Check, Option<&str>)] = &[
    ("getGithubRepository", check::<RepoArgs>, None),
    ("getGithubLatestRelease", check::<RepoArgs>, None),
    ("getGithubReadme", check::<ReadmeArgs>, None),
    ("getGithubFileContents", check::<FileArgs>, None),
    ("listGithubDirectory", check::<DirectoryArgs>, None),
    ("getGithubCommit", check::<CommitArgs>, None),
    ("getGithubIssue", check::<IssueArgs>, None),
    ("getGithubPullRequest", check::<NumberArgs>, None),
    ("getGithubPullRequestDiff", check::<NumberArgs>, None),
    ("getGithubUser", check::<UserArgs>, None),
    ("whoami", check::<NoArguments>, None),
    ("listGithubCommits", check::<ListArgs>, Some("ListArgs")),
    ("listGithubBranches", check::<ListArgs>, Some("ListArgs")),
    ("listGithubTags", check::<ListArgs>, Some("ListArgs")),
    ("listGithubReleases", check::<ListArgs>, Some("ListArgs")),
    ("listGithubIssues", check::<ListArgs>, Some("ListArgs")),
    (
        "listGithubPullRequests",
        check::<ListArgs>,
        Some("ListArgs"),
    ),
    (
        "searchGithubRepositories",
        check::<SearchArgs>,
        Some("SearchArgs"),
    ),
    ("searchGithubCode", check::<SearchArgs>, Some("SearchArgs")),
    (
        "searchGithubIssues",
        check::<SearchArgs>,
        Some("SearchArgs"),
    ),
];

#[test]
fn every_tools_struct_matches_its_schema() {
    let config = Config::from_lookup(|name| (name == "MCP_TOOLSETS").then(|| "github".into()));
    let server = super::build_server(&config.unwrap());
    let mut checked = 0;
    for definition in server.tool_definitions() {
        let Some((_, check, shared)) = TOOLS.iter().find(|(n, _, _)| *n == definition.name) else {
            panic!(
                "{} has no entry in TOOLS: name its argument struct",
                definition.name
            );
        };
        match check(&definition.input_schema) {
            Ok(unused) => assert!(
                shared.is_some() || unused.is_empty(),
                "{}: the struct's fields {unused:?} are not in the schema",
                definition.name
            ),
            Err(why) => panic!("{}: {why}", definition.name),
        }
        checked += 1;
    }
    assert_eq!(checked, TOOLS.len(), "a tool in TOOLS is not registered");
}

/// A shared struct's fields are each declared by some tool that uses it.
#[test]
fn every_field_of_a_shared_struct_is_some_tools_argument() {
    let config = Config::from_lookup(|name| (name == "MCP_TOOLSETS").then(|| "github".into()));
    let server = super::build_server(&config.unwrap());
    let shared = [
        ("ListArgs", ListArgs::FIELDS),
        ("SearchArgs", SearchArgs::FIELDS),
    ];
    for (name, fields) in shared {
        let users: Vec<&str> = TOOLS
            .iter()
            .filter(|(_, _, s)| *s == Some(name))
            .map(|(tool, _, _)| *tool)
            .collect();
        for field in fields {
            assert!(
                server
                    .tool_definitions()
                    .filter(|d| users.contains(&d.name))
                    .any(|d| d.input_schema["properties"].get(*field).is_some()),
                "{name}.{field} is declared by no tool that uses {name}"
            );
        }
    }
}
