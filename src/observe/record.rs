//! What one request did, as its single structured log line says: who (a pseudonym),
//! where in a trace, which transport, revision, method and tool, how it ended, how long it
//! took, and what it cost at GitHub. Plain Rust: the line's shape is tested on the host.

use super::trace::TraceContext;

/// The transport a request came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// `/mcp` with a session (2025-03-26 to 2025-11-25).
    StreamableHttp,
    /// `/mcp` without one (2026-07-28).
    Stateless,
    /// `/sse` and `/sse/message` (2024-11-05).
    Sse,
    /// Anything else: OAuth, discovery, `/healthz`, `/metrics`.
    None,
}

impl Transport {
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::StreamableHttp => "streamable_http",
            Transport::Stateless => "streamable_http_stateless",
            Transport::Sse => "sse",
            Transport::None => "none",
        }
    }

    /// Whether this is an MCP request (counted in `mcp_requests_total`).
    pub fn is_mcp(self) -> bool {
        self != Transport::None
    }
}

/// How a request ended, from the operator's point of view. The metric label `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// A tool result with `isError: true` (bad arguments, GitHub said no).
    ToolError,
    /// A JSON-RPC error the client caused (unknown method, invalid params, …).
    RpcError,
    /// Refused at the HTTP level: 400, 404, 405, 406, 413, 415, a foreign origin.
    HttpError,
    /// No valid credential (401, 403 from authentication).
    Unauthorized,
    /// Over a rate limit (429).
    RateLimited,
    /// Our fault: 5xx, or JSON-RPC internal error (-32603).
    ServerError,
    /// The client cancelled the request (`notifications/cancelled`); it was not answered.
    Cancelled,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::ToolError => "tool_error",
            Outcome::RpcError => "rpc_error",
            Outcome::HttpError => "http_error",
            Outcome::Unauthorized => "unauthorized",
            Outcome::RateLimited => "rate_limited",
            Outcome::ServerError => "server_error",
            Outcome::Cancelled => "cancelled",
        }
    }
}

/// Log levels, lowest first (`LOG_LEVEL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    pub fn parse(text: &str) -> Option<Level> {
        match text.trim().to_ascii_lowercase().as_str() {
            "debug" => Some(Level::Debug),
            "info" => Some(Level::Info),
            "warn" | "warning" => Some(Level::Warn),
            "error" => Some(Level::Error),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// One upstream request to GitHub.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GitHubCall {
    /// The HTTP status, or `None` when no answer came (timeout, network).
    pub status: Option<u16>,
    pub duration_ms: i64,
}

/// What a request cost at GitHub.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GitHubStats {
    pub calls: Vec<GitHubCall>,
    /// 304s answered from the ETag cache.
    pub cache_hits: u32,
    /// `x-ratelimit-remaining` of the last answer that had it.
    pub rate_limit_remaining: Option<u64>,
    /// Of the calls' time, what they spent waiting for room or a turn to read their answers
    /// in ([`crate::github::turns`]), not at GitHub.
    pub waited_ms: i64,
}

impl GitHubStats {
    pub fn total_ms(&self) -> i64 {
        self.calls.iter().map(|c| c.duration_ms).sum()
    }
}

/// Everything the log line says about one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub ts_ms: i64,
    pub request_id: String,
    pub trace: TraceContext,
    pub http_method: String,
    pub path: String,
    pub http_status: u16,
    pub transport: Transport,
    pub protocol: Option<String>,
    pub method: Option<String>,
    pub tool: Option<String>,
    /// JSON-RPC requests in the message (more than one in a 2025-03-26 batch).
    pub batch: usize,
    pub is_error: bool,
    pub rpc_error: Option<i64>,
    /// The client cancelled the request, which was then not answered.
    pub cancelled: bool,
    /// The OAuth error code of a failed authentication.
    pub auth_failure: Option<&'static str>,
    /// The rate limit binding that refused the request.
    pub limited_by: Option<&'static str>,
    pub duration_ms: i64,
    pub github: GitHubStats,
    /// The caller's pseudonym.
    pub caller: Option<String>,
    /// The caller's login or token name, only when the operator opted in.
    pub caller_login: Option<String>,
    /// The isolate's wasm memory when the request ended. It never shrinks, so it is the
    /// isolate's high-water mark so far (a Worker's isolate has 128 MB in all).
    pub wasm_memory_bytes: Option<i64>,
}

