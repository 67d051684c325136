//! The legacy-era session: what `initialize` settles and later requests rely on.
//!
//! The state is plain data so that the session's Durable Object can store it and bring it
//! back after a restart. Changes a request makes to it are returned as a [`SessionEffect`]
//! rather than made in place, so requests can run concurrently against one session.

use std::collections::BTreeSet;

use mcp_core::connection::Connection;
use mcp_core::exchange::LogLevel;
use mcp_core::lifecycle::SessionEffect;
use mcp_core::server::Declared;
use mcp_core::version::ProtocolVersion;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::auth::caller::Caller;

/// The most resources one session may be subscribed to.
pub const MAX_SUBSCRIPTIONS: usize = 100;
/// The longest resource URI a session subscribes to, in bytes.
pub const MAX_SUBSCRIBED_URI_BYTES: usize = 2048;
/// The most bytes of JSON kept of the client's `capabilities` and of its `clientInfo` each.
pub const MAX_DECLARED_BYTES: usize = 16 * 1024;

/// Which HTTP transport opened the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionTransport {
    /// `POST /mcp` with `Mcp-Session-Id` (2025-03-26 to 2025-11-25).
    StreamableHttp,
    /// `GET /sse` and `POST /sse/message` (2024-11-05).
    LegacySse,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionState {
    pub transport: SessionTransport,
    /// The caller that opened the session; nobody else may use it.
    pub owner: Caller,
    /// The negotiated revision. `None` until `initialize` (legacy SSE opens first).
    pub version: Option<ProtocolVersion>,
    pub client_capabilities: Value,
    pub client_info: Value,
    /// Set by `notifications/initialized`.
    pub initialized: bool,
    /// Set by `logging/setLevel`; no log messages are sent before that.
    pub log_level: Option<LogLevel>,
    pub subscriptions: BTreeSet<String>,
    /// What the connection asked for when it opened: the tools offered, and lockdown.
    #[serde(default)]
    pub connection: Connection,
    /// Milliseconds since the epoch.
    pub created_at_ms: i64,
    /// When the session was last used (written at most hourly), for idle expiry.
    pub last_active_ms: i64,
}

impl SessionState {
    pub fn new(transport: SessionTransport, owner: Caller, created_at_ms: i64) -> Self {
        SessionState {
            transport,
            owner: Caller {
                github_token: None,
                ..owner
            },
            version: None,
            client_capabilities: Value::Null,
            client_info: Value::Null,
            initialized: false,
            log_level: None,
            subscriptions: BTreeSet::new(),
            connection: Connection::default(),
            created_at_ms,
            last_active_ms: created_at_ms,
        }
    }

    /// Records what `initialize` settled. A `clientInfo` past [`MAX_DECLARED_BYTES`] is
    /// kept as its name and version only (nothing reads the rest); capabilities that large
    /// are refused before this, by [`declared_too_large`].
    pub fn initialize(
        &mut self,
        version: ProtocolVersion,
        capabilities: Value,
        client_info: Value,
    ) {
        self.version = Some(version);
        self.client_capabilities = capabilities;
        self.client_info = if json_bytes(&client_info) > MAX_DECLARED_BYTES {
            // Name and version only, each cut to what errors and logs repeat of client text.
            let field = |name: &str| {
                client_info
                    .get(name)
                    .and_then(Value::as_str)
                    .map_or(Value::Null, |text| {
                        Value::String(mcp_core::jsonrpc::echoed(text))
                    })
            };
            serde_json::json!({ "name": field("name"), "version": field("version") })
        } else {
            client_info
        };
    }

    /// Whether the session may take `effect`: subscriptions are bounded in number and in
    /// the length of their URIs, since the state is stored whole on every change.
    pub fn admits(&self, effect: &SessionEffect) -> Result<(), String> {
        match effect {
            SessionEffect::Subscribe(uri) if uri.len() > MAX_SUBSCRIBED_URI_BYTES => Err(format!(
                "A subscribed URI may be at most {MAX_SUBSCRIBED_URI_BYTES} bytes long."
            )),
            SessionEffect::Subscribe(uri)
                if self.subscriptions.len() >= MAX_SUBSCRIPTIONS
                    && !self.subscriptions.contains(uri) =>
            {
                Err(format!(
                    "This session is subscribed to {MAX_SUBSCRIPTIONS} resources, the most it may be; unsubscribe from one first."
                ))
            }
            _ => Ok(()),
        }
    }

