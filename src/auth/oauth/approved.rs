//! The approved-clients cookie: the clients a person approved in this browser, so that a
//! returning client skips the consent page.
//!
//! The value is a signed JSON object holding the client ids and the moment the approval
//! lapses, so neither can be altered or stretched: ids are JSON strings (no separator a
//! crafted client id could smuggle another id through), the expiry is inside the signature
//! (a copied cookie stops working on time whatever `Max-Age` said), and only the
//! [`MAX_APPROVED`] most recently approved clients are kept, so the cookie stays small.

use serde::{Deserialize, Serialize};

use crate::auth::crypto;

/// How long an approval lasts.
pub const APPROVED_TTL_SECONDS: i64 = 30 * 24 * 3600;
/// The most clients one browser remembers; approving another forgets the oldest.
pub const MAX_APPROVED: usize = 20;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Approved {
    /// Most recently approved first.
    ids: Vec<String>,
    /// Seconds since the epoch.
    expires_at: i64,
}

impl Approved {
    /// The approvals in a cookie value, or none if it is missing, forged or lapsed.
    pub fn read(key: &[u8], cookie: Option<&str>, now: i64) -> Approved {
        cookie
            .and_then(|signed| crypto::unsign(key, signed))
            .and_then(|json| serde_json::from_str::<Approved>(&json).ok())
            .filter(|a| a.expires_at >= now && a.ids.len() <= MAX_APPROVED)
            .unwrap_or_default()
    }

    pub fn contains(&self, client_id: &str) -> bool {
        self.ids.iter().any(|id| id == client_id)
    }

    /// These approvals plus `client_id`, renewed from `now`.
    pub fn with(mut self, client_id: &str, now: i64) -> Approved {
        self.ids.retain(|id| id != client_id);
        self.ids.insert(0, client_id.to_string());
        self.ids.truncate(MAX_APPROVED);
        self.expires_at = now + APPROVED_TTL_SECONDS;
        self
    }

    /// The signed cookie value.
    pub fn to_cookie_value(&self, key: &[u8]) -> String {
        crypto::sign(key, &serde_json::to_string(self).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn approvals_round_trip_and_lapse() {
        let approved = Approved::default().with("mcpcl_a", 100);
        let cookie = approved.to_cookie_value(KEY);
        let read = Approved::read(KEY, Some(&cookie), 100 + APPROVED_TTL_SECONDS);
        assert!(read.contains("mcpcl_a"));
        let lapsed = Approved::read(KEY, Some(&cookie), 101 + APPROVED_TTL_SECONDS);
        assert!(
            !lapsed.contains("mcpcl_a"),
            "the expiry is inside the signature"
        );
        assert!(!Approved::read(b"another key", Some(&cookie), 100).contains("mcpcl_a"));
        assert!(!Approved::read(KEY, None, 100).contains("mcpcl_a"));
    }

    #[test]
    fn a_crafted_client_id_approves_only_itself() {
        let crafted = "https://evil.example/c.json mcpcl_victim";
        let approved = Approved::default().with(crafted, 0);
        let read = Approved::read(KEY, Some(&approved.to_cookie_value(KEY)), 0);
        assert!(read.contains(crafted));
        assert!(!read.contains("mcpcl_victim"));
        assert!(!read.contains("https://evil.example/c.json"));
    }

    #[test]
    fn the_cookie_keeps_only_the_most_recent_clients() {
        let mut approved = Approved::default();
        for i in 0..(MAX_APPROVED + 5) {
            approved = approved.with(&format!("mcpcl_{i}"), 0);
        }
        approved = approved.with("mcpcl_7", 0);
        let read = Approved::read(KEY, Some(&approved.to_cookie_value(KEY)), 0);
        assert!(
            read.contains("mcpcl_7"),
            "re-approving moves a client to the front"
        );
        assert!(read.contains(&format!("mcpcl_{}", MAX_APPROVED + 4)));
        assert!(!read.contains("mcpcl_0"), "the oldest are forgotten");
        assert_eq!(read.ids.len(), MAX_APPROVED);
        assert_eq!(read.ids.first().map(String::as_str), Some("mcpcl_7"));
    }
}
