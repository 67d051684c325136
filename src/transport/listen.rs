//! `subscriptions/listen` on `/mcp` (2026-07-28): an event stream of task status
//! notifications ([`mcp_core::subscription`] decides what is said).
//!
//! Each watched task lives in its own Durable Object, which streams the task's state to the
//! listener as it changes (`/watch`, [`DoTaskHost::watch`]): one request per task for the
//! whole stream, no polling. The watches are opened before the stream starts: unknown tasks
//! and other callers' are left out of the acknowledgement, and a store that cannot be reached
//! answers the request with an error. The first message acknowledges the subscription; the
//! current state of each watched task follows, since the client cannot know what changed
//! before the stream opened. A task's stream that breaks off early (its object was evicted)
//! is opened again. The stream ends with the listen request's result when every watched task
//! has finished or expired (at once when it watches none), after [`MAX_LISTEN_SECONDS`],
//! when the client goes away, or when the caller's credential stops working: it is checked
//! again every [`RECHECK_SECONDS`] (through the isolate's token cache, so a revoked token
//! ends the stream as soon as it would fail a request). A listen request that watches tasks
//! counts as a tool call against the caller's rate limit.

use std::rc::Rc;
use std::time::Duration;

use futures_util::future::{join_all, pending, select, Either};
use serde_json::Value;
use worker::{Delay, Env, Headers, Method, Request as HttpRequest, RequestRedirect, Response};

use super::outbox::{self, Outbox, Outgoing};
use crate::app::Server;
use crate::auth::caller::{AuthMode, Caller};
use crate::config::Config;
use crate::limits::{self, Limit, Refused};
use crate::observe::Observation;
use crate::tasks::host::{DoTaskHost, TaskStates};
use mcp_core::jsonrpc::{self, codes, Request, RequestId, RpcError};
use mcp_core::modern;
use mcp_core::server::Declared;
use mcp_core::subscription::{self, Watch};

/// The longest one stream stays open; the client listens again if it still cares.
pub const MAX_LISTEN_SECONDS: u64 = 15 * 60;

/// How often an open stream checks that its caller's credential still works.
pub const RECHECK_SECONDS: u64 = 5;

/// What the listen request was authenticated with, to check again while the stream is open.
pub struct Credential {
    url: String,
    headers: Headers,
    subject: String,
}

impl Credential {
    /// The credential of `req`, which authenticated as `caller`; `None` in `AUTH_MODE=none`,
    /// where there is nothing to revoke.
    pub fn of(req: &HttpRequest, caller: &Caller) -> worker::Result<Option<Credential>> {
        if caller.auth_mode == AuthMode::None {
            return Ok(None);
        }
        Ok(Some(Credential {
            url: req.url()?.to_string(),
            headers: req.headers().clone(),
            subject: caller.subject.clone(),
        }))
    }

    /// False once the credential is refused (401, 403) or names someone else. A store that
    /// cannot be read for a moment (5xx), or a 429 (its address presented too many unknown
    /// tokens, perhaps another client behind the same address), does not end the stream.
    async fn works(&self, env: &Env, config: &Config) -> bool {
        let Ok(req) = crate::github::fetch::outgoing(
            &self.url,
            Method::Get,
            &self.headers,
            None,
            RequestRedirect::Manual,
        ) else {
            return true;
        };
        let Ok(origin) = crate::own_origin(&req) else {
            return true;
        };
        match crate::auth::authenticate(&req, env, config, &origin, &req.path()).await {
            Ok(caller) => caller.subject == self.subject,
            Err(failure) => !matches!(failure.status, 401 | 403),
        }
    }
}

/// Returns once `credential` stops working (never without one).
async fn until_revoked(credential: Option<Credential>, env: &Env, config: &Config) {
    let Some(credential) = credential else {
        return pending().await;
    };
    loop {
        Delay::from(Duration::from_secs(RECHECK_SECONDS)).await;
        if !credential.works(env, config).await {
            return;
        }
    }
}

/// What a listen request needs from the Worker besides the request itself.
pub struct Listener<'a> {
    pub env: &'a Env,
    pub config: &'a Config,
    pub caller: Caller,
    pub credential: Option<Credential>,
    pub obs: &'a Observation,
}

