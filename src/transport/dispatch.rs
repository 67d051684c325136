//! Runs one request on the server with what it needs from the Workers runtime: a GitHub
//! client for the caller, the request-state signer, and the clock. Both eras come here:
//! legacy requests from the session's Durable Object, modern ones from the Worker.

use crate::auth::caller::Caller;
use crate::config::Config;
use crate::github::fetch::FetchClient;
use crate::github::GitHub;
use crate::mcp::exchange::Peer;
use crate::mcp::jsonrpc::Request;
use crate::mcp::server::{Declared, Handled, Scope, Server};

pub async fn run(
    server: &Server,
    config: &Config,
    request: &Request,
    caller: &Caller,
    declared: Declared,
    peer: &dyn Peer,
) -> Handled {
    let http_client = FetchClient;
    let github = GitHub::new(
        &config.github_api_url,
        &config.github_web_url,
        caller.github_token.as_ref(),
        &http_client,
    );
    let state_signer = config.state_signer();
    let scope = Scope {
        version: declared.version,
        client_capabilities: declared.client_capabilities,
        log_level: declared.log_level,
        caller,
        github: &github,
        peer,
        state_signer: &state_signer,
        now: crate::now_ms() / 1000,
    };
    server.handle(request, &scope).await
}
