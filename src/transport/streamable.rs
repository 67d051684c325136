//! Streamable HTTP on `/mcp`, for both eras on one endpoint.
//!
//! - Legacy (2025-03-26 to 2025-11-25): `initialize` mints a session, held by its own
//!   Durable Object; later requests carry `Mcp-Session-Id` and are forwarded to it.
//! - Modern (2026-07-28): each POST stands alone and is answered here, in the Worker.
//!
//! The era is chosen as the spec's dual-era rules say: a modern `MCP-Protocol-Version`
//! header or a `_meta` protocol version in the body means modern; anything else is legacy.

use futures_util::future::{AbortHandle, Abortable};
use serde_json::Value;
use worker::{Env, Method, Request, Response};

use super::disconnect::Disconnect;
use super::outbox::{self, Outbox, OutboxPeer, Outgoing};
use super::{body, dispatch, http};
use crate::auth::caller::Caller;
use crate::config::Config;
use crate::observe::record::Transport;
use crate::observe::Observation;
use crate::session::internal::{self, Op};
use crate::tasks::host::DoTaskHost;
use mcp_core::connection::Connection;
use mcp_core::jsonrpc::{self, Message, RpcError};
use mcp_core::modern;
use mcp_core::server::Declared;
use mcp_core::version::ProtocolVersion;

/// The largest POST body we read (1 MiB); larger ones get 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// The most messages one JSON-RPC batch may hold; a longer one gets 400 unread.
pub const MAX_BATCH_MESSAGES: usize = 100;

/// Serves `/mcp` (and its narrowed forms) for `caller`, with what the URL and headers
/// asked of the connection.
pub async fn handle(
    req: Request,
    env: &Env,
    config: &Config,
    caller: Caller,
    connection: Connection,
    obs: &Observation,
) -> worker::Result<Response> {
    let header_version = req.headers().get("mcp-protocol-version")?;
    let modern_header = header_version
        .as_deref()
        .and_then(ProtocolVersion::parse)
        .is_some_and(ProtocolVersion::is_modern);
    match req.method() {
        Method::Post => post(req, env, config, caller, connection, header_version, obs).await,
        Method::Get | Method::Delete if modern_header => http::method_not_allowed(
            "POST, OPTIONS",
            "Protocol 2026-07-28 is stateless: only POST is served on /mcp.".into(),
        ),
        Method::Get => {
            if !admits_event_stream(&req)? {
                return not_acceptable("GET /mcp opens an event stream; send Accept: text/event-stream.");
            }
            let session_id = required_session(&req, None)?;
            let last_event_id = req.headers().get("last-event-id")?;
            match session_id {
                Ok(id) => {
                    let (op, body) = match last_event_id {
                        Some(event) => (Op::Resume, Some(event.into_bytes())),
                        None => (Op::Listen, None),
                    };
                    internal::forward(env, &id, op, &caller, &connection, body, obs).await
                }
                Err(response) => Ok(response),
            }
        }
        Method::Delete => match required_session(&req, None)? {
            Ok(id) => {
                internal::forward(env, &id, Op::End, &caller, &connection, None, obs).await
            }
            Err(response) => Ok(response),
        },
        _ => http::method_not_allowed(
            "GET, POST, DELETE, OPTIONS",
            "/mcp takes POST (messages), GET (the session's event stream) and DELETE (end the session).".into(),
        ),
    }
}

