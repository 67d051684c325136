//! Observability: one structured log line per request, trace context carried to GitHub,
//! and the counts behind `/metrics`.
//!
//! An [`Observation`] follows one request. Everything that learns something about the
//! request writes it in (the transport, the JSON-RPC method and tool, the outcome, the
//! GitHub calls); when the last holder lets go — the handler that returned the response,
//! or the task that produced a streamed result — the line is written, the request is
//! counted for the metrics ([`flush`]) and, when the binding exists, sent to Analytics
//! Engine. A request served by a session's Durable Object is handed off: the Worker
//! writes nothing, and the object, which alone sees how it ends, writes the one line.

pub mod exposition;
pub mod flush;
pub mod metrics;
pub mod record;
pub mod trace;
pub mod upstream;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use serde_json::Value;
use worker::{Env, Request};

use crate::auth::caller::Caller;
use mcp_core::jsonrpc;
use record::{GitHubStats, Level, Record, Transport};
use trace::{Parent, TraceContext, TraceSource};

/// The optional Analytics Engine binding: each request becomes a data point there.
pub const ANALYTICS_BINDING: &str = "ANALYTICS";
/// Headers that carry a [`Handoff`] from the Worker to a session's object.
const HANDOFF_HEADERS: [&str; 7] = [
    "x-mcpw-request-id",
    "x-mcpw-started-ms",
    "x-mcpw-http-method",
    "x-mcpw-path",
    "x-mcpw-traceparent",
    "x-mcpw-caller-id",
    "x-mcpw-caller-login",
];

thread_local! {
    /// `LOG_LEVEL`, as the latest request in this isolate read it.
    static LOG_LEVEL: Cell<Level> = const { Cell::new(Level::Info) };
}

/// A log line that belongs to no request (`{"ts","level","msg"}`), if `LOG_LEVEL` admits
/// it; the message is only built then.
pub fn event(level: Level, msg: &dyn Fn() -> String) {
    if level >= LOG_LEVEL.with(Cell::get) {
        #[cfg(target_arch = "wasm32")]
        {
            let line = serde_json::json!({
                "ts": record::timestamp(crate::now_ms()),
                "level": level.as_str(),
                "msg": msg(),
            });
            worker::console_log!("{line}");
        }
        // Host tests of code that logs: the runtime's clock and console are wasm-only.
        #[cfg(not(target_arch = "wasm32"))]
        eprintln!("{}: {}", level.as_str(), msg());
    }
}

/// What the operator chose about logs.
#[derive(Debug, Clone)]
struct Settings {
    level: Level,
    /// `LOG_CALLER_LOGIN=true`: also log the login or token name.
    caller_login: bool,
    /// Keys the caller pseudonym (derived from `COOKIE_ENCRYPTION_KEY`).
    pseudonym_key: Option<[u8; 32]>,
}

impl Settings {
    /// Read once per isolate: variables and secrets are fixed for a deployment's life.
    fn from_env(env: &Env) -> Settings {
        thread_local! {
            static SETTINGS: std::cell::OnceCell<Settings> = const { std::cell::OnceCell::new() };
        }
        SETTINGS.with(|cell| cell.get_or_init(|| Settings::read(env)).clone())
    }

    fn read(env: &Env) -> Settings {
        let get = |name: &str| crate::env_value(env, name);
        let level = get("LOG_LEVEL")
            .and_then(|v| Level::parse(&v))
            .unwrap_or(Level::Info);
        LOG_LEVEL.with(|l| l.set(level));
        Settings {
            level,
            caller_login: get("LOG_CALLER_LOGIN")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("true")),
            pseudonym_key: get("COOKIE_ENCRYPTION_KEY")
                .map(|secret| crate::auth::crypto::derive_key(secret.as_bytes(), "log-pseudonym")),
        }
    }
}

/// What the Worker tells a session's object about a request it forwards.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Handoff {
    pub request_id: String,
    pub started_ms: i64,
    pub http_method: String,
    pub path: String,
    pub traceparent: Option<String>,
    pub caller: Option<String>,
    pub caller_login: Option<String>,
}

