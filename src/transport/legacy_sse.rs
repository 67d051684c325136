//! HTTP+SSE (protocol 2024-11-05): `GET /sse` opens a session and its event stream, whose
//! first event names the URL to POST messages to; responses travel on the stream.
//!
//! `POST /sse` is refused with 405, which tells dual-transport clients such as mcp-remote
//! that this URL is not Streamable HTTP, so they fall back to `GET /sse`.

use worker::{Env, Method, Request, Response};

use super::http;
use super::streamable::{admits_event_stream, check_json_post, read_body, too_long_batch};
use crate::auth::caller::Caller;
use crate::config::Config;
use crate::observe::Observation;
use crate::session::internal::{self, Op};
use mcp_core::connection::Connection;
use mcp_core::jsonrpc::{codes, RequestId, RpcError};

/// `/sse` (and its narrowed forms): GET opens the stream, and the session keeps
/// `connection`.
pub async fn open(
    req: Request,
    env: &Env,
    config: &Config,
    caller: Caller,
    connection: Connection,
    obs: &Observation,
) -> worker::Result<Response> {
    match req.method() {
        Method::Get => {
            if !admits_event_stream(&req)? {
                return http::rpc_error(406, RpcError::invalid_request(
                    "Not Acceptable: GET /sse opens an event stream; send Accept: text/event-stream.",
                ));
            }
            if let Err(refused) =
                crate::limits::check_session_start(env, config, &caller.subject, None).await
            {
                return http::limited(obs, config, &refused, None);
            }
            let session_id = crate::random::session_id();
            internal::forward(
                env,
                &session_id,
                Op::SseOpen,
                &caller,
                &connection,
                None,
                obs,
            )
            .await
        }
        _ => http::method_not_allowed(
            "GET, OPTIONS",
            "/sse is the HTTP+SSE transport (2024-11-05): open the stream with GET /sse. For Streamable HTTP, use /mcp.".into(),
        ),
    }
}

/// `/sse/message?sessionId=…`: POST one message into the session (which offers what it
/// was opened with; `connection` can only add lockdown).
pub async fn message(
    mut req: Request,
    env: &Env,
    config: &Config,
    caller: Caller,
    connection: Connection,
    obs: &Observation,
) -> worker::Result<Response> {
    if req.method() != Method::Post {
        return http::method_not_allowed("POST, OPTIONS", "/sse/message takes POST.".into());
    }
    let url = req.url()?;
    let session_id = url
        .query_pairs()
        .find(|(k, _)| k == "sessionId")
        .map(|(_, v)| v.into_owned());
    let Some(session_id) = session_id else {
        return http::rpc_error(400, RpcError::invalid_request(
            "Bad Request: the sessionId query parameter is missing. POST to the URL given by the endpoint event of GET /sse.",
        ));
    };
    if !crate::random::is_session_id(&session_id) {
        return http::rpc_error(404, RpcError::new(
            codes::SESSION_NOT_FOUND,
            "Session not found: that is not a session id this server issued. Open a new session with GET /sse.",
        ));
    }
    if let Some(response) = check_json_post(&req)? {
        return Ok(response);
    }
    let body = match read_body(&mut req).await? {
        Ok(body) => body,
        Err(response) => return Ok(response),
    };
    // The stream cannot carry a refusal before the object has the message, so the POST
    // itself is refused: 429 with Retry-After, the JSON-RPC error in its body. The body is
    // counted as the object will read it (parsed, never by searching its bytes); one that
    // does not parse is the object's to answer, on the stream.
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&body) {
        if let Some(response) = too_long_batch(&value)? {
            return Ok(response);
        }
        if let Err(refused) =
            crate::limits::check_requests(env, config, &caller.subject, &value).await
        {
            let id = value.get("id").and_then(RequestId::from_value);
            return http::limited(obs, config, &refused, id);
        }
    }
    internal::forward(
        env,
        &session_id,
        Op::SseMessage,
        &caller,
        &connection,
        Some(body),
        obs,
    )
    .await
}
