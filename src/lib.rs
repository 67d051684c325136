//! github-mcp-worker: a remote MCP server for GitHub on Cloudflare Workers.
//!
//! The request path, top to bottom:
//! 1. [`route`] checks `Origin`, answers CORS preflights, and picks the endpoint.
//! 2. [`auth`] decides who the caller is, by `AUTH_MODE`.
//! 3. [`transport`] speaks Streamable HTTP (`/mcp`) or HTTP+SSE (`/sse`); legacy-era
//!    sessions live in [`session`]'s Durable Object, modern requests are answered in place.
//! 4. the protocol core ([`mcp_core`], `crates/mcp-core`) dispatches to the [`tools`], which
//!    reach [`github`] through the per-request [`app::Services`].

pub mod app;
pub mod ascii_header;
pub mod auth;
pub mod config;
pub mod github;
pub mod limits;
pub mod observe;
pub mod random;
pub mod session;
pub mod tasks;
pub mod tools;
pub mod transport;

pub use auth::oauth::grant::OAuthGrant;
pub use observe::flush::McpMetrics;
pub use session::durable::McpSession;
pub use tasks::durable::McpTask;

use std::cell::OnceCell;
use std::rc::Rc;

use serde_json::json;
use worker::wasm_bindgen::JsValue;
use worker::{event, js_sys, web_sys, Context, Env, Headers, Method, Request, Response};

use auth::caller::AuthMode;
use config::Config;
use mcp_core::connection::Connection;
use mcp_core::jsonrpc::RpcError;
use observe::record::Transport;
use observe::Observation;
use transport::http;
use transport::mcp_path::{self, McpPath};
use transport::origin::{Endpoint, OriginPolicy};

#[event(fetch)]
async fn fetch(raw: web_sys::Request, env: Env, ctx: Context) -> worker::Result<Response> {
    let Some((req, method_sent)) = with_known_method(without_cf(raw)) else {
        // Not expected: REPORT is a method `fetch` allows.
        return http::method_not_allowed(
            "GET, HEAD, POST, DELETE, OPTIONS",
            "This server does not serve that method.".into(),
        );
    };
    let obs = Observation::start(&env, &req, method_sent);
    let origin = req.headers().get("origin").ok().flatten();
    let response = match route(req, &env, &obs).await {
        Ok(response) => response,
        Err(error) => {
            let error = error.to_string();
            let message = failure_message(&error);
            obs.set_error(error);
            let mut response = http::rpc_error(503, RpcError::internal(message))?;
            if let Some(origin) = origin {
                http::add_cors(response.headers_mut(), &origin)?;
            }
            response
        }
    };
    obs.set_status(response.status_code());
    // The line is written here, unless a streamed answer or a session's object still
    // holds the request; either way the metrics batch goes out after the response.
    drop(obs);
    observe::flush::schedule(&env, |deferred| ctx.wait_until(deferred));
    Ok(response)
}

/// What a client is told when a request failed inside the Worker: a binding missing from
/// `wrangler.toml` is not something to retry (the log line's `error` names it).
fn failure_message(error: &str) -> &'static str {
    if error.starts_with("Binding `") && error.ends_with("` is undefined.") {
        "The server is not fully configured: a binding is missing from its wrangler.toml. Its operator must add it and deploy again (GET /healthz names it)."
    } else {
        "The server could not complete the request. Try again shortly."
    }
}

