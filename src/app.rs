//! This Worker as an application of the protocol core: what every tool, resource and
//! prompt is handed with a request ([`Services`]: the caller, the content policy and the
//! GitHub client), and the core's types specialised to it.

use crate::auth::caller::Caller;
use crate::github::GitHub;

/// The GitHub server, as the core sees it: a name for the [`Services`] it hands its tools.
pub struct GitHubApp;

impl mcp_core::context::App for GitHubApp {
    type Context<'a> = Services<'a>;

    fn reborrow<'s, 'l: 's>(context: &'s Services<'l>) -> &'s Services<'s> {
        context
    }
}

/// What a tool, resource or prompt of ours reaches besides the protocol.
pub struct Services<'a> {
    pub caller: &'a Caller,
    pub policy: &'a ContentPolicy,
    pub github: &'a GitHub<'a>,
}

/// What the deployment and the connection ask of tools that show content strangers wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContentPolicy {
    /// Withhold content by authors without push access on public repositories
    /// (`LOCKDOWN`, or the connection's own choice).
    pub lockdown: bool,
    /// Logins whose content is shown in lockdown anyway (`LOCKDOWN_TRUSTED_BOTS`).
    pub trusted_bots: Vec<String>,
}

pub type Server = mcp_core::server::Server<GitHubApp>;
pub type Scope<'a> = mcp_core::server::Scope<'a, GitHubApp>;
pub type CallContext<'a> = mcp_core::context::CallContext<'a, GitHubApp>;
