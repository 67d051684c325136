//! Runs one request on the server with what it needs from the Workers runtime: a GitHub
//! client for the caller (with the ETag cache in KV), the request-state signer, and the clock. Both eras come here:
//! legacy requests from the session's Durable Object, modern ones from the Worker.

use crate::auth::caller::Caller;
use crate::config::Config;
use crate::github::fetch::FetchClient;
use crate::github::kv_cache::KvCache;
use crate::github::GitHub;
use crate::mcp::exchange::Peer;
use crate::mcp::jsonrpc::Request;
use crate::mcp::server::{Declared, Handled, Scope, Server};

pub async fn run(
    env: &worker::Env,
    server: &Server,
    config: &Config,
    request: &Request,
    caller: &Caller,
    declared: Declared,
    peer: &dyn Peer,
) -> Handled {
    let http_client = FetchClient;
    // Conditional requests through the ETag cache in KV; without the binding, plain GETs.
    let cache = env.kv(crate::auth::KV_BINDING).ok().map(KvCache);
    let mut github = GitHub::new(
        &config.github_api_url,
        &config.github_web_url,
        caller.github_token.as_ref(),
        &http_client,
    );
    if let Some(cache) = &cache {
        github = github.with_cache(cache, &caller.subject);
    }
    let state_signer = config.state_signer();
    let policy = config.content_policy(&declared.connection);
    let scope = Scope {
        version: declared.version,
        client_capabilities: declared.client_capabilities,
        log_level: declared.log_level,
        caller,
        connection: &declared.connection,
        policy: &policy,
        github: &github,
        peer,
        state_signer: &state_signer,
        now: crate::now_ms() / 1000,
        tasks: None,
    };
    server.handle(request, &scope).await
}