async fn post(
    mut req: Request,
    env: &Env,
    config: &Config,
    caller: Caller,
    connection: Connection,
    header_version: Option<String>,
    obs: &Observation,
) -> worker::Result<Response> {
    if let Some(response) = check_json_post(&req)? {
        return Ok(response);
    }
    if !(accepts(&req, "application/json")? && accepts(&req, "text/event-stream")?) {
        return not_acceptable(
            "POST /mcp answers with JSON or an event stream; send Accept: application/json, text/event-stream.",
        );
    }
    let body = match read_body(&mut req).await? {
        Ok(body) => body,
        Err(response) => return Ok(response),
    };
    let value: Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(e) => {
            return http::rpc_error(
                400,
                RpcError::new(
                    jsonrpc::codes::PARSE_ERROR,
                    format!("Parse error: the body is not JSON ({e})."),
                ),
            )
        }
    };
    if let Some(response) = too_long_batch(&value)? {
        return Ok(response);
    }
    if let Err(refused) = crate::limits::check_requests(env, config, &caller.subject, &value).await
    {
        return http::limited(obs, config, &refused, single_id(&value));
    }
    if modern::is_modern(header_version.as_deref(), &value) {
        obs.set_transport(Transport::Stateless);
        return modern_post(env, &req, &value, config, caller, connection, obs).await;
    }
    if let Some(version) = &header_version {
        if ProtocolVersion::parse(version).is_none() {
            return http::rpc_error_for(
                400,
                single_id(&value),
                RpcError::invalid_request(format!(
                    "Unsupported MCP-Protocol-Version '{}'. Supported: {}.",
                    jsonrpc::echoed(version),
                    ProtocolVersion::all_newest_first().join(", ")
                )),
            );
        }
    }
    let is_initialize = value.get("method").and_then(Value::as_str) == Some("initialize");
    let session_header = req.headers().get("mcp-session-id")?;
    if is_initialize {
        if session_header.is_some() {
            return http::rpc_error_for(
                400,
                single_id(&value),
                RpcError::invalid_request(
                    "initialize starts a new session, so it must not carry Mcp-Session-Id.",
                ),
            );
        }
        if let Err(refused) =
            crate::limits::check_session_start(env, config, &caller.subject, Some("initialize"))
                .await
        {
            return http::limited(obs, config, &refused, single_id(&value));
        }
        let session_id = crate::random::session_id();
        return internal::forward(
            env,
            &session_id,
            Op::Initialize,
            &caller,
            &connection,
            Some(body),
            obs,
        )
        .await;
    }
    match required_session(&req, single_id(&value))? {
        Ok(id) => {
            internal::forward(env, &id, Op::Message, &caller, &connection, Some(body), obs).await
        }
        Err(response) => Ok(response),
    }
}

/// 2026-07-28: one request, answered here with no session.
async fn modern_post(
    env: &Env,
    req: &Request,
    value: &Value,
    config: &Config,
    caller: Caller,
    connection: Connection,
    obs: &Observation,
) -> worker::Result<Response> {
    let request =
        match jsonrpc::message_from_value(value) {
            Ok(Message::Request(request)) => request,
            Ok(Message::Notification(notification)) => {
                obs.set_method(&notification.method);
                return http::accepted();
            }
            Ok(Message::Reply(_)) => return http::rpc_error(
                400,
                RpcError::invalid_request(
                    "Protocol 2026-07-28 clients send no responses: the server sends no requests.",
                ),
            ),
            Err(_) if value.is_array() => {
                return http::rpc_error(
                    400,
                    RpcError::invalid_request(
                        "Protocol 2026-07-28 takes one message per POST, not a batch.",
                    ),
                );
            }
            Err(error) => return http::json(400, &error.to_json()),
        };
    let headers = req.headers().clone();
    let header = move |name: &str| headers.get(name).ok().flatten();
    let server = crate::tools::server_for(config);
    obs.set_request(&request, |name| server.has_tool(name));
    let declared = match modern::check(&request, &header) {
        Ok(declared) => Declared {
            connection: connection.clone(),
            ..declared
        },
        Err(rejection) => {
            let response = jsonrpc::Response::error(Some(request.id), rejection.error);
            obs.set_response(&response);
            return http::json(rejection.status, &response.to_json());
        }
    };
    obs.set_protocol(declared.version);
    if request.method == "tools/call" {
        if let Err(rejection) = mcp_core::param_headers::check(&server, &request, &header) {
            let response = jsonrpc::Response::error(Some(request.id), rejection.error);
            obs.set_response(&response);
            return http::json(rejection.status, &response.to_json());
        }
    }
    if request.method == "subscriptions/listen" {
        let listener = super::listen::Listener {
            env,
            config,
            credential: super::listen::Credential::of(req, &caller)?,
            caller,
            obs,
        };
        return super::listen::serve(listener, server, request, declared).await;
    }
    if request.method == "server/discover" {
        let discovered = modern::discover(&server, &connection);
        let result = modern::decorate(&request.method, discovered, &server, &connection);
        return http::json(
            200,
            &jsonrpc::Response::result(request.id, result).to_json(),
        );
    }
    let (outbox, receiver) = Outbox::new();
    let config = config.clone();
    let env = env.clone();
    let task_outbox = outbox.clone();
    let (abort, registration) = AbortHandle::new_pair();
    let disconnect = Disconnect::watch(req, obs, abort);
    let obs = obs.clone();
    let work = async move {
        let peer = OutboxPeer {
            outbox: task_outbox.clone(),
            replies: Err(outbox::NO_REQUESTS_IN_THIS_REVISION),
            resumable: false,
        };
        let tasks = DoTaskHost {
            env: &env,
            caller: &caller,
            ttl_ms: config.task_ttl_ms,
            lockdown: declared.connection.lockdown,
        };
        let handled = dispatch::run(
            &server,
            &config,
            &request,
            &caller,
            declared,
            &peer,
            Some(&tasks),
            &obs,
        )
        .await;
        let mut response = handled.response;
        if let Ok(result) = response.outcome {
            response.outcome = Ok(modern::decorate(
                &request.method,
                result,
                &server,
                &connection,
            ));
        }
        obs.set_response(&response);
        if !task_outbox.send(Outgoing::Final(response)) {
            // The response stream is gone: the client closed it, which is its cancellation.
            obs.set_cancelled();
        }
    };
    let gone_outbox = outbox.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let _watching = disconnect;
        if Abortable::new(work, registration).await.is_err() {
            // The client went away (`Disconnect`): its work was dropped, and it gets no answer.
            gone_outbox.send(Outgoing::Cancelled);
        }
    });
    let status_of = |response: &jsonrpc::Response| match &response.outcome {
        Ok(_) => 200,
        Err(error) => modern::status_for(error),
    };
    outbox::respond(receiver, outbox, 1, false, status_of, &outbox::stream_once).await
}

