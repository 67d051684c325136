//! `McpSession`: the Durable Object behind one legacy-era MCP session.
//!
//! It keeps the session's state in storage (so the session survives restarts), holds the
//! session's open SSE streams in memory, and runs the session's requests so that a
//! client's reply to a server-to-client request (sampling, elicitation) reaches the call
//! that waits for it. Sessions idle for [`IDLE_TTL_MS`] are deleted by an alarm.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use futures_util::future::Abortable;
use futures_util::StreamExt;
use serde_json::{json, Value};
use worker::{durable_object, DurableObject, Env, Request, Response, State, Storage};

use super::internal::{Op, CALLER_HEADER, CONNECTION_HEADER, SESSION_HEADER};
use super::replay::{self, Replays};
use super::running::{cancelled_id, Running};
use crate::auth::caller::Caller;
use crate::config::Config;
use crate::now_ms;
use crate::observe::record::Transport;
use crate::observe::{flush, Handoff, Observation};
use crate::session::state::{SessionState, SessionTransport};
use crate::transport::outbox::{self, Inbox, Outbox, OutboxPeer, Outgoing, PendingReplies};
use crate::transport::{dispatch, http, sse};
use mcp_core::connection::Connection;
use mcp_core::jsonrpc::{
    self, codes, Incoming, Message, Notification, Request as RpcRequest, RpcError,
};
use mcp_core::lifecycle::SessionEffect;
use mcp_core::server::{Declared, Handled};
use mcp_core::version::ProtocolVersion;

mod legacy_sse;

/// The storage key of the [`SessionState`].
const STATE_KEY: &str = "session";
/// Sessions unused for this long are deleted.
pub const IDLE_TTL_MS: i64 = 24 * 60 * 60 * 1000;
/// Activity is written to storage at most this often.
const ACTIVITY_WRITE_INTERVAL_MS: i64 = 60 * 60 * 1000;

#[durable_object(alarm)]
pub struct McpSession {
    state: State,
    env: Env,
    live: Rc<Live>,
}

/// What the object holds in memory while it runs.
struct Live {
    session: RefCell<Option<SessionState>>,
    /// Set by DELETE: the session is gone even before storage says so.
    ended: Cell<bool>,
    replies: Rc<PendingReplies>,
    /// HTTP+SSE: the stream opened by `GET /sse`, where every response goes.
    sse_stream: RefCell<Option<Outbox>>,
    /// Streamable HTTP: the stream opened by `GET /mcp`.
    listen_stream: RefCell<Option<Outbox>>,
    /// The requests running, which `notifications/cancelled` can stop.
    running: Running,
    /// Streamable HTTP: POST answers that became event streams, for their clients to resume.
    replays: Replays,
}

fn session_not_found() -> worker::Result<Response> {
    http::rpc_error(
        404,
        RpcError::new(
            codes::SESSION_NOT_FOUND,
            "Session not found: it ended, expired, or belongs to someone else. Start a new session with initialize.",
        ),
    )
}

impl DurableObject for McpSession {
    fn new(state: State, env: Env) -> Self {
        McpSession {
            state,
            env,
            live: Rc::new(Live {
                session: RefCell::default(),
                ended: Cell::default(),
                replies: Rc::default(),
                sse_stream: RefCell::default(),
                listen_stream: RefCell::default(),
                running: Running::default(),
                replays: Replays::new(crate::random::hex(&crate::random::random_bytes::<4>())),
            }),
        }
    }

    /// Serves one request the Worker forwarded, and writes its log line: only the object
    /// sees how a streamed or `/sse/message` request ends.
    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        let obs = match Handoff::read(req.headers()) {
            Some(handoff) => Observation::resume(&self.env, handoff),
            None => Observation::start(&self.env, &req, None),
        };
        let response = match self.serve(req, &obs).await {
            Ok(response) => response,
            Err(error) => {
                obs.set_error(error.to_string());
                http::rpc_error(
                    503,
                    RpcError::internal(
                        "The session could not complete the request. Try again shortly.",
                    ),
                )?
            }
        };
        obs.set_status(response.status_code());
        drop(obs);
        flush::schedule(&self.env, |deferred| self.state.wait_until(deferred));
        Ok(response)
    }

    async fn alarm(&self) -> worker::Result<Response> {
        let storage = self.state.storage();
        if let Some(session) = self.stored(&storage).await? {
            let idle_since = session.last_active_ms;
            if now_ms() - idle_since < IDLE_TTL_MS {
                storage.set_alarm(expiry_offset(idle_since)).await?;
                return Response::ok("kept");
            }
        }
        self.forget(&storage).await?;
        flush::schedule(&self.env, |deferred| self.state.wait_until(deferred));
        Response::ok("expired")
    }
}

