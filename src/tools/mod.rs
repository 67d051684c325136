//! The tools, resources and prompts this server offers, grouped into toolsets that
//! `MCP_TOOLSETS` switches on.
//!
//! To add a tool: write one file here with a type that implements
//! [`crate::mcp::tool::Tool`], and add it to its toolset in [`build_server`].

pub mod conformance;
pub mod get_github_readme;
pub mod whoami;

use crate::config::{Config, Toolset};
use crate::mcp::server::{Server, ServerInfo};

pub const SERVER_INFO: ServerInfo = ServerInfo {
    name: "github-mcp-worker",
    title: "GitHub MCP Worker",
    version: env!("CARGO_PKG_VERSION"),
};

const INSTRUCTIONS: &str = "Tools for reading GitHub. Repositories are named `owner/repo` or by their https://github.com URL.";

/// The server for this deployment's configuration.
pub fn build_server(config: &Config) -> Server {
    let mut server = Server::new(SERVER_INFO, Some(INSTRUCTIONS.to_string()));
    // Conformance fixtures go first: the suite calls the first listed tool bare.
    if config.has_toolset(Toolset::Conformance) {
        conformance::register(&mut server);
    }
    if config.has_toolset(Toolset::Github) {
        server.add_tool(Box::new(get_github_readme::GetGithubReadme));
        server.add_tool(Box::new(whoami::Whoami));
    }
    server
}