/// The id of a single JSON-RPC request, for an error that answers it.
fn single_id(value: &Value) -> Option<jsonrpc::RequestId> {
    value.get("id").and_then(jsonrpc::RequestId::from_value)
}

/// The session id the request names; else the refusal, answering `id` (the request's, when
/// the body is one request).
fn required_session(
    req: &Request,
    id: Option<jsonrpc::RequestId>,
) -> worker::Result<Result<String, Response>> {
    match req.headers().get("mcp-session-id")? {
        Some(session) if crate::random::is_session_id(&session) => Ok(Ok(session)),
        Some(_) => Ok(Err(http::rpc_error_for(404, id, RpcError::new(
            jsonrpc::codes::SESSION_NOT_FOUND,
            "Session not found: that is not a session id this server issued. Start a new session with initialize.",
        ))?)),
        None => Ok(Err(http::rpc_error_for(400, id, RpcError::invalid_request(
            "Bad Request: the Mcp-Session-Id header is required. Send initialize first and repeat the Mcp-Session-Id it returns.",
        ))?)),
    }
}

/// True when a GET may be answered with an event stream: its Accept admits one, or it has
/// no Accept at all, which admits any type (RFC 9110, 12.5.1). agents' MCP client (the
/// Workers AI Playground) sends none on its GETs when it is given headers of its own.
pub fn admits_event_stream(req: &Request) -> worker::Result<bool> {
    Ok(match req.headers().get("accept")? {
        None => true,
        Some(accept) => accept_admits(&accept, "text/event-stream"),
    })
}

/// True when the request's `Accept` admits `media_type` (a POST's, which must name it).
fn accepts(req: &Request, media_type: &str) -> worker::Result<bool> {
    let accept = req.headers().get("accept")?.unwrap_or_default();
    Ok(accept_admits(&accept, media_type))
}

/// True when `accept` admits `media_type` (RFC 9110, 12.5.1): the most specific range that
/// matches it (the type itself, then `family/*`, then `*/*`) decides, and `q=0` on it
/// refuses (`application/json;q=0, text/event-stream` admits no JSON).
fn accept_admits(accept: &str, media_type: &str) -> bool {
    let family = media_type.split_once('/').map_or(media_type, |(f, _)| f);
    let mut best: Option<(u8, bool)> = None; // (how specific, admitted)
    for part in accept.split(',') {
        let mut params = part.split(';');
        let range = params.next().unwrap_or_default().trim();
        let specific = if range.eq_ignore_ascii_case(media_type) {
            3
        } else if range
            .split_once('/')
            .is_some_and(|(f, sub)| sub == "*" && f.eq_ignore_ascii_case(family))
        {
            2
        } else if range == "*/*" {
            1
        } else {
            continue;
        };
        let refused = params.any(|param| {
            let (name, value) = param.split_once('=').unwrap_or((param, ""));
            let value = value.trim();
            name.trim().eq_ignore_ascii_case("q")
                && value.starts_with('0')
                && value.bytes().all(|b| b == b'0' || b == b'.')
        });
        if best.is_none_or(|(most, _)| specific > most) {
            best = Some((specific, !refused));
        }
    }
    best.is_some_and(|(_, admitted)| admitted)
}

