//! Building HTTP responses: JSON bodies, JSON-RPC errors with the right status, and the
//! CORS headers every response carries.

use serde_json::Value;
use worker::{Headers, Response};

use crate::mcp::jsonrpc::{self, RpcError};

/// Request headers a browser client may send.
pub const CORS_ALLOW_HEADERS: &str = "Content-Type, Accept, Authorization, Mcp-Session-Id, MCP-Protocol-Version, Mcp-Method, Mcp-Name, Last-Event-ID";
/// Response headers a browser client may read.
pub const CORS_EXPOSE_HEADERS: &str = "Mcp-Session-Id, MCP-Protocol-Version, WWW-Authenticate";
pub const CORS_ALLOW_METHODS: &str = "GET, POST, DELETE, OPTIONS";

/// A response whose body is already-serialized JSON.
pub fn json_text(status: u16, body: String) -> worker::Result<Response> {
    let mut response = Response::ok(body)?.with_status(status);
    response
        .headers_mut()
        .set("content-type", "application/json")?;
    Ok(response)
}

pub fn json(status: u16, body: &Value) -> worker::Result<Response> {
    json_text(status, body.to_string())
}

/// A JSON-RPC error that belongs to no readable request (so it carries no id).
pub fn rpc_error(status: u16, error: RpcError) -> worker::Result<Response> {
    rpc_error_for(status, None, error)
}

/// A JSON-RPC error answering the request with `id`.
pub fn rpc_error_for(
    status: u16,
    id: Option<jsonrpc::RequestId>,
    error: RpcError,
) -> worker::Result<Response> {
    json(status, &jsonrpc::Response::error(id, error).to_json())
}

/// 202 Accepted with no body: notifications and replies were taken.
pub fn accepted() -> worker::Result<Response> {
    Ok(Response::empty()?.with_status(202))
}

/// 405 with the methods the path does take.
pub fn method_not_allowed(allow: &str, message: String) -> worker::Result<Response> {
    let mut response = rpc_error(405, RpcError::invalid_request(message))?;
    response.headers_mut().set("allow", allow)?;
    Ok(response)
}

/// Adds the CORS headers for an allowed `origin` (reflected, never `*`).
pub fn add_cors(headers: &Headers, origin: &str) -> worker::Result<()> {
    headers.set("access-control-allow-origin", origin)?;
    headers.append("vary", "Origin")?;
    headers.set("access-control-expose-headers", CORS_EXPOSE_HEADERS)?;
    Ok(())
}

/// The answer to a CORS preflight from an allowed origin.
pub fn preflight(origin: &str) -> worker::Result<Response> {
    let mut response = Response::empty()?.with_status(204);
    let headers = response.headers_mut();
    add_cors(headers, origin)?;
    headers.set("access-control-allow-methods", CORS_ALLOW_METHODS)?;
    headers.set("access-control-allow-headers", CORS_ALLOW_HEADERS)?;
    headers.set("access-control-max-age", "86400")?;
    Ok(response)
}