impl McpSession {
    async fn serve(&self, req: Request, obs: &Observation) -> worker::Result<Response> {
        let path = req.path();
        let Some(op) = Op::from_path(&path) else {
            return http::rpc_error(404, RpcError::invalid_request("unknown session operation"));
        };
        let caller: Caller = match req.headers().get(CALLER_HEADER)? {
            Some(json) => serde_json::from_str(&json)?,
            None => return http::rpc_error(400, RpcError::invalid_request("no caller")),
        };
        let session_id = req.headers().get(SESSION_HEADER)?.unwrap_or_default();
        let connection: Connection = match req.headers().get(CONNECTION_HEADER)? {
            Some(json) => serde_json::from_str(&json)?,
            None => Connection::default(),
        };
        obs.set_transport(match op {
            Op::SseOpen | Op::SseMessage => Transport::Sse,
            _ => Transport::StreamableHttp,
        });
        match op {
            Op::Initialize => {
                self.initialize(req, caller, &session_id, obs, connection)
                    .await
            }
            Op::SseOpen => self.open_sse(caller, &session_id, connection).await,
            _ => {
                let Some(session) = self.load(&caller).await? else {
                    return session_not_found();
                };
                self.touch(&session).await?;
                if let Some(version) = session.version {
                    obs.set_protocol(version);
                }
                // The session offers what it opened with; a request can only add lockdown.
                let connection = Connection {
                    lockdown: session.connection.lockdown || connection.lockdown,
                    ..session.connection.clone()
                };
                match (op, session.transport) {
                    (Op::Message, SessionTransport::StreamableHttp) => {
                        self.messages(req, caller, session, obs, connection).await
                    }
                    (Op::Listen, SessionTransport::StreamableHttp) => self.listen(),
                    (Op::Resume, SessionTransport::StreamableHttp) => self.resume(req).await,
                    (Op::End, SessionTransport::StreamableHttp) => self.end().await,
                    (Op::SseMessage, SessionTransport::LegacySse) => {
                        self.sse_message(req, caller, session, obs, connection)
                            .await
                    }
                    _ => session_not_found(),
                }
            }
        }
    }

    async fn stored(&self, storage: &Storage) -> worker::Result<Option<SessionState>> {
        match storage.get::<String>(STATE_KEY).await? {
            Some(json) => Ok(serde_json::from_str(&json).ok()),
            None => Ok(None),
        }
    }

    /// The session, if it exists and `caller` owns it.
    async fn load(&self, caller: &Caller) -> worker::Result<Option<SessionState>> {
        if self.live.ended.get() {
            return Ok(None);
        }
        let cached = self.live.session.borrow().clone();
        let session = match cached {
            Some(session) => Some(session),
            None => {
                let stored = self.stored(&self.state.storage()).await?;
                *self.live.session.borrow_mut() = stored.clone();
                stored
            }
        };
        Ok(session.filter(|s| s.owner.same_identity(caller)))
    }

    async fn save(&self, session: SessionState) -> worker::Result<()> {
        save(&self.state.storage(), &self.live, session).await
    }

    /// Records activity, writing it down at most once per interval.
    async fn touch(&self, session: &SessionState) -> worker::Result<()> {
        if now_ms() - session.last_active_ms > ACTIVITY_WRITE_INTERVAL_MS {
            let changed = self.live.session.borrow_mut().as_mut().map(|s| {
                s.last_active_ms = now_ms();
                s.clone()
            });
            if let Some(session) = changed {
                store(&self.state.storage(), &session).await?;
            }
        }
        Ok(())
    }

    async fn create(&self, session: SessionState) -> worker::Result<()> {
        let storage = self.state.storage();
        storage
            .set_alarm(expiry_offset(session.last_active_ms))
            .await?;
        save(&storage, &self.live, session).await?;
        flush::session(true);
        Ok(())
    }

    async fn forget(&self, storage: &Storage) -> worker::Result<()> {
        storage.delete_all().await?;
        if !self.live.ended.get() {
            flush::session(false);
        }
        self.live.ended.set(true);
        *self.live.session.borrow_mut() = None;
        // The session's streams end now, not when a keep-alive next fails; its running
        // requests stop, each answered that the session ended (a call waiting for the
        // client's reply too, instead of waiting on), and no answer stream can be resumed.
        for stream in [&self.live.sse_stream, &self.live.listen_stream] {
            if let Some(stream) = stream.borrow_mut().take() {
                stream.close();
            }
        }
        self.live.running.cancel_all();
        self.live.replies.abandon_all();
        self.live.replays.clear();
        Ok(())
    }