fn not_acceptable(message: &str) -> worker::Result<Response> {
    http::rpc_error(
        406,
        RpcError::invalid_request(format!("Not Acceptable: {message}")),
    )
}

/// Content-Type must be JSON.
pub fn check_json_post(req: &Request) -> worker::Result<Option<Response>> {
    let content_type = req.headers().get("content-type")?.unwrap_or_default();
    // The media type itself, without parameters (`; charset=utf-8`): exactly JSON, not
    // another type that starts the same (`application/jsonpatch`).
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    if !media_type.eq_ignore_ascii_case("application/json") {
        return Ok(Some(http::rpc_error(415, RpcError::invalid_request(
            "Unsupported Media Type: send the JSON-RPC message with Content-Type: application/json.",
        ))?));
    }
    Ok(None)
}

/// Reads the body, refusing it past [`MAX_BODY_BYTES`] (declared or actual) while reading.
pub async fn read_body(req: &mut Request) -> worker::Result<Result<Vec<u8>, Response>> {
    match body::read_limited(req, MAX_BODY_BYTES).await? {
        Ok(body) => Ok(Ok(body::without_bom(body))),
        Err(body::Unread::TooLarge { .. }) => Ok(Err(too_large()?)),
        Err(body::Unread::Broken) => Ok(Err(http::rpc_error(
            400,
            RpcError::new(
                jsonrpc::codes::PARSE_ERROR,
                "Parse error: the body broke off before it was complete. Send the whole message again.",
            ),
        )?)),
    }
}

/// The 400 for a batch of more than [`MAX_BATCH_MESSAGES`] messages, if `value` is one.
pub fn too_long_batch(value: &Value) -> worker::Result<Option<Response>> {
    match value.as_array() {
        Some(batch) if batch.len() > MAX_BATCH_MESSAGES => Ok(Some(http::rpc_error(
            400,
            RpcError::invalid_request(format!(
                "This batch holds {} messages; a batch may hold at most {MAX_BATCH_MESSAGES}. Send the rest in further POSTs.",
                batch.len()
            )),
        )?)),
        _ => Ok(None),
    }
}

fn too_large() -> worker::Result<Response> {
    http::rpc_error(
        413,
        RpcError::invalid_request(format!(
            "Payload Too Large: a message may be at most {MAX_BODY_BYTES} bytes."
        )),
    )
}

#[cfg(test)]
mod tests {
    use super::accept_admits;

    #[test]
    fn the_most_specific_range_decides_and_q_0_refuses() {
        let both = "application/json, text/event-stream";
        assert!(accept_admits(both, "application/json"));
        assert!(accept_admits(both, "text/event-stream"));
        assert!(accept_admits("*/*", "text/event-stream"));
        assert!(accept_admits("Text/*;q=0.5", "text/event-stream"));
        assert!(!accept_admits("application/*", "text/event-stream"));
        assert!(!accept_admits("", "application/json"));
        for refused in ["q=0", "q=0.0", "q=0.000", " Q = 0 "] {
            let accept = format!("application/json;{refused}, text/event-stream");
            assert!(!accept_admits(&accept, "application/json"), "{accept}");
            assert!(accept_admits(&accept, "text/event-stream"), "{accept}");
        }
        assert!(!accept_admits("*/*;q=0", "application/json"));
        assert!(accept_admits(
            "application/json;q=0.001",
            "application/json"
        ));
        assert!(accept_admits(
            "*/*;q=0, application/json",
            "application/json"
        ));
        assert!(!accept_admits(
            "text/event-stream;q=0, */*",
            "text/event-stream"
        ));
    }
}
