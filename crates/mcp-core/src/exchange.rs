//! What a handler can say to the client while it works: progress, log messages, and
//! (legacy era only) requests such as sampling or elicitation whose replies it awaits.
//!
//! The transport provides a [`Peer`]; the dispatcher wraps it in an [`Exchange`] that knows
//! the request's progress token, the client's log level and declared capabilities, so a
//! handler never sends what the client did not ask for.

use std::future::Future;
use std::pin::Pin;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::jsonrpc::{Notification, RpcError};
use super::version::ProtocolVersion;

/// A boxed future that need not be `Send`: Workers run on one thread.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// The transport's side of a conversation with the client, for one request.
pub trait Peer {
    /// Sends a notification on the stream that carries this request's response.
    fn notify(&self, notification: Notification);

    /// Sends a request to the client and waits for its reply. Transports that cannot carry
    /// server-to-client requests answer with an error.
    fn request(&self, method: String, params: Value) -> BoxFuture<'_, Result<Value, RpcError>>;

    /// Ends the event stream that carries this request's response before the response is
    /// sent, where the client can resume it (`GET` with `Last-Event-ID`) and be given the rest
    /// (2025-11-25, SEP-1699: a server may close a stream mid-call to make its client poll).
    /// False, doing nothing, where the stream cannot be resumed.
    fn close_stream(&self) -> bool {
        false
    }
}

/// A peer that drops everything: for contexts with nobody to talk to.
pub struct SilentPeer;

impl Peer for SilentPeer {
    fn notify(&self, _notification: Notification) {}

    fn request(&self, method: String, _params: Value) -> BoxFuture<'_, Result<Value, RpcError>> {
        Box::pin(async move {
            Err(RpcError::internal(format!(
                "cannot send {method} to the client on this transport"
            )))
        })
    }
}

/// Syslog severities, as `logging/setLevel` and `notifications/message` name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Debug,
    Info,
    Notice,
    Warning,
    Error,
    Critical,
    Alert,
    Emergency,
}

impl LogLevel {
    pub fn parse(text: &str) -> Option<LogLevel> {
        serde_json::from_value(json!(text)).ok()
    }
}

/// Everything a handler needs to talk to the client during one request.
pub struct Exchange<'a> {
    peer: &'a dyn Peer,
    version: ProtocolVersion,
    progress_token: Option<Value>,
    log_level: Option<LogLevel>,
    client_capabilities: Value,
}

impl<'a> Exchange<'a> {
    pub fn new(
        peer: &'a dyn Peer,
        version: ProtocolVersion,
        progress_token: Option<Value>,
        log_level: Option<LogLevel>,
        client_capabilities: Value,
    ) -> Self {
        Exchange {
            peer,
            version,
            progress_token,
            log_level,
            client_capabilities,
        }
    }

    pub fn version(&self) -> ProtocolVersion {
        self.version
    }

    /// The capabilities the client declared (in `initialize`, or in this request's `_meta`).
    pub fn client_capabilities(&self) -> &Value {
        &self.client_capabilities
    }

    /// True when the client declared the named capability, e.g. `"sampling"`, and the
    /// negotiated revision has it: elicitation arrived in 2025-06-18, so a 2024-11-05 or
    /// 2025-03-26 session is never sent `elicitation/create`, whatever it declared (the
    /// lifecycle's "use only capabilities that were successfully negotiated").
    pub fn client_supports(&self, capability: &str) -> bool {
        if capability == "elicitation" && self.version < ProtocolVersion::V2025_06_18 {
            return false;
        }
        self.client_capabilities
            .get(capability)
            .is_some_and(|v| !v.is_null())
    }

    /// True when the client sent a progress token, so progress notifications are wanted.
    pub fn wants_progress(&self) -> bool {
        self.progress_token.is_some()
    }

    /// Reports progress; does nothing when the client sent no progress token.
    pub fn progress(&self, progress: f64, total: Option<f64>, message: Option<&str>) {
        let Some(token) = &self.progress_token else {
            return;
        };
        let mut params = Map::new();
        params.insert("progressToken".into(), json!(token));
        params.insert("progress".into(), json!(progress));
        if let Some(total) = total {
            params.insert("total".into(), json!(total));
        }
        if let Some(message) = message {
            params.insert("message".into(), json!(message));
        }
        self.peer.notify(Notification::new(
            "notifications/progress",
            Value::Object(params),
        ));
    }

    /// Sends a log message if the client asked for this level or a more severe one.
    pub fn log(&self, level: LogLevel, logger: &str, data: Value) {
        if self.log_level.is_some_and(|min| level >= min) {
            self.peer.notify(Notification::new(
                "notifications/message",
                json!({ "level": level, "logger": logger, "data": data }),
            ));
        }
    }

    /// Ends the stream carrying this request's response, for the client to resume
    /// ([`Peer::close_stream`]); false where it cannot be resumed.
    pub fn close_stream(&self) -> bool {
        self.peer.close_stream()
    }

    /// Sends a request to the client (legacy era) and awaits the reply. The caller names the
    /// client capability the request needs; without it the request is refused up front.
    pub async fn request_client(
        &self,
        capability: &str,
        method: &str,
        params: Value,
    ) -> Result<Value, RpcError> {
        if !self.client_supports(capability) {
            let declared = self
                .client_capabilities
                .get(capability)
                .is_some_and(|v| !v.is_null());
            return Err(RpcError::invalid_request(match declared {
                true => format!(
                    "protocol {} has no '{capability}' capability, which {method} needs",
                    self.version
                ),
                false => format!(
                    "the client did not declare the '{capability}' capability needed for {method}"
                ),
            }));
        }
        self.peer.request(method.to_string(), params).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(version: ProtocolVersion, capabilities: Value) -> Exchange<'static> {
        Exchange::new(&SilentPeer, version, None, None, capabilities)
    }

    #[test]
    fn elicitation_is_used_only_in_revisions_that_have_it() {
        let declared = json!({ "elicitation": {}, "sampling": {} });
        for version in [ProtocolVersion::V2024_11_05, ProtocolVersion::V2025_03_26] {
            let exchange = exchange(version, declared.clone());
            assert!(!exchange.client_supports("elicitation"), "{version}");
            assert!(exchange.client_supports("sampling"), "{version}");
        }
        for version in [
            ProtocolVersion::V2025_06_18,
            ProtocolVersion::V2025_11_25,
            ProtocolVersion::V2026_07_28,
        ] {
            assert!(exchange(version, declared.clone()).client_supports("elicitation"));
        }
        assert!(!exchange(ProtocolVersion::V2025_11_25, json!({})).client_supports("elicitation"));
    }

    #[test]
    fn a_2025_03_26_session_is_not_sent_an_elicitation_it_declared() {
        let exchange = exchange(ProtocolVersion::V2025_03_26, json!({ "elicitation": {} }));
        let refused = futures_executor::block_on(exchange.request_client(
            "elicitation",
            "elicitation/create",
            json!({}),
        ))
        .unwrap_err();
        assert_eq!(
            refused.message,
            "protocol 2025-03-26 has no 'elicitation' capability, which elicitation/create needs"
        );
    }
}