/// JSON-RPC's internal error.
const INTERNAL_ERROR: i64 = -32603;

impl Record {
    pub fn outcome(&self) -> Outcome {
        let status = self.http_status;
        if status == 429 || self.limited_by.is_some() {
            Outcome::RateLimited
        } else if status >= 500 || self.rpc_error == Some(INTERNAL_ERROR) {
            Outcome::ServerError
        } else if self.cancelled {
            Outcome::Cancelled
        } else if self.auth_failure.is_some() {
            Outcome::Unauthorized
        } else if self.rpc_error.is_some() {
            Outcome::RpcError
        } else if status >= 400 {
            Outcome::HttpError
        } else if self.is_error {
            Outcome::ToolError
        } else {
            Outcome::Ok
        }
    }

    pub fn level(&self) -> Level {
        match self.outcome() {
            Outcome::ServerError => Level::Error,
            Outcome::RateLimited | Outcome::Unauthorized => Level::Warn,
            _ => Level::Info,
        }
    }

    /// The log line: one JSON object, fields absent when unknown; `error` is a server
    /// error's text.
    pub fn to_line(&self, error: Option<&str>) -> String {
        let mut w = Line(Vec::with_capacity(640));
        w.text("ts", Some(&timestamp(self.ts_ms)));
        w.text("level", Some(self.level().as_str()));
        w.text("msg", Some("request"));
        w.text("requestId", Some(&self.request_id));
        w.text("traceId", Some(&self.trace.trace_id));
        w.text("spanId", Some(&self.trace.span_id));
        w.text("parentSpanId", self.trace.parent_span_id.as_deref());
        w.text("traceSource", Some(self.trace.source.as_str()));
        w.text("httpMethod", Some(&self.http_method));
        w.text("path", Some(&self.path));
        w.number("httpStatus", Some(i64::from(self.http_status)));
        w.text("transport", Some(self.transport.as_str()));
        w.text("protocol", self.protocol.as_deref());
        w.text("method", self.method.as_deref());
        w.text("tool", self.tool.as_deref());
        w.number("batch", (self.batch > 1).then_some(self.batch as i64));
        w.text("outcome", Some(self.outcome().as_str()));
        w.key("isError");
        w.0.extend_from_slice(if self.is_error { b"true" } else { b"false" });
        w.number("rpcError", self.rpc_error);
        w.text("authFailure", self.auth_failure);
        w.text("limitedBy", self.limited_by);
        w.text("error", error);
        w.number("durationMs", Some(self.duration_ms));
        w.number("githubCalls", Some(self.github.calls.len() as i64));
        w.number("githubMs", Some(self.github.total_ms()));
        w.number("githubWaitMs", Some(self.github.waited_ms));
        w.number("githubCacheHits", Some(i64::from(self.github.cache_hits)));
        let remaining = self.github.rate_limit_remaining.map(|r| r as i64);
        w.number("githubRateLimitRemaining", remaining);
        w.text("caller", self.caller.as_deref());
        w.text("callerLogin", self.caller_login.as_deref());
        w.number("wasmMemoryBytes", self.wasm_memory_bytes);
        w.0.push(b'}');
        // Only whole UTF-8 strings and ASCII went in.
        String::from_utf8(w.0)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}

/// A JSON object written field by field into one buffer, without building a map or a
/// string per value first.
struct Line(Vec<u8>);

impl Line {
    fn key(&mut self, key: &str) {
        self.0.push(if self.0.is_empty() { b'{' } else { b',' });
        self.0.push(b'"');
        self.0.extend_from_slice(key.as_bytes());
        self.0.extend_from_slice(b"\":");
    }

    fn text(&mut self, key: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.key(key);
            // Escapes as serde_json does; writing to a Vec cannot fail.
            let _ = serde_json::to_writer(&mut self.0, value);
        }
    }

    fn number(&mut self, key: &str, value: Option<i64>) {
        if let Some(value) = value {
            use std::io::Write;
            self.key(key);
            let _ = write!(self.0, "{value}");
        }
    }
}