/// Answers a listen request: an event stream, or a JSON-RPC error (a malformed filter,
/// tasks named without the extension, a task store that cannot be reached).
pub async fn serve(
    listener: Listener<'_>,
    server: Rc<Server>,
    request: Request,
    declared: Declared,
) -> worker::Result<Response> {
    let Listener {
        env,
        config,
        caller,
        credential,
        obs,
    } = listener;
    let requested = match request
        .params_object()
        .and_then(|params| subscription::requested_tasks(&params, &declared.client_capabilities))
    {
        Ok(requested) => requested,
        Err(error) => return refuse(obs, request, error),
    };
    if !requested.is_empty() && config.tool_call_limits {
        if let Err(retry_after) = limits::check(env, Limit::ToolCall, &caller.subject).await {
            let refused = Refused {
                limit: Limit::ToolCall,
                retry_after,
                method: Some("subscriptions/listen"),
                tool: None,
            };
            return super::http::limited(obs, config, &refused, Some(request.id));
        }
    }
    // The tasks this caller may watch: those whose state it can read. Unknown tasks and
    // other callers' (-32602) are left out; any other failure answers the request.
    let host = DoTaskHost {
        env,
        caller: &caller,
        ttl_ms: config.task_ttl_ms,
        lockdown: declared.connection.lockdown,
    };
    let opened = join_all(requested.iter().map(|task_id| host.watch(task_id))).await;
    let mut watched = Vec::new();
    for (task_id, opened) in requested.into_iter().zip(opened) {
        match opened {
            Ok((now, later)) => watched.push((task_id, now, later)),
            Err(error) if error.code == codes::INVALID_PARAMS => {}
            Err(error) => return refuse(obs, request, error),
        }
    }
    let (outbox, receiver) = Outbox::new();
    let env = env.clone();
    let config = config.clone();
    let producer = outbox.clone();
    let lockdown = declared.connection.lockdown;
    wasm_bindgen_futures::spawn_local(async move {
        let host = DoTaskHost {
            env: &env,
            caller: &caller,
            ttl_ms: config.task_ttl_ms,
            lockdown,
        };
        let id = &request.id;
        let names: Vec<String> = watched
            .iter()
            .map(|(task_id, _, _)| task_id.clone())
            .collect();
        say(&producer, subscription::acknowledged(id, &names));
        let each = watched.into_iter().map(|(task_id, now, later)| {
            Relay {
                outbox: &producer,
                host: &host,
                id,
                task_id,
            }
            .run(now, later)
        });
        let deadline = Delay::from(Duration::from_secs(MAX_LISTEN_SECONDS));
        let revoked = until_revoked(credential, &env, &config);
        // At the end the relays are dropped, and with them the objects' streams.
        let end = select(deadline, Box::pin(revoked));
        select(Box::pin(join_all(each)), end).await;
        let ended = subscription::ended(id);
        let result = modern::decorate(&request.method, ended, &server, &declared.connection);
        producer.send(Outgoing::Final(jsonrpc::Response::result(
            request.id.clone(),
            result,
        )));
    });
    outbox::respond(
        receiver,
        outbox,
        1,
        false,
        outbox::always_ok,
        &outbox::stream_once,
    )
    .await
}

/// How many times a relay opens its task's stream again after it broke off early.
const REOPENS: u32 = 3;

/// One watched task on one stream.
struct Relay<'a> {
    outbox: &'a Outbox,
    host: &'a DoTaskHost<'a>,
    id: &'a RequestId,
    task_id: String,
}

impl Relay<'_> {
    /// Says each new state of the task until it finishes or is gone, or the client has gone
    /// (seen when a message cannot be delivered, or while the task is quiet). A stream that
    /// breaks off before the task finished (the object was evicted or restarted) is opened
    /// again; if the task is then gone, it expired, and nothing more is said of it.
    async fn run(self, now: Value, mut later: TaskStates) {
        let mut watch = Watch::default();
        let mut state = Some(now);
        let mut reopens = 0;
        loop {
            while let Some(snapshot) = state {
                if watch.observe(&snapshot)
                    && !say(self.outbox, subscription::task_status(self.id, &snapshot))
                {
                    return;
                }
                if watch.is_finished() {
                    return;
                }
                state = loop {
                    let quiet = Delay::from(Duration::from_secs(super::sse::KEEPALIVE_SECONDS));
                    match select(Box::pin(later.next()), quiet).await {
                        Either::Left((next, _)) => break next,
                        Either::Right(_) if self.outbox.is_closed() => return,
                        Either::Right(_) => {}
                    }
                };
            }
            if reopens == REOPENS {
                return;
            }
            reopens += 1;
            let Ok((now, reopened)) = self.host.watch(&self.task_id).await else {
                return;
            };
            state = Some(now);
            later = reopened;
        }
    }
}

/// Queues a notification; false once the client has gone.
fn say(outbox: &Outbox, notification: jsonrpc::Notification) -> bool {
    outbox.send(Outgoing::Message(notification.to_json().to_string()))
}

fn refuse(obs: &Observation, request: Request, error: RpcError) -> worker::Result<Response> {
    let status = modern::status_for(&error);
    let response = jsonrpc::Response::error(Some(request.id), error);
    obs.set_response(&response);
    super::http::json(status, &response.to_json())
}
