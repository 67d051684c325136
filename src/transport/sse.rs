//! Server-Sent Events framing: `event:`/`data:` frames and `:` comments.

/// One SSE frame carrying a JSON-RPC message (`event: message`).
pub fn message(json: &str) -> String {
    event("message", json)
}

/// One SSE frame with an event name. Multi-line data becomes several `data:` lines.
pub fn event(name: &str, data: &str) -> String {
    let mut frame = format!("event: {name}\n");
    for line in data.split('\n') {
        frame.push_str("data: ");
        frame.push_str(line.strip_suffix('\r').unwrap_or(line));
        frame.push('\n');
    }
    frame.push('\n');
    frame
}

/// A comment frame; clients ignore it, and it keeps idle connections open.
pub fn comment(text: &str) -> String {
    format!(": {text}\n\n")
}

/// Seconds between keep-alive comments on an idle stream. Cloudflare's edge closes streams
/// that stay silent for long; this stays well inside that.
pub const KEEPALIVE_SECONDS: u64 = 15;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames() {
        assert_eq!(message("{\"a\":1}"), "event: message\ndata: {\"a\":1}\n\n");
        assert_eq!(
            event("endpoint", "/sse/message?sessionId=x"),
            "event: endpoint\ndata: /sse/message?sessionId=x\n\n"
        );
        assert_eq!(event("x", "a\nb"), "event: x\ndata: a\ndata: b\n\n");
        assert_eq!(comment("keepalive"), ": keepalive\n\n");
    }
}
