//! The approved-clients cookie: the clients a person approved in this browser, so that a
//! returning client skips the consent page.
//!
//! The value is a signed JSON object holding a digest of each client id and the moment the
//! approval lapses, so neither can be altered or stretched: digests are JSON strings (no
//! separator a crafted client id could smuggle another id through), the expiry is inside the
//! signature (a copied cookie stops working on time whatever `Max-Age` said), and only the
//! [`MAX_APPROVED`] most recently approved clients are kept. A digest is 22 characters
//! whatever the id (registered ids carry their registration, and metadata document URLs run
//! to 2,000 characters), so twenty of them stay far inside a cookie's 4 KB.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::auth::crypto;

/// How long an approval lasts.
pub const APPROVED_TTL_SECONDS: i64 = 30 * 24 * 3600;
/// The most clients one browser remembers; approving another forgets the oldest.
pub const MAX_APPROVED: usize = 20;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Approved {
    /// [`digest`]s of the client ids, most recently approved first.
    clients: Vec<String>,
    /// Seconds since the epoch.
    expires_at: i64,
}

impl Approved {
    /// The approvals in a cookie value, or none if it is missing, forged or lapsed.
    pub fn read(key: &[u8], cookie: Option<&str>, now: i64) -> Approved {
        cookie
            .and_then(|signed| crypto::unsign(key, signed))
            .and_then(|json| serde_json::from_str::<Approved>(&json).ok())
            .filter(|a| a.expires_at >= now && a.clients.len() <= MAX_APPROVED)
            .unwrap_or_default()
    }

    pub fn contains(&self, client_id: &str) -> bool {
        let digest = digest(client_id);
        self.clients.contains(&digest)
    }

    /// These approvals plus `client_id`, renewed from `now`.
    pub fn with(mut self, client_id: &str, now: i64) -> Approved {
        let digest = digest(client_id);
        self.clients.retain(|d| *d != digest);
        self.clients.insert(0, digest);
        self.clients.truncate(MAX_APPROVED);
        self.expires_at = now + APPROVED_TTL_SECONDS;
        self
    }

    /// The signed cookie value.
    pub fn to_cookie_value(&self, key: &[u8]) -> String {
        crypto::sign(key, &serde_json::to_string(self).unwrap_or_default())
    }
}

/// The first 128 bits of the id's SHA-256, base64url: what the cookie keeps of a client id.
fn digest(client_id: &str) -> String {
    let hash = Sha256::digest(client_id.as_bytes());
    URL_SAFE_NO_PAD.encode(hash.get(..16).unwrap_or_default())
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
        assert_eq!(read.clients.len(), MAX_APPROVED);
        assert_eq!(read.clients.first(), Some(&digest("mcpcl_7")));
    }

    #[test]
    fn twenty_of_the_longest_client_ids_fit_in_a_cookie() {
        let mut approved = Approved::default();
        for i in 0..MAX_APPROVED {
            let url = format!("https://app.example/{i}/{}", "p".repeat(1_970));
            approved = approved.with(&url, 0);
        }
        let value = approved.to_cookie_value(KEY);
        assert!(value.len() < 1_200, "{} bytes", value.len());
        assert!(Approved::read(KEY, Some(&value), 0)
            .contains(&format!("https://app.example/3/{}", "p".repeat(1_970))));
    }
}
