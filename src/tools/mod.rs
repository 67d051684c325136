//! The tools, resources and prompts this server offers, grouped into toolsets that
//! `MCP_TOOLSETS` switches on.
//!
//! To add a tool: write one file here with a type that implements
//! [`mcp_core::tool::Tool`], and add it to its toolset in [`build_server`].

pub mod access;
pub mod args;
pub mod completion;
pub mod conformance;
pub mod contents;
pub mod get_github_commit;
pub mod get_github_file_contents;
pub mod get_github_issue;
pub mod get_github_latest_release;
pub mod get_github_pull_request;
pub mod get_github_pull_request_diff;
pub mod get_github_readme;
pub mod get_github_repository;
pub mod get_github_user;
pub mod github_uri;
pub mod html;
pub mod labels;
pub mod large_file;
pub mod list;
pub mod list_github_branches;
pub mod list_github_commits;
pub mod list_github_directory;
pub mod list_github_issues;
pub mod list_github_pull_requests;
pub mod list_github_releases;
pub mod list_github_tags;
pub mod lockdown;
pub mod lockdown_refs;
pub mod markdown;
pub mod prompts;
pub mod render;
pub mod resources;
pub mod search_github_code;
pub mod search_github_issues;
pub mod search_github_repositories;
pub mod selection;
pub mod shape;
pub mod untrusted;
pub mod whoami;

use crate::app::Server;
use crate::config::{Config, Toolset};
use mcp_core::server::ServerInfo;

pub const SERVER_INFO: ServerInfo = ServerInfo {
    name: "github-mcp-worker",
    title: "GitHub MCP Worker",
    version: env!("CARGO_PKG_VERSION"),
};

const INSTRUCTIONS: &str = "Tools for reading GitHub. Repositories are named `owner/repo` or by their https://github.com URL.";

/// The server for this configuration, built once per isolate and shared: the tool set
/// depends only on `MCP_TOOLSETS`, and building it parses every tool's schemas.
pub fn server_for(config: &Config) -> std::rc::Rc<Server> {
    thread_local! {
        static BUILT: std::cell::RefCell<Vec<(Vec<Toolset>, std::rc::Rc<Server>)>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUILT.with(|built| {
        let mut built = built.borrow_mut();
        if let Some((_, server)) = built
            .iter()
            .find(|(toolsets, _)| *toolsets == config.toolsets)
        {
            return server.clone();
        }
        let server = std::rc::Rc::new(build_server(config));
        built.push((config.toolsets.clone(), server.clone()));
        server
    })
}

/// Builds the server for this deployment's configuration.
pub fn build_server(config: &Config) -> Server {
    let mut server = Server::new(SERVER_INFO, Some(INSTRUCTIONS.to_string()));
    // Conformance fixtures go first: the suite calls the first listed tool bare.
    if config.has_toolset(Toolset::Conformance) {
        server.set_group("conformance");
        conformance::register(&mut server);
    }
    if config.has_toolset(Toolset::Repos) {
        server.set_group("repos");
        server.add_tool(get_github_repository::GetGithubRepository);
        server.add_tool(get_github_readme::GetGithubReadme);
        server.add_tool(get_github_file_contents::GetGithubFileContents);
        server.add_tool(list_github_directory::ListGithubDirectory);
        server.add_tool(list_github_commits::TOOL);
        server.add_tool(get_github_commit::GetGithubCommit);
        server.add_tool(list_github_branches::TOOL);
        server.add_tool(list_github_tags::TOOL);
        server.add_tool(list_github_releases::TOOL);
        server.add_tool(get_github_latest_release::GetGithubLatestRelease);
        server.add_resources(Box::new(resources::GithubResources));
        server.add_prompt(Box::new(prompts::SUMMARISE_REPOSITORY));
    }
    if config.has_toolset(Toolset::Issues) {
        server.set_group("issues");
        server.add_tool(list_github_issues::TOOL);
        server.add_tool(get_github_issue::GetGithubIssue);
        server.add_tool(search_github_issues::TOOL);
        server.add_prompt(Box::new(prompts::TRIAGE_ISSUES));
    }
    if config.has_toolset(Toolset::Pulls) {
        server.set_group("pulls");
        server.add_tool(list_github_pull_requests::TOOL);
        server.add_tool(get_github_pull_request::GetGithubPullRequest);
        server.add_tool(get_github_pull_request_diff::GetGithubPullRequestDiff);
        server.add_prompt(Box::new(prompts::REVIEW_PULL_REQUEST));
    }
    if config.has_toolset(Toolset::Search) {
        server.set_group("search");
        server.add_tool(search_github_repositories::TOOL);
        server.add_tool(search_github_code::TOOL);
    }
    if config.has_toolset(Toolset::Users) {
        server.set_group("users");
        server.add_tool(get_github_user::GetGithubUser);
    }
    let github = [
        Toolset::Repos,
        Toolset::Issues,
        Toolset::Pulls,
        Toolset::Search,
        Toolset::Users,
    ];
    if github.iter().any(|t| config.has_toolset(*t)) {
        server.set_group(selection::EVERY_TOOLSET);
        server.add_tool(whoami::Whoami);
    }
    server
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod task_tests;

#[cfg(test)]
mod schema_tests;