impl Handoff {
    /// Puts the handoff into the headers of the request to the object, in ASCII
    /// ([`crate::ascii_header`]): the path and a token's name need not be.
    pub fn write(&self, headers: &worker::Headers) -> worker::Result<()> {
        let values = [
            Some(self.request_id.clone()),
            Some(self.started_ms.to_string()),
            Some(self.http_method.clone()),
            Some(self.path.clone()),
            self.traceparent.clone(),
            self.caller.clone(),
            self.caller_login.clone(),
        ];
        for (name, value) in HANDOFF_HEADERS.iter().zip(values) {
            if let Some(value) = value {
                headers.set(name, &crate::ascii_header::text(&value))?;
            }
        }
        Ok(())
    }

    /// Reads a handoff from the object's request, if the Worker sent one.
    pub fn read(headers: &worker::Headers) -> Option<Handoff> {
        let [id, started, method, path, trace, caller, login] = HANDOFF_HEADERS.map(|name| {
            let value = headers.get(name).ok().flatten();
            value.map(crate::ascii_header::text_from)
        });
        Some(Handoff {
            request_id: id?,
            started_ms: started?.parse().ok()?,
            http_method: method?,
            path: path?,
            traceparent: trace,
            caller,
            caller_login: login,
        })
    }
}

/// One request, observed. Cheap to clone; the line is written when the last clone drops.
#[derive(Clone)]
pub struct Observation(Rc<Inner>);

struct Inner {
    env: Env,
    settings: Settings,
    started_ms: i64,
    request_id: String,
    http_method: String,
    path: String,
    header_trace: Option<Parent>,
    github: Rc<RefCell<GitHubStats>>,
    state: RefCell<State>,
}

#[derive(Default)]
struct State {
    handed_off: bool,
    http_status: u16,
    transport: Option<Transport>,
    protocol: Option<String>,
    method: Option<String>,
    tool: Option<String>,
    batch: usize,
    is_error: bool,
    rpc_error: Option<i64>,
    cancelled: bool,
    auth_failure: Option<&'static str>,
    limited_by: Option<&'static str>,
    error: Option<String>,
    meta_trace: Option<Parent>,
    trace: Option<TraceContext>,
    caller: Option<String>,
    caller_login: Option<String>,
}

impl Observation {
    /// Starts observing a request as it reaches the Worker; `method_sent` names its method
    /// when `req` goes on with another (see `with_known_method` in `lib.rs`).
    pub fn start(env: &Env, req: &Request, method_sent: Option<String>) -> Observation {
        let header = |name: &str| req.headers().get(name).ok().flatten();
        let request_id = header("cf-ray")
            .filter(|ray| ray.len() <= 64 && ray.bytes().all(|b| b.is_ascii_graphic()))
            .unwrap_or_else(|| crate::random::hex(&crate::random::random_bytes::<8>()));
        Observation::new(
            env,
            request_id,
            crate::now_ms(),
            method_sent.map_or_else(|| req.method().to_string(), |m| jsonrpc::echoed(&m)),
            jsonrpc::echoed(&req.path()),
            header("traceparent").as_deref().and_then(trace::parse),
        )
    }

    /// Takes over a request the Worker handed to a session's object.
    pub fn resume(env: &Env, handoff: Handoff) -> Observation {
        let obs = Observation::new(
            env,
            handoff.request_id,
            handoff.started_ms,
            handoff.http_method,
            handoff.path,
            handoff.traceparent.as_deref().and_then(trace::parse),
        );
        {
            let mut state = obs.0.state.borrow_mut();
            state.caller = handoff.caller;
            state.caller_login = handoff.caller_login;
        }
        obs
    }

    fn new(
        env: &Env,
        request_id: String,
        started_ms: i64,
        http_method: String,
        path: String,
        header_trace: Option<Parent>,
    ) -> Observation {
        Observation(Rc::new(Inner {
            env: env.clone(),
            settings: Settings::from_env(env),
            started_ms,
            request_id,
            http_method,
            path,
            header_trace,
            github: Rc::default(),
            state: RefCell::default(),
        }))
    }

