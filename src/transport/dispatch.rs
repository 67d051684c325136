//! Runs one request on the server with what it needs from the Workers runtime: a GitHub
//! client for the caller (metered for the request's log line, with the ETag cache in the
//! Cache API), the request-state signer, and the clock. Both eras come here: legacy
//! requests from the session's Durable Object, modern ones from the Worker.

use crate::auth::caller::Caller;
use crate::config::Config;
use crate::github::edge_cache::EdgeCache;
use crate::github::fetch::FetchClient;
use crate::github::GitHub;
use crate::mcp::exchange::Peer;
use crate::mcp::jsonrpc::Request;
use crate::mcp::server::{Declared, Handled, Scope, Server};
use crate::observe::upstream::Metered;
use crate::observe::Observation;

pub async fn run(
    server: &Server,
    config: &Config,
    request: &Request,
    caller: &Caller,
    declared: Declared,
    peer: &dyn Peer,
    obs: &Observation,
) -> Handled {
    obs.set_protocol(declared.version);
    let fetch = FetchClient;
    let http_client = Metered {
        inner: &fetch,
        stats: obs.github_stats(),
        traceparent: obs.trace().traceparent(),
        now: crate::now_ms,
    };
    let cache = EdgeCache::default();
    let github = GitHub::new(
        &config.github_api_url,
        &config.github_web_url,
        caller.github_token.as_ref(),
        &http_client,
    )
    .with_cache(&cache, &caller.subject);
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
    };
    server.handle(request, &scope).await
}