    async fn initialize(
        &self,
        mut req: Request,
        caller: Caller,
        session_id: &str,
        obs: &Observation,
        connection: Connection,
    ) -> worker::Result<Response> {
        let body = req.bytes().await?;
        let request = match jsonrpc::parse(&body) {
            Ok(Incoming::Single(Message::Request(request))) if request.method == "initialize" => {
                request
            }
            _ => {
                return http::rpc_error(
                    400,
                    RpcError::invalid_request("expected one initialize request"),
                )
            }
        };
        if self.stored(&self.state.storage()).await?.is_some() {
            return http::rpc_error(409, RpcError::invalid_request("session id already in use"));
        }
        obs.set_request(&request, |_| false);
        if let Some(error) = oversized_capabilities(&request) {
            let response = jsonrpc::Response::error(Some(request.id), error);
            obs.set_response(&response);
            return http::json(400, &response.to_json());
        }
        let config = crate::config(&self.env);
        let server = crate::tools::server_for(parsed(&config)?);
        let (version, result) = match server.initialize(&request, &connection) {
            Ok(answer) => answer,
            Err(error) => {
                let response = jsonrpc::Response::error(Some(request.id), error);
                obs.set_response(&response);
                return http::json(400, &response.to_json());
            }
        };
        obs.set_protocol(version);
        let mut session = SessionState::new(SessionTransport::StreamableHttp, caller, now_ms());
        session.connection = connection;
        record_initialize(&mut session, version, &request);
        self.create(session).await?;
        let mut response = http::json(
            200,
            &jsonrpc::Response::result(request.id, result).to_json(),
        )?;
        response.headers_mut().set("mcp-session-id", session_id)?;
        Ok(response)
    }

    /// Streamable HTTP: one POST of messages.
    async fn messages(
        &self,
        mut req: Request,
        caller: Caller,
        session: SessionState,
        obs: &Observation,
        connection: Connection,
    ) -> worker::Result<Response> {
        let body = req.bytes().await?;
        let version = session
            .version
            .unwrap_or(ProtocolVersion::ASSUMED_WITHOUT_HEADER);
        let (messages, batch) = match jsonrpc::parse(&body) {
            Ok(Incoming::Single(message)) => (vec![Ok(message)], false),
            Ok(Incoming::Batch(_)) if !version.accepts_batches() => {
                return http::rpc_error(400, RpcError::invalid_request(format!(
                    "JSON-RPC batches are only allowed in protocol 2025-03-26, and this session uses {version}. Send one message per POST."
                )));
            }
            Ok(Incoming::Batch(items)) => (items, true),
            Err(error) => return http::json(400, &error.to_json()),
        };
        // A batch with `initialize` in it is refused whole, before any of it runs.
        if batch
            && messages.iter().any(
                |m| matches!(m, Ok(Message::Request(request)) if request.method == "initialize"),
            )
        {
            return http::rpc_error(
                400,
                RpcError::invalid_request("initialize must not be part of a batch"),
            );
        }
        let (outbox, receiver) = if batch {
            Outbox::batch()
        } else {
            Outbox::new()
        };
        let mut expected = 0;
        let config = crate::config(&self.env);
        let server = crate::tools::server_for(parsed(&config)?);
        for message in messages {
            match message {
                Err(invalid) => {
                    expected += 1;
                    outbox.send(Outgoing::Final(invalid));
                }
                Ok(Message::Request(request)) => {
                    expected += 1;
                    obs.set_request(&request, |name| server.has_tool(name));
                    let declared = declared_for(&session, &connection);
                    let (outbox, obs) = (outbox.clone(), obs.clone());
                    self.spawn_request(request, caller.clone(), declared, outbox, obs);
                }
                Ok(Message::Notification(notification)) => {
                    obs.set_method(&notification.method);
                    self.notified(notification).await?
                }
                Ok(Message::Reply(reply)) => {
                    self.live
                        .replies
                        .resolve(&reply.id.to_string(), reply.outcome);
                }
            }
        }
        if expected == 0 {
            return http::accepted();
        }
        // Event ids and the priming event's `retry` (2025-11-25) tell the client it can
        // resume the stream if it loses it.
        let priming = version >= ProtocolVersion::V2025_11_25;
        let replays = &self.live.replays;
        let resumable = |start| replay::stream(replays.open(crate::now_ms()), start, priming);
        outbox::respond(
            receiver,
            outbox,
            expected,
            batch,
            outbox::always_ok,
            &resumable,
        )
        .await
    }