/// The bindings this deployment's `AUTH_MODE` needs that the runtime does not have, for
/// `/healthz`: a `wrangler.toml` that lost one would otherwise look healthy until the first
/// session, sign-in or token. Looked up once per isolate (bindings are fixed for its life).
/// The rate limits are left out: without one, that limit is not enforced (a warning).
fn missing_bindings(env: &Env, mode: AuthMode) -> Option<String> {
    thread_local! {
        static MISSING: OnceCell<Option<String>> = const { OnceCell::new() };
    }
    MISSING.with(|cell| {
        cell.get_or_init(|| {
            let mut missing = Vec::new();
            let mut objects = false;
            if mode != AuthMode::None && env.kv(auth::KV_BINDING).is_err() {
                missing.push("KV ([[kv_namespaces]], from `npx wrangler kv namespace create KV`)");
            }
            for (name, needed) in [
                ("MCP_SESSION", true),
                ("MCP_TASK", true),
                ("METRICS", true),
                ("OAUTH_GRANT", mode == AuthMode::Oauth),
            ] {
                if needed && env.durable_object(name).is_err() {
                    missing.push(name);
                    objects = true;
                }
            }
            (!missing.is_empty()).then(|| {
                format!(
                    "AUTH_MODE={} needs the binding{} {}, missing from wrangler.toml. Restore {} from the repository's wrangler.toml{} and deploy again",
                    mode.as_str(),
                    if missing.len() > 1 { "s" } else { "" },
                    missing.join(", "),
                    if missing.len() > 1 { "them" } else { "it" },
                    if objects { " ([durable_objects], each class with its [[migrations]] entry)" } else { "" },
                )
            })
        })
        .clone()
    })
}

/// The request, with a method worker-rs reads as it was sent; and the method sent, when
/// worker-rs would not have read it.
///
/// worker-rs reads a method it does not know (`PROPFIND`, `PURGE`, …) as GET, so such a
/// request opened event streams and read the metrics (review 29, F2). It goes on as
/// `REPORT` instead, a method worker-rs knows and no endpoint serves: each endpoint answers
/// 405 with the methods it does serve, and the log line names the method sent. The method
/// is read again from the runtime only when worker-rs says GET, not on every request.
fn with_known_method(req: Request) -> Option<(Request, Option<String>)> {
    if req.method() != Method::Get {
        return Some((req, None));
    }
    let sent = req.inner().method();
    if sent.eq_ignore_ascii_case("GET") {
        return Some((req, None));
    }
    // Its URL and headers, not its body, which no endpoint reads for a 405: a body moved
    // to the new request and left unread lost the connection now and then under
    // `wrangler dev` (2 of 20 chunked PROPFINDs at once answered 500).
    let renamed = github::fetch::outgoing(
        &req.inner().url(),
        Method::Report,
        req.headers(),
        None,
        worker::RequestRedirect::Manual,
    )
    .ok()?;
    Some((renamed, Some(sent)))
}

/// The request as worker-rs wraps it, without reading `request.cf`.
///
/// worker-rs reads `cf` eagerly when it wraps a request, and the runtime builds that object
/// (from its JSON) on the first read: the largest single cost of the Worker-only path in
/// `scripts/bench --profile`. Nothing here uses `cf`, so an own `cf` property set to
/// `undefined` hides the runtime's getter first. Should the runtime refuse the property, the
/// request is wrapped as before.
fn without_cf(raw: web_sys::Request) -> Request {
    thread_local! {
        static UNDEFINED_VALUE: js_sys::Object = {
            let descriptor = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&descriptor, &"value".into(), &JsValue::UNDEFINED);
            descriptor
        };
    }
    UNDEFINED_VALUE.with(|descriptor| {
        let _ = js_sys::Reflect::define_property(raw.as_ref(), &"cf".into(), descriptor);
    });
    Request::from(raw)
}

/// Milliseconds since the epoch, by the Workers clock.
pub fn now_ms() -> i64 {
    worker::Date::now().as_millis() as i64
}

/// The deployment's configuration, parsed once per isolate: variables and secrets are
/// fixed for an isolate's life (a new deployment or secret starts new isolates).
pub fn config(env: &Env) -> Rc<Result<Config, String>> {
    thread_local! {
        static CONFIG: OnceCell<Rc<Result<Config, String>>> = const { OnceCell::new() };
    }
    CONFIG.with(|cell| {
        cell.get_or_init(|| Rc::new(Config::for_deployment(|name| env_value(env, name))))
            .clone()
    })
}

/// A variable or secret of the Worker's environment.
pub fn env_value(env: &Env, name: &str) -> Option<String> {
    env.var(name)
        .map(|v| v.to_string())
        .ok()
        .or_else(|| env.secret(name).map(|s| s.to_string()).ok())
}