    /// What the client declared for the session's requests. A session that has not
    /// negotiated a revision yet is taken to speak the one assumed without a header.
    pub fn declared(&self) -> Declared {
        Declared {
            version: self
                .version
                .unwrap_or(ProtocolVersion::ASSUMED_WITHOUT_HEADER),
            client_capabilities: self.client_capabilities.clone(),
            log_level: self.log_level,
            connection: self.connection.clone(),
        }
    }

    pub fn apply(&mut self, effect: SessionEffect) {
        match effect {
            SessionEffect::SetLogLevel(level) => self.log_level = Some(level),
            SessionEffect::Subscribe(uri) => {
                self.subscriptions.insert(uri);
            }
            SessionEffect::Unsubscribe(uri) => {
                self.subscriptions.remove(&uri);
            }
        }
    }
}

/// The client's `capabilities` are kept whole, since requests rely on them; the message if
/// they are too large to keep.
pub fn declared_too_large(capabilities: &Value) -> Option<String> {
    let bytes = json_bytes(capabilities);
    (bytes > MAX_DECLARED_BYTES).then(|| {
        format!("The client's capabilities are {bytes} bytes of JSON; a session keeps at most {MAX_DECLARED_BYTES}.")
    })
}

fn json_bytes(value: &Value) -> usize {
    serde_json::to_vec(value).map_or(usize::MAX, |json| json.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::caller::Secret;
    use serde_json::json;

    #[test]
    fn the_session_never_keeps_the_callers_credential() {
        let state = SessionState::new(
            SessionTransport::StreamableHttp,
            Caller::local(Some(Secret::new("ghp_x"))),
            0,
        );
        assert_eq!(state.owner.github_token, None);
        let stored = serde_json::to_string(&state).unwrap();
        assert!(!stored.contains("ghp_x"));
    }

    #[test]
    fn subscriptions_and_declarations_are_bounded() {
        let mut state = SessionState::new(SessionTransport::StreamableHttp, Caller::local(None), 1);
        for i in 0..MAX_SUBSCRIPTIONS {
            let effect = SessionEffect::Subscribe(format!("github://o/r{i}/readme"));
            assert!(state.admits(&effect).is_ok());
            state.apply(effect);
        }
        let again = SessionEffect::Subscribe("github://o/r0/readme".into());
        assert!(
            state.admits(&again).is_ok(),
            "one already held is no new one"
        );
        let more = SessionEffect::Subscribe("github://o/more/readme".into());
        assert!(state
            .admits(&more)
            .unwrap_err()
            .contains("unsubscribe from one first"));
        assert!(state
            .admits(&SessionEffect::Unsubscribe("x".into()))
            .is_ok());
        let long = SessionEffect::Subscribe("g".repeat(MAX_SUBSCRIBED_URI_BYTES + 1));
        assert!(
            SessionState::new(SessionTransport::StreamableHttp, Caller::local(None), 1)
                .admits(&long)
                .is_err()
        );

        let big = json!({ "name": "c", "version": "1", "icons": [{ "src": "x".repeat(MAX_DECLARED_BYTES) }] });
        state.initialize(ProtocolVersion::V2025_11_25, json!({}), big);
        assert_eq!(state.client_info, json!({ "name": "c", "version": "1" }));
        let long_name = json!({ "name": "n".repeat(900_000), "version": "v".repeat(50_000) });
        state.initialize(ProtocolVersion::V2025_11_25, json!({}), long_name);
        assert!(
            json_bytes(&state.client_info) < 300,
            "{}",
            json_bytes(&state.client_info)
        );
        assert!(declared_too_large(&json!({ "x": "y".repeat(MAX_DECLARED_BYTES) })).is_some());
        assert!(declared_too_large(&json!({ "sampling": {} })).is_none());
    }

    #[test]
    fn effects_change_the_state_and_it_round_trips() {
        let mut state = SessionState::new(SessionTransport::LegacySse, Caller::local(None), 1);
        state.initialize(
            ProtocolVersion::V2024_11_05,
            json!({"sampling": {}}),
            json!({"name": "c"}),
        );
        state.apply(SessionEffect::SetLogLevel(LogLevel::Warning));
        state.apply(SessionEffect::Subscribe("test://a".into()));
        state.apply(SessionEffect::Subscribe("test://b".into()));
        state.apply(SessionEffect::Unsubscribe("test://a".into()));
        let back: SessionState =
            serde_json::from_str(&serde_json::to_string(&state).unwrap()).unwrap();
        assert_eq!(back, state);
        assert_eq!(back.log_level, Some(LogLevel::Warning));
        assert_eq!(
            back.subscriptions.into_iter().collect::<Vec<_>>(),
            vec!["test://b"]
        );
    }
}
