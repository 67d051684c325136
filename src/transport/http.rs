//! Building HTTP responses: JSON bodies, JSON-RPC errors with the right status, and the
//! CORS headers every response carries.

use serde_json::Value;
use worker::{Headers, Response};

use mcp_core::jsonrpc::{self, RpcError};

/// Request headers a browser client may send, besides any it asks for in a preflight.
pub const CORS_ALLOW_HEADERS: &str = "Content-Type, Accept, Authorization, Mcp-Session-Id, MCP-Protocol-Version, Mcp-Method, Mcp-Name, Last-Event-ID, X-MCP-Toolsets, X-MCP-Tools, X-MCP-Lockdown";
/// Response headers a browser client may read.
pub const CORS_EXPOSE_HEADERS: &str =
    "Mcp-Session-Id, MCP-Protocol-Version, WWW-Authenticate, Retry-After";
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

/// 429 for a tool call over the caller's rate limit: `Retry-After`, and a JSON-RPC error
/// ([`RATE_LIMITED`], with `retryAfter` and the limit in `data`) that says when to try again.
pub fn rate_limited(
    refused: &crate::limits::Refused,
    id: Option<jsonrpc::RequestId>,
) -> worker::Result<Response> {
    let seconds = refused.retry_after.0;
    let error = RpcError::new(RATE_LIMITED, refused.message()).with_data(serde_json::json!({
        "retryAfter": seconds,
        "limit": refused.limit.binding(),
    }));
    too_many(id, error, seconds)
}

/// 429 answering `id` with `error`, and `Retry-After: seconds`.
pub fn too_many(
    id: Option<jsonrpc::RequestId>,
    error: RpcError,
    seconds: u32,
) -> worker::Result<Response> {
    let mut response = rpc_error_for(429, id, error)?;
    response
        .headers_mut()
        .set("retry-after", &seconds.to_string())?;
    Ok(response)
}

/// Records a rate-limit refusal in the request's observation (naming the tool if it is one
/// of ours) and answers it with [`rate_limited`].
pub fn limited(
    obs: &crate::observe::Observation,
    config: &crate::config::Config,
    refused: &crate::limits::Refused,
    id: Option<jsonrpc::RequestId>,
) -> worker::Result<Response> {
    let known = refused
        .tool
        .as_deref()
        .filter(|tool| crate::tools::server_for(config).has_tool(tool));
    obs.set_limited(refused.limit.binding(), refused.method, known);
    rate_limited(refused, id)
}

/// The JSON-RPC code of a rate-limit refusal: an application's own code, so outside
/// -32768..-32000 (2026-07-28: -32000 to -32019 is a legacy range new code SHOULD NOT use,
/// and -32020 to -32099 is the specification's); 429 as in the HTTP status it comes with.
pub const RATE_LIMITED: i32 = -31429;

/// Adds the CORS headers for an allowed `origin` (reflected, never `*`).
pub fn add_cors(headers: &Headers, origin: &str) -> worker::Result<()> {
    headers.set("access-control-allow-origin", origin)?;
    headers.append("vary", "Origin")?;
    headers.set("access-control-expose-headers", CORS_EXPOSE_HEADERS)?;
    Ok(())
}

/// The answer to a CORS preflight from an allowed origin. Headers the browser asks for
/// (`Access-Control-Request-Headers`) are allowed too when they are plain header names:
/// nothing here is authenticated by cookies, and tools may declare `Mcp-Param-*` headers.
pub fn preflight(origin: &str, requested_headers: Option<&str>) -> worker::Result<Response> {
    let mut response = Response::empty()?.with_status(204);
    let headers = response.headers_mut();
    add_cors(headers, origin)?;
    headers.set("access-control-allow-methods", CORS_ALLOW_METHODS)?;
    headers.set(
        "access-control-allow-headers",
        &allowed_headers(requested_headers),
    )?;
    headers.set("access-control-max-age", "86400")?;
    Ok(response)
}

/// Our own list, plus the requested header names that are valid HTTP tokens.
pub fn allowed_headers(requested: Option<&str>) -> String {
    let mut allowed = CORS_ALLOW_HEADERS.to_string();
    for name in requested.unwrap_or_default().split(',').map(str::trim) {
        let token = !name.is_empty()
            && name.len() <= 64
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.!#$%&'*+^`|~".contains(&b));
        let known = CORS_ALLOW_HEADERS
            .split(", ")
            .any(|h| h.eq_ignore_ascii_case(name));
        if token && !known && allowed.len() < 2048 {
            allowed.push_str(", ");
            allowed.push_str(name);
        }
    }
    allowed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preflights_allow_requested_header_names_but_nothing_else() {
        let allowed = allowed_headers(Some("mcp-param-owner, x-mcp-toolsets, authorization"));
        assert!(
            allowed.ends_with("X-MCP-Lockdown, mcp-param-owner"),
            "{allowed}"
        );
        assert_eq!(
            allowed_headers(Some("bad header, a\r\nb: c, \u{e9}")),
            CORS_ALLOW_HEADERS
        );
        assert_eq!(allowed_headers(None), CORS_ALLOW_HEADERS);
    }
}