async fn route(req: Request, env: &Env, obs: &Observation) -> worker::Result<Response> {
    let config = config(env);
    let origin = req.headers().get("origin")?;
    let method = req.method();
    // Our own origin, parsed from the URL only when something needs it: here, to check a
    // browser's Origin; later, for the MCP and OAuth endpoints.
    let mut own = None;
    if let Some(origin) = &origin {
        let own_origin: &str = own.insert(own_origin(&req)?);
        let (listed, tokens_required) = match config.as_ref() {
            Ok(c) => (c.allowed_origins.as_slice(), c.auth_mode != AuthMode::None),
            Err(_) => (&[][..], false),
        };
        let policy = OriginPolicy {
            own_origin,
            listed,
            tokens_required,
        };
        if !policy.allows(origin, Endpoint::of(method == Method::Post, &req.path())) {
            // An invalid configuration is what every request is told, this one too: a 403
            // naming ALLOWED_ORIGINS would send the operator to the wrong setting (or to the
            // right one, already set, when it is the entry in error). No CORS headers: the
            // page cannot read it, the browser's network panel shows it.
            if let Err(problem) = config.as_ref() {
                return misconfigured(problem, obs);
            }
            return http::rpc_error(403, RpcError::invalid_request(format!(
                "Forbidden: requests from the origin '{}' are not allowed here. The server's operator can allow it with ALLOWED_ORIGINS.",
                origin.escape_debug()
            )));
        }
        if method == Method::Options {
            let requested = req.headers().get("access-control-request-headers")?;
            return http::preflight(origin, requested.as_deref());
        }
    } else if method == Method::Options {
        return Ok(Response::empty()?.with_status(204));
    }
    let response = endpoint(req, env, config, own, obs).await?;
    match origin {
        Some(origin) => with_cors(response, &origin),
        None => Ok(response),
    }
}

/// The body of `GET /healthz`, serialized once per isolate.
fn healthz_body() -> String {
    thread_local! {
        static BODY: String = json!({ "ok": true, "name": tools::SERVER_INFO.name, "version": tools::SERVER_INFO.version }).to_string();
    }
    BODY.with(String::clone)
}

/// Our own origin (`https://host`). It takes a full parse of the URL, so only the origin
/// check and the MCP and OAuth endpoints ask for it, not `/healthz`.
pub(crate) fn own_origin(req: &Request) -> worker::Result<String> {
    Ok(req.url()?.origin().ascii_serialization())
}

/// The 503 for a configuration that is invalid, saying why; the log line's `error` says the
/// same, where the runbook sends the operator (every problem text names a setting, never a
/// secret's value).
fn misconfigured(problem: &str, obs: &Observation) -> worker::Result<Response> {
    obs.set_error(format!("configuration: {problem}"));
    http::json(
        503,
        &json!({
            "error": "server_misconfigured",
            "error_description": format!("The server's configuration is invalid: {problem}"),
        }),
    )
}