    /// What the object needs to finish this request's line; from now on the Worker writes
    /// nothing for it.
    pub fn hand_off(&self) -> Handoff {
        let state = self.0.state.borrow();
        Handoff {
            request_id: self.0.request_id.clone(),
            started_ms: self.0.started_ms,
            http_method: self.0.http_method.clone(),
            path: self.0.path.clone(),
            traceparent: self
                .0
                .header_trace
                .as_ref()
                .map(|p| format!("00-{}-{}-{:02x}", p.trace_id, p.span_id, p.flags)),
            caller: state.caller.clone(),
            caller_login: state.caller_login.clone(),
        }
    }

    /// The object took the request: its line is the object's to write.
    pub fn handed_off(&self) {
        self.0.state.borrow_mut().handed_off = true;
    }

    fn update(&self, f: impl FnOnce(&mut State)) {
        f(&mut self.0.state.borrow_mut());
    }

    pub fn set_transport(&self, transport: Transport) {
        self.update(|s| s.transport = Some(transport));
    }

    pub fn set_protocol(&self, protocol: impl std::fmt::Display) {
        let protocol = protocol.to_string();
        self.update(|s| s.protocol = Some(protocol));
    }

    pub fn set_caller(&self, caller: &Caller) {
        // The pseudonym is a keyed hash (HMAC in `oauth` mode) of the subject under a key
        // fixed for the isolate's life: the last one is kept, since a run of calls usually
        // comes from one caller.
        thread_local! {
            static LAST: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
        }
        let pseudonym = LAST.with(|last| {
            let mut last = last.borrow_mut();
            match last.as_ref() {
                Some((subject, pseudonym)) if *subject == caller.subject => pseudonym.clone(),
                _ => {
                    let pseudonym = record::pseudonym(
                        self.0.settings.pseudonym_key.as_ref().map(|k| k.as_slice()),
                        &caller.subject,
                    );
                    *last = Some((caller.subject.clone(), pseudonym.clone()));
                    pseudonym
                }
            }
        });
        let login = self
            .0
            .settings
            .caller_login
            .then(|| caller.display_name.clone());
        self.update(|s| {
            s.caller = Some(pseudonym);
            s.caller_login = login;
        });
    }

    /// The JSON-RPC request being served: its method, tool (when `known_tool` says the
    /// name is one of ours, so labels stay bounded) and any trace context in its `_meta`.
    pub fn set_request(&self, request: &jsonrpc::Request, known_tool: impl Fn(&str) -> bool) {
        let params = request.params.as_ref();
        let tool = (request.method == "tools/call")
            .then(|| params.and_then(|p| p.get("name")).and_then(Value::as_str))
            .flatten()
            .filter(|name| known_tool(name))
            .map(str::to_string);
        let meta_trace = params
            .and_then(|p| p.get("_meta"))
            .and_then(|m| m.get("traceparent"))
            .and_then(Value::as_str)
            .and_then(trace::parse);
        let method = jsonrpc::echoed(&request.method);
        self.update(|s| {
            s.batch += 1;
            if s.method.is_none() {
                s.method = Some(method);
                s.tool = tool;
            } else {
                s.method = Some("batch".into());
                s.tool = None;
            }
            if s.meta_trace.is_none() {
                s.meta_trace = meta_trace;
            }
        });
    }

    /// A JSON-RPC method with no request object (a notification, a refused message).
    pub fn set_method(&self, method: &str) {
        let method = jsonrpc::echoed(method);
        self.update(|s| {
            if s.method.is_none() {
                s.method = Some(method);
            }
        });
    }

    /// The JSON-RPC response sent for the request.
    pub fn set_response(&self, response: &jsonrpc::Response) {
        let (is_error, rpc_error) = match &response.outcome {
            Ok(result) => (result.get("isError") == Some(&Value::Bool(true)), None),
            Err(error) => (false, Some(i64::from(error.code))),
        };
        self.update(|s| {
            s.is_error |= is_error;
            if s.rpc_error.is_none() {
                s.rpc_error = rpc_error;
            }
        });
    }

    /// The client cancelled the request (`notifications/cancelled`, or in 2026-07-28 by
    /// closing the response stream), and no response was sent.
    pub fn set_cancelled(&self) {
        self.update(|s| s.cancelled = true);
    }

