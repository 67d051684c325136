//! The MCP revisions this server speaks, and how a client's requested revision is settled.
//!
//! Revisions up to 2025-11-25 are the *legacy era*: an `initialize` handshake and a session.
//! 2026-07-28 is the *modern era*: no handshake, every request carries its version in `_meta`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ProtocolVersion {
    /// HTTP+SSE (`GET /sse` and an `endpoint` event).
    #[serde(rename = "2024-11-05")]
    V2024_11_05,
    /// Streamable HTTP with sessions; the only revision that accepts batches.
    #[serde(rename = "2025-03-26")]
    V2025_03_26,
    #[serde(rename = "2025-06-18")]
    V2025_06_18,
    #[serde(rename = "2025-11-25")]
    V2025_11_25,
    /// Stateless Streamable HTTP: `server/discover`, per-request `_meta`.
    #[serde(rename = "2026-07-28")]
    V2026_07_28,
}

impl ProtocolVersion {
    pub const ALL: [ProtocolVersion; 5] = [
        ProtocolVersion::V2024_11_05,
        ProtocolVersion::V2025_03_26,
        ProtocolVersion::V2025_06_18,
        ProtocolVersion::V2025_11_25,
        ProtocolVersion::V2026_07_28,
    ];

    /// The newest revision that uses the `initialize` handshake.
    pub const LATEST_LEGACY: ProtocolVersion = ProtocolVersion::V2025_11_25;

    /// What a Streamable HTTP request without `MCP-Protocol-Version` is assumed to speak.
    pub const ASSUMED_WITHOUT_HEADER: ProtocolVersion = ProtocolVersion::V2025_03_26;

    pub fn parse(text: &str) -> Option<ProtocolVersion> {
        Self::ALL.into_iter().find(|v| v.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ProtocolVersion::V2024_11_05 => "2024-11-05",
            ProtocolVersion::V2025_03_26 => "2025-03-26",
            ProtocolVersion::V2025_06_18 => "2025-06-18",
            ProtocolVersion::V2025_11_25 => "2025-11-25",
            ProtocolVersion::V2026_07_28 => "2026-07-28",
        }
    }

    /// True for the stateless revisions, which are served without a session.
    pub fn is_modern(self) -> bool {
        self >= ProtocolVersion::V2026_07_28
    }

    /// Only 2025-03-26 lets a client send JSON-RPC batches.
    pub fn accepts_batches(self) -> bool {
        self == ProtocolVersion::V2025_03_26
    }

    /// The revisions answered statelessly, newest first, as `server/discover` lists them.
    pub fn modern() -> Vec<ProtocolVersion> {
        Self::ALL
            .into_iter()
            .rev()
            .filter(|v| v.is_modern())
            .collect()
    }

    /// Every revision we speak, newest first.
    pub fn all_newest_first() -> Vec<&'static str> {
        Self::ALL.iter().rev().map(|v| v.as_str()).collect()
    }

    /// Version negotiation for `initialize`: echo a legacy revision we speak, otherwise
    /// offer our newest legacy revision. This is never an error (the client decides).
    pub fn negotiate(requested: Option<&str>) -> ProtocolVersion {
        match requested.and_then(ProtocolVersion::parse) {
            Some(v) if !v.is_modern() => v,
            _ => Self::LATEST_LEGACY,
        }
    }
}

impl std::fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_echoes_known_legacy_versions_and_offers_the_latest_otherwise() {
        assert_eq!(
            ProtocolVersion::negotiate(Some("2025-06-18")),
            ProtocolVersion::V2025_06_18
        );
        assert_eq!(
            ProtocolVersion::negotiate(Some("2024-11-05")),
            ProtocolVersion::V2024_11_05
        );
        assert_eq!(
            ProtocolVersion::negotiate(Some("1999-01-01")),
            ProtocolVersion::LATEST_LEGACY
        );
        assert_eq!(
            ProtocolVersion::negotiate(Some("2026-07-28")),
            ProtocolVersion::LATEST_LEGACY
        );
        assert_eq!(
            ProtocolVersion::negotiate(None),
            ProtocolVersion::LATEST_LEGACY
        );
    }

    #[test]
    fn only_2025_03_26_accepts_batches_and_only_2026_is_modern() {
        let batching: Vec<_> = ProtocolVersion::ALL
            .into_iter()
            .filter(|v| v.accepts_batches())
            .collect();
        assert_eq!(batching, vec![ProtocolVersion::V2025_03_26]);
        assert_eq!(
            ProtocolVersion::modern(),
            vec![ProtocolVersion::V2026_07_28]
        );
        assert_eq!(
            serde_json::to_string(&ProtocolVersion::V2025_11_25).unwrap(),
            "\"2025-11-25\""
        );
    }
}