/// RFC 3339 with milliseconds, UTC.
pub fn timestamp(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

/// A stable pseudonym for a caller's subject: `c_` and 16 hex digits of an HMAC keyed with
/// a key derived from `COOKIE_ENCRYPTION_KEY` (or of a plain hash without one). It tells
/// requests of one caller apart from another's, and names nobody.
pub fn pseudonym(key: Option<&[u8]>, subject: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = match key {
        Some(key) => crate::auth::crypto::hmac(key, subject.as_bytes()),
        None => Sha256::digest(format!("mcpw-caller:{subject}").as_bytes()).to_vec(),
    };
    format!(
        "c_{}",
        crate::random::hex(digest.get(..8).unwrap_or_default())
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::observe::trace::TraceSource;

    pub fn sample() -> Record {
        Record {
            ts_ms: 1_796_000_000_123,
            request_id: "8c1f0a2b3c4d5e6f-AMS".into(),
            trace: TraceContext {
                trace_id: "4bf92f3577b34da6a3ce929d0e0e4736".into(),
                parent_span_id: Some("00f067aa0ba902b7".into()),
                span_id: "a1b2c3d4e5f60718".into(),
                flags: 1,
                source: TraceSource::Header,
            },
            http_method: "POST".into(),
            path: "/mcp".into(),
            http_status: 200,
            transport: Transport::Stateless,
            protocol: Some("2026-07-28".into()),
            method: Some("tools/call".into()),
            tool: Some("getGithubReadme".into()),
            batch: 1,
            is_error: false,
            rpc_error: None,
            cancelled: false,
            auth_failure: None,
            limited_by: None,
            duration_ms: 42,
            github: GitHubStats {
                calls: vec![GitHubCall {
                    status: Some(304),
                    duration_ms: 30,
                }],
                cache_hits: 1,
                rate_limit_remaining: Some(4999),
                waited_ms: 12,
            },
            caller: Some("c_0123456789abcdef".into()),
            caller_login: None,
            wasm_memory_bytes: Some(2_424_832),
        }
    }

    #[test]
    fn the_line_holds_every_field() {
        let line: serde_json::Value = serde_json::from_str(&sample().to_line(None)).unwrap();
        assert_eq!(line["ts"], "2026-11-30T00:53:20.123Z");
        assert_eq!(line["level"], "info");
        assert_eq!(line["outcome"], "ok");
        assert_eq!(line["traceSource"], "header");
        assert_eq!(line["githubCalls"], 1);
        assert_eq!(line["githubCacheHits"], 1);
        assert_eq!(line["githubMs"], 30);
        assert_eq!(line["githubWaitMs"], 12);
        assert_eq!(line["githubRateLimitRemaining"], 4999);
        assert_eq!(line["wasmMemoryBytes"], 2_424_832);
        assert!(line.get("callerLogin").is_none());
        assert!(line.get("rpcError").is_none());
        let hostile = Record {
            path: "/a\"b\\c\n".into(),
            ..sample()
        };
        let line: serde_json::Value = serde_json::from_str(&hostile.to_line(Some("x\"y"))).unwrap();
        assert_eq!(line["path"], "/a\"b\\c\n");
        assert_eq!(line["error"], "x\"y");
    }

    #[test]
    fn outcomes_follow_status_errors_and_limits() {
        let with = |f: &dyn Fn(&mut Record)| {
            let mut r = sample();
            f(&mut r);
            r.outcome()
        };
        assert_eq!(with(&|r| r.is_error = true), Outcome::ToolError);
        assert_eq!(with(&|r| r.rpc_error = Some(-32602)), Outcome::RpcError);
        assert_eq!(with(&|r| r.rpc_error = Some(-32603)), Outcome::ServerError);
        assert_eq!(with(&|r| r.http_status = 503), Outcome::ServerError);
        assert_eq!(with(&|r| r.http_status = 406), Outcome::HttpError);
        assert_eq!(with(&|r| r.http_status = 429), Outcome::RateLimited);
        assert_eq!(with(&|r| r.cancelled = true), Outcome::Cancelled);
        let unauthorized = with(&|r| {
            r.http_status = 401;
            r.auth_failure = Some("invalid_token");
        });
        assert_eq!(unauthorized, Outcome::Unauthorized);
        let mut r = sample();
        r.http_status = 500;
        assert_eq!(r.level(), Level::Error);
    }

    #[test]
    fn pseudonyms_are_stable_keyed_and_name_nobody() {
        let a = pseudonym(Some(b"key"), "github:583231");
        assert_eq!(a, pseudonym(Some(b"key"), "github:583231"));
        assert_ne!(a, pseudonym(Some(b"other"), "github:583231"));
        assert_ne!(a, pseudonym(None, "github:583231"));
        assert_eq!(a.len(), 18);
        assert!(!a.contains("583231"));
    }
}