    pub fn set_status(&self, status: u16) {
        self.update(|s| s.http_status = status);
    }

    pub fn set_auth_failure(&self, reason: &'static str) {
        self.update(|s| s.auth_failure = Some(reason));
    }

    /// The request was refused by the rate limit `binding`, before any dispatch; `method`
    /// and `tool` say what was refused (for the log line and the metrics' labels).
    pub fn set_limited(&self, binding: &'static str, method: Option<&str>, tool: Option<&str>) {
        let tool = tool.map(str::to_string);
        let method = method.map(str::to_string);
        self.update(|s| {
            s.limited_by = Some(binding);
            if method.is_some() {
                s.method = method;
            }
            s.tool = tool;
        });
    }

    pub fn set_error(&self, error: String) {
        self.update(|s| s.error = Some(error));
    }

    /// The trace this request belongs to: the `traceparent` header's, else `_meta`'s, else
    /// a new one. Fixed at first use.
    pub fn trace(&self) -> TraceContext {
        self.0.trace()
    }

    /// Where GitHub calls of this request are noted.
    pub fn github_stats(&self) -> Rc<RefCell<GitHubStats>> {
        self.0.github.clone()
    }
}

impl Inner {
    fn trace(&self) -> TraceContext {
        let mut state = self.state.borrow_mut();
        if let Some(trace) = &state.trace {
            return trace.clone();
        }
        let parent = match (&self.header_trace, &state.meta_trace) {
            (Some(p), _) => Some((p.clone(), TraceSource::Header)),
            (None, Some(p)) => Some((p.clone(), TraceSource::Meta)),
            (None, None) => None,
        };
        let trace = TraceContext::resolve(parent, crate::random::random_bytes::<24>());
        state.trace = Some(trace.clone());
        trace
    }

    fn record(&self) -> Record {
        let trace = self.trace();
        let state = self.state.borrow();
        Record {
            ts_ms: self.started_ms,
            request_id: self.request_id.clone(),
            trace,
            http_method: self.http_method.clone(),
            path: self.path.clone(),
            http_status: state.http_status,
            transport: state.transport.unwrap_or(Transport::None),
            protocol: state.protocol.clone(),
            method: state.method.clone(),
            tool: state.tool.clone(),
            batch: state.batch,
            is_error: state.is_error,
            rpc_error: state.rpc_error,
            cancelled: state.cancelled,
            auth_failure: state.auth_failure,
            limited_by: state.limited_by,
            duration_ms: (crate::now_ms() - self.started_ms).max(0),
            github: self.github.borrow().clone(),
            caller: state.caller.clone(),
            caller_login: state.caller_login.clone(),
            wasm_memory_bytes: wasm_memory_bytes(),
        }
    }
}

/// The size of this isolate's wasm memory.
#[cfg(target_arch = "wasm32")]
fn wasm_memory_bytes() -> Option<i64> {
    let pages = core::arch::wasm32::memory_size(0);
    Some(
        i64::try_from(pages)
            .unwrap_or(i64::MAX)
            .saturating_mul(65_536),
    )
}

#[cfg(not(target_arch = "wasm32"))]
fn wasm_memory_bytes() -> Option<i64> {
    None
}

impl Drop for Inner {
    fn drop(&mut self) {
        if self.state.borrow().handed_off {
            return;
        }
        let record = self.record();
        if record.level() >= self.settings.level {
            let error = self.state.borrow_mut().error.take();
            worker::console_log!("{}", record.to_line(error.as_deref()));
        }
        flush::record(&record);
        // Whether the binding exists is fixed per isolate: when it does not, the lookup
        // (and the error it builds) is skipped from the second request on.
        thread_local! {
            static ANALYTICS_BOUND: Cell<bool> = const { Cell::new(true) };
        }
        if ANALYTICS_BOUND.with(Cell::get) {
            match self.env.analytics_engine(ANALYTICS_BINDING) {
                Ok(dataset) => flush::analytics(&dataset, &record),
                Err(_) => ANALYTICS_BOUND.with(|b| b.set(false)),
            }
        }
    }
}