    /// Runs one request in its own task; its messages and response go to `outbox`, and its
    /// outcome into the request's observation.
    fn spawn_request(
        &self,
        request: RpcRequest,
        caller: Caller,
        declared: Declared,
        outbox: Outbox,
        obs: Observation,
    ) {
        let env = self.env.clone();
        let storage = self.state.storage();
        let live = self.live.clone();
        let (ticket, registration) = live.running.start(&request.id);
        wasm_bindgen_futures::spawn_local(async move {
            let run = run_request(&env, &request, &caller, declared, &outbox, &live, &obs);
            let handled = Abortable::new(run, registration).await;
            live.running.finish(ticket);
            let Ok(handled) = handled else {
                if live.ended.get() {
                    // Stopped because the session ended: its client is told so.
                    let ended = RpcError::internal(
                        "the session ended (DELETE, or it expired) before this request finished",
                    );
                    let response = jsonrpc::Response::error(Some(request.id.clone()), ended);
                    obs.set_response(&response);
                    outbox.send(Outgoing::Final(response));
                    return;
                }
                // Cancelled by the client: its work is dropped, and it is not answered.
                obs.set_cancelled();
                outbox.send(Outgoing::Cancelled);
                return;
            };
            let response = match handled {
                Ok(Handled { response, effect }) => match effect {
                    None => response,
                    Some(effect) => match keep(&storage, &live, effect).await {
                        Ok(()) => response,
                        Err(error) => jsonrpc::Response::error(Some(request.id.clone()), error),
                    },
                },
                Err(e) => {
                    worker::console_error!(
                        "request {} failed inside the session: {e}",
                        mcp_core::jsonrpc::echoed(&request.method)
                    );
                    jsonrpc::Response::error(
                        Some(request.id.clone()),
                        RpcError::internal("internal error; please retry"),
                    )
                }
            };
            obs.set_response(&response);
            outbox.send(Outgoing::Final(response));
        });
    }

    async fn notified(&self, notification: Notification) -> worker::Result<()> {
        if notification.method == "notifications/cancelled" {
            if let Some(id) = cancelled_id(notification.params.as_ref()) {
                self.live.running.cancel(&id);
            }
        } else if notification.method == "notifications/initialized" {
            let changed = self.live.session.borrow_mut().as_mut().and_then(|s| {
                (!s.initialized).then(|| {
                    s.initialized = true;
                    s.clone()
                })
            });
            if let Some(session) = changed {
                store(&self.state.storage(), &session).await?;
            }
        }
        Ok(())
    }

    /// Streamable HTTP: `GET /mcp` opens the session's own stream, one at a time: a new one
    /// ends the one before (a client that reconnects is not locked out by a stream it lost).
    fn listen(&self) -> worker::Result<Response> {
        let (outbox, receiver) = Outbox::stream();
        if let Some(before) = self.live.listen_stream.borrow_mut().replace(outbox.clone()) {
            before.close();
        }
        outbox::keep_alive(outbox);
        let frames =
            futures_util::stream::iter([sse::comment("stream open")]).chain(frames_of(receiver));
        outbox::event_stream(frames)
    }

    /// Streamable HTTP: `GET /mcp` with `Last-Event-ID` (the request's body here): the rest
    /// of the stream that event was sent on. An id that is not one of this server's opens the
    /// session's own stream, as a GET without it does. One of ours that this object no longer
    /// keeps (its answer was sent after that event already, it was cancelled, expired, or was the object's
    /// before a restart) does too, unless the session's own stream is open: then it is
    /// refused (400) and that stream left alone. Ending it would have its client reconnect it,
    /// and a client holding both would have each end the other, a GET a second for as long as
    /// the session lives (the TypeScript SDK after a cancelled 2025-11-25 call: 10 GETs in
    /// 12 s, without end).
    async fn resume(&self, mut req: Request) -> worker::Result<Response> {
        let body = req.bytes().await?;
        let last_event_id = String::from_utf8_lossy(&body);
        if let Some(reader) = self.live.replays.resume(&last_event_id, crate::now_ms()) {
            return outbox::event_stream(reader.into_stream());
        }
        let own_stream_open = self
            .live
            .listen_stream
            .borrow()
            .as_ref()
            .is_some_and(|stream| !stream.is_closed());
        let refused = own_stream_open && Replays::is_event_id(&last_event_id);
        crate::observe::event(crate::observe::record::Level::Info, &|| {
            format!(
                "Last-Event-ID '{}' names no stream this session keeps; {}",
                jsonrpc::echoed_line(&last_event_id),
                match refused {
                    true => "refused, the session's own stream being open",
                    false => "its own stream was opened instead",
                }
            )
        });
        if refused {
            return http::rpc_error(
                400,
                RpcError::new(
                    -32000,
                    "Last-Event-ID names no stream this session still keeps (everything after that event was sent already, or it expired, or the session restarted): there is nothing to resume. The session's own stream is open already.",
                ),
            );
        }
        self.listen()
    }

