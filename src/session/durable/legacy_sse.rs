//! HTTP+SSE (2024-11-05) inside a session's object: `GET /sse` creates the session and its
//! stream, and each `POST /sse/message` is run with everything it causes sent on that stream.

use futures_util::StreamExt;
use worker::{Request, Response};

use super::{
    declared_for, frames_of, oversized_capabilities, parsed, record_initialize, McpSession,
};
use crate::auth::caller::Caller;
use crate::now_ms;
use crate::observe::Observation;
use crate::session::state::{SessionState, SessionTransport};
use crate::transport::outbox::{self, Outbox, Outgoing, STREAM_BACKLOG_BYTES};
use crate::transport::{http, sse};
use mcp_core::connection::Connection;
use mcp_core::jsonrpc::{self, codes, Incoming, Message, RpcError};

impl McpSession {
    /// HTTP+SSE: `GET /sse` creates the session and returns its stream, which opens with
    /// the `endpoint` event naming where to POST.
    pub(super) async fn open_sse(
        &self,
        caller: Caller,
        session_id: &str,
        connection: Connection,
    ) -> worker::Result<Response> {
        if self.stored(&self.state.storage()).await?.is_some() {
            return http::rpc_error(409, RpcError::invalid_request("session id already in use"));
        }
        let mut session = SessionState::new(SessionTransport::LegacySse, caller, now_ms());
        session.connection = connection;
        self.create(session).await?;
        let (outbox, receiver) = Outbox::stream();
        self.live.sse_stream.borrow_mut().replace(outbox.clone());
        outbox::keep_alive(outbox);
        let endpoint = sse::event("endpoint", &format!("/sse/message?sessionId={session_id}"));
        outbox::event_stream(futures_util::stream::iter([endpoint]).chain(frames_of(receiver)))
    }

    /// HTTP+SSE: a POSTed message; everything it causes goes out on the session's stream.
    pub(super) async fn sse_message(
        &self,
        mut req: Request,
        caller: Caller,
        session: SessionState,
        obs: &Observation,
        connection: Connection,
    ) -> worker::Result<Response> {
        let stream = self
            .live
            .sse_stream
            .borrow()
            .clone()
            .filter(|s| !s.is_closed());
        if let Some(stream) = stream
            .as_ref()
            .filter(|s| s.unread_bytes() > STREAM_BACKLOG_BYTES)
        {
            let error = RpcError::new(
                http::RATE_LIMITED,
                format!(
                    "This session's event stream holds {} bytes its client has not read yet. Read the stream, then send this again.",
                    stream.unread_bytes()
                ),
            )
            .with_data(serde_json::json!({ "retryAfter": 1 }));
            return http::too_many(None, error, 1);
        }
        let Some(stream) = stream else {
            return http::rpc_error(
                404,
                RpcError::new(
                    codes::SESSION_NOT_FOUND,
                    "This session's event stream is closed. Open a new session with GET /sse.",
                ),
            );
        };
        let body = req.bytes().await?;
        let message = match jsonrpc::parse(&body) {
            Ok(Incoming::Single(message)) => message,
            Ok(Incoming::Batch(_)) => {
                return http::rpc_error(
                    400,
                    RpcError::invalid_request(
                        "batches are not part of the HTTP+SSE transport; send one message per POST",
                    ),
                );
            }
            Err(error) => return http::json(400, &error.to_json()),
        };
        let config = crate::config(&self.env);
        let server = crate::tools::server_for(parsed(&config)?);
        match &message {
            Message::Request(request) => obs.set_request(request, |name| server.has_tool(name)),
            Message::Notification(notification) => obs.set_method(&notification.method),
            Message::Reply(_) => {}
        }
        match message {
            Message::Request(request) if request.method == "initialize" => {
                let answer = if session.version.is_some() {
                    jsonrpc::Response::error(
                        Some(request.id.clone()),
                        RpcError::invalid_request("this session is already initialized"),
                    )
                } else if let Some(error) = oversized_capabilities(&request) {
                    jsonrpc::Response::error(Some(request.id.clone()), error)
                } else {
                    match server.initialize(&request, &session.connection) {
                        Ok((version, result)) => {
                            obs.set_protocol(version);
                            let mut session = session;
                            record_initialize(&mut session, version, &request);
                            self.save(session).await?;
                            jsonrpc::Response::result(request.id.clone(), result)
                        }
                        Err(error) => jsonrpc::Response::error(Some(request.id.clone()), error),
                    }
                };
                obs.set_response(&answer);
                stream.send(Outgoing::Final(answer));
            }
            Message::Request(request) if session.version.is_none() => {
                let error = RpcError::invalid_request(
                    "send initialize first: this session is not initialized",
                );
                let answer = jsonrpc::Response::error(Some(request.id), error);
                obs.set_response(&answer);
                stream.send(Outgoing::Final(answer));
            }
            Message::Request(request) => {
                let declared = declared_for(&session, &connection);
                self.spawn_request(request, caller, declared, stream, obs.clone())
            }
            Message::Notification(notification) => self.notified(notification).await?,
            Message::Reply(reply) => {
                self.live
                    .replies
                    .resolve(&reply.id.to_string(), reply.outcome);
            }
        }
        http::accepted()
    }
}