/// `own`: our origin, if `route` has parsed it already.
async fn endpoint(
    req: Request,
    env: &Env,
    config: Rc<Result<Config, String>>,
    own: Option<String>,
    obs: &Observation,
) -> worker::Result<Response> {
    let path = req.path();
    let config = match config.as_ref() {
        Ok(config) => config,
        Err(problem) => return misconfigured(problem, obs),
    };
    match path.as_str() {
        "/healthz" | "/" if !matches!(req.method(), Method::Get | Method::Head) => {
            http::method_not_allowed("GET, HEAD, OPTIONS", format!("{path} takes GET or HEAD."))
        }
        "/healthz" => match missing_bindings(env, config.auth_mode) {
            None => http::json_text(200, healthz_body()),
            Some(problem) => misconfigured(&problem, obs),
        },
        "/" => http::json(
            200,
            &json!({
                "name": tools::SERVER_INFO.name,
                "version": tools::SERVER_INFO.version,
                "mcp": { "streamableHttp": "/mcp", "sse": "/sse" },
                "authMode": config.auth_mode.as_str(),
            }),
        ),
        "/metrics" => match observe::exposition::serve(&req, env, obs).await {
            Some(response) => response,
            None => not_found(&path),
        },
        _ if mcp_path::parse(&path).is_some() => {
            obs.set_transport(if path.starts_with("/sse") {
                Transport::Sse
            } else {
                Transport::StreamableHttp
            });
            let origin = own.map_or_else(|| own_origin(&req), Ok)?;
            let caller = match auth::authenticate(&req, env, config, &origin, &path).await {
                Ok(caller) => caller,
                Err(failure) => {
                    obs.set_auth_failure(failure.error);
                    return failure.into_response();
                }
            };
            obs.set_caller(&caller);
            let Some(mcp) = mcp_path::parse(&path) else {
                return not_found(&path);
            };
            let connection = match connection(&req, config, &mcp)? {
                Ok(connection) => connection,
                Err(response) => return Ok(response),
            };
            match mcp.endpoint {
                mcp_path::Endpoint::Mcp => {
                    transport::streamable::handle(req, env, config, caller, connection, obs).await
                }
                mcp_path::Endpoint::Sse => {
                    transport::legacy_sse::open(req, env, config, caller, connection, obs).await
                }
                mcp_path::Endpoint::SseMessage => {
                    transport::legacy_sse::message(req, env, config, caller, connection, obs).await
                }
            }
        }
        _ if config.auth_mode == AuthMode::Oauth => {
            let origin = own.map_or_else(|| own_origin(&req), Ok)?;
            match auth::oauth::route(req, env, config, origin, &path, obs).await {
                Some(response) => response,
                None => not_found(&path),
            }
        }
        _ => not_found(&path),
    }
}

/// What the URL and the `X-MCP-Toolsets`, `X-MCP-Tools` and `X-MCP-Lockdown` headers ask
/// of the connection, or the 400 that says why it cannot be had.
fn connection(
    req: &Request,
    config: &Config,
    path: &McpPath,
) -> worker::Result<Result<Connection, Response>> {
    let header = |name: &str| req.headers().get(name).ok().flatten();
    let (toolsets, tools, lockdown) = (
        header("x-mcp-toolsets"),
        header("x-mcp-tools"),
        header("x-mcp-lockdown"),
    );
    let asked = tools::selection::Asked {
        url_toolsets: path.toolsets.as_deref(),
        url_lockdown: path.lockdown,
        toolsets_header: toolsets.as_deref(),
        tools_header: tools.as_deref(),
        lockdown_header: lockdown.as_deref(),
    };
    let server = tools::server_for(config);
    match tools::selection::connection(&server, &asked) {
        Ok(connection) => Ok(Ok(connection)),
        Err(why) => Ok(Err(http::rpc_error(
            400,
            RpcError::invalid_request(format!("Bad Request: {why}.")),
        )?)),
    }
}

fn not_found(path: &str) -> worker::Result<Response> {
    http::json(
        404,
        &json!({
            "error": "not_found",
            "error_description": format!("Nothing is served at {path}. The MCP endpoints are /mcp (Streamable HTTP) and /sse (HTTP+SSE)."),
        }),
    )
}

/// Adds CORS headers; copies the headers first, since a response from a Durable Object
/// may have immutable ones.
fn with_cors(response: Response, origin: &str) -> worker::Result<Response> {
    let headers = Headers::new();
    for (name, value) in response.headers().entries() {
        headers.append(&name, &value)?;
    }
    http::add_cors(&headers, origin)?;
    let (builder, body) = response.into_parts();
    Ok(builder.with_headers(headers).body(body))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_missing_binding_is_not_worth_a_retry() {
        let missing = super::failure_message("Binding `MCP_SESSION` is undefined.");
        assert!(missing.contains("wrangler.toml") && !missing.contains("Try again"));
        let other = super::failure_message("Network connection lost.");
        assert!(other.contains("Try again"));
    }
}
