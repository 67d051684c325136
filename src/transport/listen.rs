//! `subscriptions/listen` on `/mcp` (2026-07-28): an event stream of task status
//! notifications ([`mcp_core::subscription`] decides what is said).
//!
//! Each watched task lives in its own Durable Object, which streams the task's state to the
//! listener as it changes (`/watch`, [`DoTaskHost::watch`]): one request per task for the
//! whole stream, no polling. The first message acknowledges the subscription, naming the
//! tasks the caller owns (others, and unknown ones, are left out); the current state of each
//! follows, since the client cannot know what changed before the stream opened. The stream
//! ends with the listen request's result when every watched task has finished or expired (at
//! once when it watches none), after [`MAX_LISTEN_SECONDS`], or when the client goes away.
//! A listen request that watches tasks counts as a tool call against the caller's rate
//! limit.

use std::rc::Rc;
use std::time::Duration;

use futures_util::future::{join_all, select, Either};
use worker::{Delay, Env, Response};

use super::outbox::{self, Outbox, Outgoing};
use crate::app::Server;
use crate::auth::caller::Caller;
use crate::limits::{self, Limit, Refused};
use crate::tasks::host::{DoTaskHost, TaskStates};
use mcp_core::jsonrpc::{self, Request, RequestId, RpcError};
use mcp_core::modern;
use mcp_core::server::Declared;
use mcp_core::subscription::{self, Watch};

/// The longest one stream stays open; the client listens again if it still cares.
pub const MAX_LISTEN_SECONDS: u64 = 15 * 60;

/// Answers a listen request: an event stream, or a JSON-RPC error for a bad filter.
pub async fn serve(
    env: &Env,
    server: Rc<Server>,
    request: Request,
    declared: Declared,
    caller: Caller,
    task_ttl_ms: u64,
) -> worker::Result<Response> {
    let requested = match request
        .params_object()
        .and_then(|params| subscription::requested_tasks(&params, &declared.client_capabilities))
    {
        Ok(requested) => requested,
        Err(error) => return refuse(request, error),
    };
    if !requested.is_empty() {
        if let Err(retry_after) = limits::check(env, Limit::ToolCall, &caller.subject).await {
            let refused = Refused {
                limit: Limit::ToolCall,
                retry_after,
                tool: request.method.clone(),
            };
            return super::http::rate_limited(&refused, Some(request.id));
        }
    }
    let (outbox, receiver) = Outbox::new();
    let env = env.clone();
    let producer = outbox.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let host = DoTaskHost {
            env: &env,
            caller: &caller,
            ttl_ms: task_ttl_ms,
        };
        let id = &request.id;
        // The tasks this caller may watch: those whose state it can read.
        let mut watched = Vec::new();
        for task_id in requested {
            if let Ok((now, later)) = host.watch(&task_id).await {
                watched.push((task_id, now, later));
            }
        }
        let names: Vec<String> = watched
            .iter()
            .map(|(task_id, _, _)| task_id.clone())
            .collect();
        say(&producer, subscription::acknowledged(id, &names));
        let each = watched
            .into_iter()
            .map(|(_, now, later)| relay(&producer, id, now, later));
        let deadline = Delay::from(Duration::from_secs(MAX_LISTEN_SECONDS));
        // At the deadline the relays are dropped, and with them the objects' streams.
        select(Box::pin(join_all(each)), deadline).await;
        let result = modern::decorate(&request.method, subscription::ended(id), &server);
        producer.send(Outgoing::Final(jsonrpc::Response::result(
            request.id.clone(),
            result,
        )));
    });
    outbox::respond(receiver, outbox, 1, false, outbox::always_ok).await
}

/// Says each new state of one task until it finishes, its object's stream ends, or the
/// client has gone (checked while the task is quiet).
async fn relay(outbox: &Outbox, id: &RequestId, now: serde_json::Value, mut later: TaskStates) {
    let mut watch = Watch::default();
    let mut state = Some(now);
    while let Some(snapshot) = state {
        if watch.observe(&snapshot) {
            say(outbox, subscription::task_status(id, &snapshot));
        }
        if watch.is_finished() {
            return;
        }
        state = loop {
            let quiet = Delay::from(Duration::from_secs(super::sse::KEEPALIVE_SECONDS));
            match select(Box::pin(later.next()), quiet).await {
                Either::Left((next, _)) => break next,
                Either::Right(_) if outbox.is_closed() => return,
                Either::Right(_) => {}
            }
        };
    }
}

fn say(outbox: &Outbox, notification: jsonrpc::Notification) {
    outbox.send(Outgoing::Message(notification.to_json().to_string()));
}

fn refuse(request: Request, error: RpcError) -> worker::Result<Response> {
    let status = modern::status_for(&error);
    let response = jsonrpc::Response::error(Some(request.id), error);
    super::http::json(status, &response.to_json())
}
