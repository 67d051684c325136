//! The 2026-07-28 (modern, stateless) era: how a request is recognised, the checks every
//! request must pass before dispatch, `server/discover`, and the fields every result gets.
//!
//! A modern request stands alone: its revision and the client's capabilities come in
//! `params._meta`, and its HTTP headers must agree with its body.

use serde_json::{json, Map, Value};

use super::connection::Connection;
use super::context::App;
use super::exchange::LogLevel;
use super::jsonrpc::{codes, echoed, Request, RpcError};
use super::server::{Declared, Server};
use super::version::ProtocolVersion;

pub const META_PROTOCOL_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
pub const META_CLIENT_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
pub const META_LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";
pub const META_SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";

/// How long a client may cache our lists and discovery answer.
pub const CACHE_TTL_MS: u64 = 60_000;

/// Methods whose results are cacheable and so carry `ttlMs` and `cacheScope`.
const CACHEABLE: [&str; 6] = [
    "server/discover",
    "tools/list",
    "prompts/list",
    "resources/list",
    "resources/templates/list",
    "resources/read",
];

/// Methods whose `Mcp-Name` header must match a body field, and which field.
fn name_field(method: &str) -> Option<&'static str> {
    match method {
        "tools/call" | "prompts/get" => Some("name"),
        "resources/read" => Some("uri"),
        // The Tasks extension: "the client MUST set the Mcp-Name header to the value of
        // params.taskId".
        "tasks/get" | "tasks/update" | "tasks/cancel" => Some("taskId"),
        _ => None,
    }
}

/// The protocol version a modern request declares in `_meta`, if it declares one.
pub fn declared_version(message: &Value) -> Option<&str> {
    message
        .get("params")?
        .get("_meta")?
        .get(META_PROTOCOL_VERSION)?
        .as_str()
}

/// True when a POST belongs to the modern era: its `MCP-Protocol-Version` header names a
/// modern revision, or its body declares a version in `_meta`.
pub fn is_modern(header_version: Option<&str>, message: &Value) -> bool {
    header_version
        .and_then(ProtocolVersion::parse)
        .is_some_and(ProtocolVersion::is_modern)
        || declared_version(message).is_some()
}

/// A refusal: the HTTP status and the JSON-RPC error.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub status: u16,
    pub error: RpcError,
}

fn reject(status: u16, code: i32, message: String) -> Rejection {
    Rejection {
        status,
        error: RpcError::new(code, message),
    }
}

/// Checks a modern request before dispatch. `header` returns a request header by name.
pub fn check(
    request: &Request,
    header: &dyn Fn(&str) -> Option<String>,
) -> Result<Declared, Rejection> {
    let meta = request
        .params
        .as_ref()
        .and_then(|p| p.get("_meta"))
        .and_then(Value::as_object);
    let empty = Map::new();
    let meta = meta.unwrap_or(&empty);
    // The order matters and follows the spec: required keys, then header agreement, then
    // whether we speak the version, then the other headers.
    let requested = meta.get(META_PROTOCOL_VERSION).and_then(Value::as_str);
    let capabilities = meta.get(META_CLIENT_CAPABILITIES).filter(|c| c.is_object());
    let (Some(requested), Some(capabilities)) = (requested, capabilities) else {
        let missing = if requested.is_none() {
            META_PROTOCOL_VERSION
        } else {
            META_CLIENT_CAPABILITIES
        };
        return Err(reject(
            400,
            codes::INVALID_PARAMS,
            format!("Invalid params: params._meta[\"{missing}\"] is required in protocol 2026-07-28 (protocolVersion is a string, clientCapabilities an object)"),
        ));
    };
    match header("mcp-protocol-version") {
        Some(v) if v == requested => {}
        Some(v) => {
            return Err(reject(
                400,
                codes::HEADER_MISMATCH,
                format!(
                    "the MCP-Protocol-Version header ({}) differs from params._meta ({})",
                    echoed(&v),
                    echoed(requested)
                ),
            ))
        }
        None => {
            return Err(reject(
                400,
                codes::HEADER_MISMATCH,
                format!(
                    "the MCP-Protocol-Version header is required and must be {}",
                    echoed(requested)
                ),
            ))
        }
    }
    let Some(version) = ProtocolVersion::parse(requested).filter(|v| v.is_modern()) else {
        let supported: Vec<&str> = ProtocolVersion::modern()
            .iter()
            .map(|v| v.as_str())
            .collect();
        return Err(Rejection {
            status: 400,
            error: RpcError::new(
                codes::UNSUPPORTED_PROTOCOL_VERSION,
                format!("Unsupported protocol version {}: without a session this endpoint speaks {}; older revisions start with initialize", echoed(requested), supported.join(", ")),
            )
            .with_data(json!({ "supported": supported, "requested": echoed(requested) })),
        });
    };
    check_method_headers(request, header)?;
    let log_level = match meta.get(META_LOG_LEVEL) {
        None | Some(Value::Null) => None,
        Some(level) => Some(level.as_str().and_then(LogLevel::parse).ok_or_else(|| {
            reject(
                400,
                codes::INVALID_PARAMS,
                format!("params._meta[\"{META_LOG_LEVEL}\"] is not a log level"),
            )
        })?),
    };
    Ok(Declared {
        version,
        client_capabilities: capabilities.clone(),
        log_level,
        connection: Connection::default(),
    })
}