    async fn end(&self) -> worker::Result<Response> {
        self.forget(&self.state.storage()).await?;
        Ok(Response::empty()?.with_status(204))
    }
}

/// Applies a request's effect to the session and stores it. The request is answered with
/// the error instead of its result if the session may not take the effect, or if it could
/// not be stored. The change is made to the session in memory before anything is awaited,
/// so requests running at once each build on the others' changes (none is lost to a copy
/// taken before another's save); each save then writes the session as it is then.
async fn keep(storage: &Storage, live: &Live, effect: SessionEffect) -> Result<(), RpcError> {
    let changed = {
        let mut current = live.session.borrow_mut();
        let Some(session) = current.as_mut() else {
            return Ok(()); // the session ended meanwhile; there is nothing to change
        };
        session.admits(&effect).map_err(RpcError::invalid_params)?;
        session.apply(effect);
        session.clone()
    };
    store(storage, &changed).await.map_err(|e| {
        worker::console_error!("could not save the session: {e}");
        // What storage holds is read again on the next request.
        *live.session.borrow_mut() = None;
        RpcError::internal("The session could not store this change. Try again shortly.")
    })
}

async fn save(storage: &Storage, live: &Live, session: SessionState) -> worker::Result<()> {
    store(storage, &session).await?;
    *live.session.borrow_mut() = Some(session);
    Ok(())
}

/// Writes `session` to storage (the object's puts are applied in the order they are made,
/// so the last one holds the latest state).
async fn store(storage: &Storage, session: &SessionState) -> worker::Result<()> {
    storage
        .put(STATE_KEY, serde_json::to_string(session)?)
        .await
}

/// What the session declared, with what this request's connection may add (lockdown).
fn declared_for(session: &SessionState, connection: &Connection) -> Declared {
    Declared {
        connection: connection.clone(),
        ..session.declared()
    }
}

/// The refusal of an `initialize` whose capabilities are too large to keep in the session.
fn oversized_capabilities(request: &RpcRequest) -> Option<RpcError> {
    let capabilities = request.params.as_ref()?.get("capabilities")?;
    crate::session::state::declared_too_large(capabilities).map(RpcError::invalid_params)
}

fn record_initialize(session: &mut SessionState, version: ProtocolVersion, request: &RpcRequest) {
    let params = request.params.clone().unwrap_or(Value::Null);
    session.initialize(
        version,
        params
            .get("capabilities")
            .cloned()
            .unwrap_or_else(|| json!({})),
        params.get("clientInfo").cloned().unwrap_or(Value::Null),
    );
}

/// Milliseconds from now until a session last active at `last_active_ms` expires. worker's
/// `set_alarm` takes an `i64` as an offset from now, not as a time.
fn expiry_offset(last_active_ms: i64) -> i64 {
    (last_active_ms + IDLE_TTL_MS - now_ms()).max(0)
}

/// The configuration of [`crate::config`] (parsed once per isolate and shared, not copied
/// per request), or the error that it did not parse.
fn parsed(config: &Result<Config, String>) -> worker::Result<&Config> {
    config
        .as_ref()
        .map_err(|problem| worker::Error::RustError(problem.clone()))
}

/// SSE frames for a long-lived stream.
fn frames_of(receiver: Inbox) -> impl futures_util::Stream<Item = String> {
    receiver.filter_map(|item| futures_util::future::ready(outbox::frame_of(item).0))
}

async fn run_request(
    env: &Env,
    request: &RpcRequest,
    caller: &Caller,
    declared: Declared,
    outbox: &Outbox,
    live: &Rc<Live>,
    obs: &Observation,
) -> worker::Result<Handled> {
    let config = crate::config(env);
    let config = parsed(&config)?;
    let server = crate::tools::server_for(config);
    let initialized = live
        .session
        .borrow()
        .as_ref()
        .is_some_and(|s| s.initialized);
    let peer = OutboxPeer {
        outbox: outbox.clone(),
        replies: match initialized {
            true => Ok(live.replies.clone()),
            false => Err(outbox::NO_REQUESTS_BEFORE_INITIALIZED),
        },
        // Streamable HTTP's answers are resumable; HTTP+SSE's stream refuses the close.
        resumable: true,
    };
    Ok(dispatch::run(&server, config, request, caller, declared, &peer, None, obs).await)
}
