//! Runs one request on the server with what it needs from the Workers runtime: a GitHub
//! client for the caller (metered for the request's log line, with the ETag cache in the
//! Cache API, and the request's turn for large answers), the request-state signer, and the
//! clock. Both eras come here: legacy
//! requests from the session's Durable Object, modern ones from the Worker; and each run of
//! a 2026-07-28 task, from the task's Durable Object.

use crate::app::{Scope, Server, Services};
use crate::auth::caller::Caller;
use crate::config::Config;
use crate::github::edge_cache::EdgeCache;
use crate::github::fetch::FetchClient;
use crate::github::http::HttpClient;
use crate::github::turns::Turns;
use crate::github::GitHub;
use crate::observe::upstream::Metered;
use crate::observe::Observation;
use mcp_core::exchange::Peer;
use mcp_core::jsonrpc::Request;
use mcp_core::server::{Declared, Handled};
use mcp_core::task::{RunOutcome, TaskHost, TaskRecord};
use mcp_core::version::ProtocolVersion;

/// The caller's GitHub through `http`, with the ETag cache in the Cache API.
fn github<'a>(
    config: &'a Config,
    caller: &'a Caller,
    http: &'a dyn HttpClient,
    cache: &'a EdgeCache<'a>,
) -> GitHub<'a> {
    GitHub::new(
        &config.github_api_url,
        &config.github_web_url,
        caller.github_token.as_ref(),
        http,
    )
    .with_cache(cache, &caller.subject)
}

#[allow(clippy::too_many_arguments)]
pub async fn run(
    server: &Server,
    config: &Config,
    request: &Request,
    caller: &Caller,
    declared: Declared,
    peer: &dyn Peer,
    tasks: Option<&dyn TaskHost>,
    obs: &Observation,
) -> Handled {
    obs.set_protocol(declared.version);
    let turns = Turns::of(&caller.subject);
    let fetch = FetchClient { turns: &turns };
    let http_client = Metered {
        inner: &fetch,
        stats: obs.github_stats(),
        traceparent: obs.trace().traceparent(),
        now: crate::now_ms,
    };
    let cache = EdgeCache::new(&turns);
    let policy = config.content_policy(&declared.connection);
    let github = github(config, caller, &http_client, &cache).refusing_pull_refs(policy.lockdown);
    let state_signer = config.state_signer();
    let scope = Scope {
        version: declared.version,
        client_capabilities: declared.client_capabilities,
        log_level: declared.log_level,
        subject: &caller.subject,
        connection: &declared.connection,
        app: &Services {
            caller,
            policy: &policy,
            github: &github,
        },
        peer,
        state_signer: &state_signer,
        now: crate::now_ms() / 1000,
        tasks,
    };
    let handled = server.handle(request, &scope).await;
    obs.github_stats().borrow_mut().waited_ms = turns.waited_ms();
    handled
}

/// One run of a task's tool, as a 2026-07-28 request of its creator: the capabilities and
/// connection it was created with, and no task host (a task makes no tasks). A run belongs
/// to no HTTP request, so it writes no request log line; the requests that create and poll
/// the task do.
pub async fn run_task(
    server: &Server,
    config: &Config,
    record: &TaskRecord,
    caller: &Caller,
    peer: &dyn Peer,
) -> RunOutcome {
    let turns = Turns::of(&caller.subject);
    let fetch = FetchClient { turns: &turns };
    let cache = EdgeCache::new(&turns);
    let connection = &record.seed.connection;
    let policy = config.content_policy(connection);
    let github = github(config, caller, &fetch, &cache).refusing_pull_refs(policy.lockdown);
    let state_signer = config.state_signer();
    let scope = Scope {
        version: ProtocolVersion::V2026_07_28,
        client_capabilities: record.seed.client_capabilities.clone(),
        log_level: None,
        subject: &caller.subject,
        connection,
        app: &Services {
            caller,
            policy: &policy,
            github: &github,
        },
        peer,
        state_signer: &state_signer,
        now: crate::now_ms() / 1000,
        tasks: None,
    };
    server.run_task(record, &scope).await
}
