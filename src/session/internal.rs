//! The private protocol between the Worker and a session's Durable Object.
//!
//! The Worker authenticates every request and forwards it to the session's object with the
//! caller attached; the object never sees a request the Worker did not authenticate, and
//! it checks that the caller owns the session. The caller travels with each request, so a
//! refreshed GitHub credential reaches tools at once instead of being frozen in the object.

use worker::{Env, Headers, Method, RequestRedirect, Response};

use crate::ascii_header;
use crate::auth::caller::Caller;
use crate::observe::Observation;
use mcp_core::connection::Connection;

/// The Durable Object binding in `wrangler.toml`.
pub const BINDING: &str = "MCP_SESSION";

/// Header carrying the authenticated caller (JSON) from the Worker to the object. Every
/// value of this protocol is ASCII ([`ascii_header`]).
pub const CALLER_HEADER: &str = "x-mcpw-caller";
/// Header carrying the session id (the object's name).
pub const SESSION_HEADER: &str = "x-mcpw-session";
/// Header carrying what the request's URL and headers asked of the connection (JSON).
pub const CONNECTION_HEADER: &str = "x-mcpw-connection";

/// What the Worker asks a session's object to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Streamable HTTP: create the session from an `initialize` request.
    Initialize,
    /// Streamable HTTP: messages POSTed to `/mcp`.
    Message,
    /// Streamable HTTP: `GET /mcp`, the session's server-to-client stream.
    Listen,
    /// Streamable HTTP: `GET /mcp` with `Last-Event-ID` (sent as the body): the rest of a
    /// stream its client lost.
    Resume,
    /// Streamable HTTP: `DELETE /mcp`.
    End,
    /// HTTP+SSE: `GET /sse` opens the session and its stream.
    SseOpen,
    /// HTTP+SSE: `POST /sse/message`.
    SseMessage,
}

impl Op {
    fn path(self) -> &'static str {
        match self {
            Op::Initialize => "/initialize",
            Op::Message => "/message",
            Op::Listen => "/listen",
            Op::Resume => "/resume",
            Op::End => "/end",
            Op::SseOpen => "/sse-open",
            Op::SseMessage => "/sse-message",
        }
    }

    pub fn from_path(path: &str) -> Option<Op> {
        [
            Op::Initialize,
            Op::Message,
            Op::Listen,
            Op::Resume,
            Op::End,
            Op::SseOpen,
            Op::SseMessage,
        ]
        .into_iter()
        .find(|op| op.path() == path)
    }
}

/// Forwards an operation to the object named `session_id`. The object writes the
/// request's log line, so once it answers, the Worker's observation is handed off.
pub async fn forward(
    env: &Env,
    session_id: &str,
    op: Op,
    caller: &Caller,
    connection: &Connection,
    body: Option<Vec<u8>>,
    obs: &Observation,
) -> worker::Result<Response> {
    let headers = Headers::new();
    headers.set(CALLER_HEADER, &ascii_header::json(caller)?)?;
    obs.hand_off().write(&headers)?;
    headers.set(CONNECTION_HEADER, &ascii_header::json(connection)?)?;
    headers.set(SESSION_HEADER, session_id)?;
    let method = if body.is_some() {
        Method::Post
    } else {
        Method::Get
    };
    let body = body.map(|body| worker::js_sys::Uint8Array::from(body.as_slice()).into());
    let request = crate::github::fetch::outgoing(
        &format!("https://session{}", op.path()),
        method,
        &headers,
        body,
        RequestRedirect::Follow,
    )?;
    let stub = env.durable_object(BINDING)?.get_by_name(session_id)?;
    let response = stub.fetch_with_request(request).await?;
    obs.handed_off();
    Ok(response)
}
