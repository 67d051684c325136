//! W3C trace context (`traceparent`, version 00): read from the `traceparent` header, or
//! from `params._meta.traceparent` (the key MCP reserves for it, SEP-414), or started here
//! when the client sent none. The server's own span is a child of the client's, and every
//! GitHub request carries a `traceparent` naming that span as its parent.

/// Where the trace came from, for the log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceSource {
    Header,
    Meta,
    Generated,
}

impl TraceSource {
    pub fn as_str(self) -> &'static str {
        match self {
            TraceSource::Header => "header",
            TraceSource::Meta => "meta",
            TraceSource::Generated => "generated",
        }
    }
}

/// One request's place in a trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceContext {
    /// 32 lowercase hex digits.
    pub trace_id: String,
    /// The client's span, when it sent one.
    pub parent_span_id: Option<String>,
    /// This server's span for the request: 16 lowercase hex digits.
    pub span_id: String,
    /// The trace flags (bit 0: sampled).
    pub flags: u8,
    pub source: TraceSource,
}

/// A parsed `traceparent`: trace id, parent span id, flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parent {
    pub trace_id: String,
    pub span_id: String,
    pub flags: u8,
}

/// Parses a version-00 `traceparent` (or a later version's first four fields, as the
/// specification asks). All-zero ids and malformed values are refused.
pub fn parse(value: &str) -> Option<Parent> {
    let value = value.trim();
    let mut parts = value.split('-');
    let version = parts.next()?;
    let trace_id = parts.next()?;
    let span_id = parts.next()?;
    let flags = parts.next()?;
    let rest = parts.next();
    if version.len() != 2 || !is_hex(version) || version == "ff" {
        return None;
    }
    if version == "00" && rest.is_some() {
        return None;
    }
    let valid =
        |id: &str, len: usize| id.len() == len && is_hex(id) && id.bytes().any(|b| b != b'0');
    if !valid(trace_id, 32) || !valid(span_id, 16) || flags.len() != 2 || !is_hex(flags) {
        return None;
    }
    Some(Parent {
        trace_id: trace_id.to_string(),
        span_id: span_id.to_string(),
        flags: u8::from_str_radix(flags, 16).ok()?,
    })
}

fn is_hex(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl TraceContext {
    /// Continues `parent` (found in `source`), or starts a new sampled trace. `random`
    /// supplies 24 random bytes: 16 for a new trace id, 8 for our span id.
    pub fn resolve(parent: Option<(Parent, TraceSource)>, random: [u8; 24]) -> TraceContext {
        let (head, tail) = random.split_at(16);
        let span_id = crate::random::hex(tail);
        match parent {
            Some((parent, source)) => TraceContext {
                trace_id: parent.trace_id,
                parent_span_id: Some(parent.span_id),
                span_id,
                flags: parent.flags,
                source,
            },
            None => TraceContext {
                trace_id: crate::random::hex(head),
                parent_span_id: None,
                span_id,
                flags: 1,
                source: TraceSource::Generated,
            },
        }
    }

    /// The `traceparent` for requests we make on this span's behalf.
    pub fn traceparent(&self) -> String {
        format!("00-{}-{}-{:02x}", self.trace_id, self.span_id, self.flags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn a_valid_traceparent_is_continued_with_a_new_span() {
        let parent = parse(SAMPLE).unwrap();
        assert_eq!(parent.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
        let ctx = TraceContext::resolve(Some((parent, TraceSource::Header)), [7; 24]);
        assert_eq!(ctx.parent_span_id.as_deref(), Some("00f067aa0ba902b7"));
        assert_eq!(ctx.span_id, "0707070707070707");
        assert_eq!(
            ctx.traceparent(),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0707070707070707-01"
        );
    }

    #[test]
    fn malformed_or_zero_values_are_refused() {
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",
            "00-é4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        // A later version may carry more fields.
        assert!(parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-extra").is_some());
    }

    #[test]
    fn without_a_parent_a_sampled_trace_starts() {
        let ctx = TraceContext::resolve(None, [1; 24]);
        assert_eq!(ctx.trace_id.len(), 32);
        assert_eq!(ctx.source, TraceSource::Generated);
        assert!(ctx.traceparent().ends_with("-01"));
        assert!(parse(&ctx.traceparent()).is_some());
    }
}