/// `Mcp-Method`, and for named requests `Mcp-Name`, must repeat the body.
fn check_method_headers(
    request: &Request,
    header: &dyn Fn(&str) -> Option<String>,
) -> Result<(), Rejection> {
    let mismatch = |what: String| reject(400, codes::HEADER_MISMATCH, what);
    match header("mcp-method").map(|v| decode_header_value(&v)) {
        Some(Some(m)) if m == request.method => {}
        Some(Some(m)) => {
            return Err(mismatch(format!(
                "the Mcp-Method header ({}) differs from the method ({})",
                echoed(&m),
                echoed(&request.method)
            )))
        }
        Some(None) => {
            return Err(mismatch(
                "the Mcp-Method header is not a valid value".into(),
            ))
        }
        None => {
            return Err(mismatch(format!(
                "the Mcp-Method header is required and must be {}",
                echoed(&request.method)
            )))
        }
    }
    if let Some(field) = name_field(&request.method) {
        let expected = request
            .params
            .as_ref()
            .and_then(|p| p.get(field))
            .and_then(Value::as_str)
            .unwrap_or_default();
        match header("mcp-name").map(|v| decode_header_value(&v)) {
            Some(Some(n)) if n == expected => {}
            Some(Some(n)) => {
                return Err(mismatch(format!(
                    "the Mcp-Name header ({}) differs from params.{field} ({})",
                    echoed(&n),
                    echoed(expected)
                )))
            }
            Some(None) => return Err(mismatch("the Mcp-Name header is not a valid value".into())),
            None => {
                return Err(mismatch(format!(
                    "the Mcp-Name header is required for {} and must be params.{field}",
                    echoed(&request.method)
                )))
            }
        }
    }
    Ok(())
}

/// Decodes a header value: plain visible ASCII, or `=?base64?…?=` for anything else.
pub fn decode_header_value(value: &str) -> Option<String> {
    use base64::Engine;
    if let Some(encoded) = value
        .strip_prefix("=?base64?")
        .and_then(|v| v.strip_suffix("?="))
    {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .ok()?;
        return String::from_utf8(bytes).ok();
    }
    value
        .bytes()
        .all(|b| b == b' ' || b == b'\t' || b.is_ascii_graphic())
        .then(|| value.trim().to_string())
}

/// The answer to `server/discover`.
pub fn discover<A: App>(server: &Server<A>, connection: &Connection) -> Value {
    // Only what a client may put in `_meta`; older revisions need the initialize handshake.
    let supported: Vec<&str> = ProtocolVersion::modern()
        .iter()
        .map(|v| v.as_str())
        .collect();
    let mut result = Map::new();
    result.insert("supportedVersions".into(), json!(supported));
    result.insert(
        "capabilities".into(),
        server.capabilities(ProtocolVersion::V2026_07_28, connection),
    );
    result.insert("serverInfo".into(), server.info().to_json());
    if let Some(instructions) = server.instructions() {
        result.insert("instructions".into(), json!(instructions));
    }
    Value::Object(result)
}

/// Adds what every modern result carries: `_meta` with our server info, and on cacheable
/// results `ttlMs` and `cacheScope`. A scope is `public` only for what any caller gets alike:
/// the whole server's lists and discovery answer. A `resources/read`, and what a connection
/// narrowed (by its URL or its `X-MCP-Toolsets` and `X-MCP-Tools` headers, which a cache
/// keyed on the method and its params cannot see), are `private`.
pub fn decorate<A: App>(
    method: &str,
    mut result: Value,
    server: &Server<A>,
    connection: &Connection,
) -> Value {
    let Value::Object(object) = &mut result else {
        return result;
    };
    object.entry("resultType").or_insert(json!("complete"));
    let meta = object.entry("_meta").or_insert_with(|| json!({}));
    if let Value::Object(meta) = meta {
        meta.insert(META_SERVER_INFO.into(), server.info().to_json());
    }
    let complete = object.get("resultType") == Some(&json!("complete"));
    if complete && CACHEABLE.contains(&method) {
        object.insert("ttlMs".into(), json!(CACHE_TTL_MS));
        let scope = if method == "resources/read" || connection.offered.is_some() {
            "private"
        } else {
            "public"
        };
        object.insert("cacheScope".into(), json!(scope));
    }
    result
}

/// The HTTP status for a modern JSON-RPC error response.
pub fn status_for(error: &RpcError) -> u16 {
    match error.code {
        codes::METHOD_NOT_FOUND => 404,
        codes::HEADER_MISMATCH
        | codes::MISSING_REQUIRED_CLIENT_CAPABILITY
        | codes::UNSUPPORTED_PROTOCOL_VERSION => 400,
        _ => 200,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jsonrpc::RequestId;

    fn request(method: &str, params: Value) -> Request {
        Request {
            id: RequestId::Number(1),
            method: method.into(),
            params: Some(params),
        }
    }

    fn meta(version: &str) -> Value {
        json!({ META_PROTOCOL_VERSION: version, META_CLIENT_CAPABILITIES: {} })
    }

    fn headers(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    fn code(result: Result<Declared, Rejection>) -> (u16, i32) {
        let rejection = result.unwrap_err();
        (rejection.status, rejection.error.code)
    }

    #[test]
    fn recognises_the_modern_era_by_header_or_meta() {
        assert!(is_modern(Some("2026-07-28"), &json!({})));
        assert!(is_modern(None, &json!({"params": {"_meta": meta("v999")}})));
        assert!(!is_modern(
            Some("2025-11-25"),
            &json!({"method": "tools/list"})
        ));
        assert!(!is_modern(None, &json!({"method": "initialize"})));
    }

    #[test]
    fn checks_run_in_the_spec_order() {
        let ok = headers(&[
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "server/discover"),
        ]);
        // Missing keys come first, even when the header is fine.
        assert_eq!(
            code(check(&request("server/discover", json!({})), &ok)),
            (400, codes::INVALID_PARAMS)
        );
        let no_caps = json!({"_meta": { META_PROTOCOL_VERSION: "2026-07-28" }});
        assert_eq!(
            code(check(&request("server/discover", no_caps), &ok)),
            (400, codes::INVALID_PARAMS)
        );
        // Then the header must equal _meta, before the version is judged.
        let body = json!({"_meta": meta("v999.0.0")});
        assert_eq!(
            code(check(&request("server/discover", body.clone()), &ok)),
            (400, codes::HEADER_MISMATCH)
        );
        // Agreeing on an unknown version is -32022, listing what we speak.
        let v999 = headers(&[
            ("mcp-protocol-version", "v999.0.0"),
            ("mcp-method", "server/discover"),
        ]);
        let rejection = check(&request("server/discover", body), &v999).unwrap_err();
        assert_eq!(
            (rejection.status, rejection.error.code),
            (400, codes::UNSUPPORTED_PROTOCOL_VERSION)
        );
        assert_eq!(
            rejection.error.data,
            Some(json!({"supported": ["2026-07-28"], "requested": "v999.0.0"}))
        );
    }

    #[test]
    fn method_and_name_headers_must_match_the_body() {
        let body = json!({"name": "whoami", "_meta": meta("2026-07-28")});
        let good = headers(&[
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/call"),
            ("mcp-name", " whoami "),
        ]);
        assert!(check(&request("tools/call", body.clone()), &good).is_ok());
        let encoded = headers(&[
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/call"),
            ("mcp-name", "=?base64?d2hvYW1p?="),
        ]);
        assert!(check(&request("tools/call", body.clone()), &encoded).is_ok());
        for bad in [
            vec![
                ("mcp-protocol-version", "2026-07-28"),
                ("mcp-method", "tools/call"),
            ],
            vec![
                ("mcp-protocol-version", "2026-07-28"),
                ("mcp-method", "tools/call"),
                ("mcp-name", "other"),
            ],
            vec![
                ("mcp-protocol-version", "2026-07-28"),
                ("mcp-method", "TOOLS/CALL"),
                ("mcp-name", "whoami"),
            ],
            vec![
                ("mcp-protocol-version", "2026-07-28"),
                ("mcp-name", "whoami"),
            ],
        ] {
            assert_eq!(
                code(check(&request("tools/call", body.clone()), &headers(&bad))),
                (400, codes::HEADER_MISMATCH),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn tasks_methods_carry_the_task_id_in_mcp_name() {
        let body = json!({"taskId": "t1", "_meta": meta("2026-07-28")});
        for method in ["tasks/get", "tasks/update", "tasks/cancel"] {
            let with = |name: Option<&str>| {
                let mut pairs = vec![
                    ("mcp-protocol-version", "2026-07-28"),
                    ("mcp-method", method),
                ];
                pairs.extend(name.map(|n| ("mcp-name", n)));
                check(&request(method, body.clone()), &headers(&pairs))
            };
            assert!(with(Some("t1")).is_ok(), "{method}");
            assert_eq!(code(with(Some("t2"))), (400, codes::HEADER_MISMATCH));
            assert_eq!(code(with(None)), (400, codes::HEADER_MISMATCH));
        }
        // tasks/result no longer exists: no Mcp-Name is asked of it (dispatch answers -32601).
        let removed = headers(&[
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tasks/result"),
        ]);
        assert!(check(&request("tasks/result", body), &removed).is_ok());
    }

    #[test]
    fn decorates_results_and_maps_statuses() {
        let info = crate::server::ServerInfo {
            name: "example-server",
            title: "Example",
            version: "1.0.0",
        };
        let server = Server::<()>::new(info, None);
        let all = Connection::default();
        let listed = decorate("tools/list", json!({"tools": []}), &server, &all);
        assert_eq!(listed["resultType"], "complete");
        assert_eq!(listed["ttlMs"], CACHE_TTL_MS);
        assert_eq!(listed["cacheScope"], "public");
        assert_eq!(listed["_meta"][META_SERVER_INFO]["name"], "example-server");
        let read = decorate("resources/read", json!({"contents": []}), &server, &all);
        assert_eq!(read["cacheScope"], "private");
        let narrowed = Connection {
            offered: Some(vec!["whoami".into()]),
            lockdown: false,
        };
        for method in ["tools/list", "prompts/list", "server/discover"] {
            let listed = decorate(method, json!({}), &server, &narrowed);
            assert_eq!(listed["cacheScope"], "private", "{method}");
        }
        let called = decorate("tools/call", json!({"content": []}), &server, &all);
        assert!(called.get("ttlMs").is_none());
        let pending = decorate(
            "tools/call",
            json!({"resultType": "input_required"}),
            &server,
            &all,
        );
        assert_eq!(pending["resultType"], "input_required");
        assert_eq!(status_for(&RpcError::method_not_found("ping")), 404);
        assert_eq!(
            status_for(&RpcError::new(
                codes::MISSING_REQUIRED_CLIENT_CAPABILITY,
                ""
            )),
            400
        );
        assert_eq!(status_for(&RpcError::invalid_params("")), 200);
    }
}
