//! Verified access tokens kept in the isolate's memory for a short, bounded time, so that
//! an authenticated call does not pay a lookup (a KV read, or a request to a grant's
//! object) each time.
//!
//! - The key is the SHA-256 of the token ([`TokenHash`]), never the token itself.
//! - An entry lives at most `TOKEN_CACHE_SECONDS` (default 30 s, at most 60 s: KV's own
//!   propagation delay), and never past the token's own expiry.
//! - At most [`MAX_ENTRIES`] entries; when full, expired entries go first, then the one that
//!   expires soonest.
//! - Only successes are kept: an unknown or refused token is looked up every time.
//!
//! So a revoked token stops working in an isolate that has seen it within the cache's
//! lifetime (`docs/security.md`, "Revocation delay").

use std::cell::RefCell;
use std::collections::HashMap;

use super::caller::Caller;
use super::crypto::sha256_hex;

/// The most entries one isolate keeps.
pub const MAX_ENTRIES: usize = 1024;
/// `TOKEN_CACHE_SECONDS` when unset.
pub const DEFAULT_TTL_MS: u64 = 30_000;
/// The longest `TOKEN_CACHE_SECONDS` accepted: KV's own propagation delay.
pub const MAX_TTL_MS: u64 = 60_000;

/// The SHA-256 (hex) of a presented token: the only form in which the cache holds it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(String);

impl TokenHash {
    pub fn of(token: &str) -> TokenHash {
        TokenHash(sha256_hex(token))
    }

    pub fn as_hex(&self) -> &str {
        &self.0
    }
}

/// What a verified token stands for.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    pub caller: Caller,
    /// The origin the token was checked against (its audience, in `oauth` mode): a hit
    /// counts only for the same origin.
    pub origin: String,
}

#[derive(Debug)]
struct Entry {
    verified: Verified,
    expires_ms: i64,
}

/// A bounded map from token hash to verified caller, with expiry.
#[derive(Debug)]
pub struct TokenCache {
    entries: HashMap<TokenHash, Entry>,
    max_entries: usize,
}

impl TokenCache {
    pub fn new(max_entries: usize) -> TokenCache {
        TokenCache {
            entries: HashMap::new(),
            max_entries: max_entries.max(1),
        }
    }

    /// The caller `hash` was verified as for `origin`, if that is still fresh at `now_ms`.
    pub fn get(&mut self, hash: &TokenHash, origin: &str, now_ms: i64) -> Option<Caller> {
        let entry = self.entries.get(hash)?;
        if entry.expires_ms <= now_ms {
            self.entries.remove(hash);
            return None;
        }
        (entry.verified.origin == origin).then(|| entry.verified.caller.clone())
    }

    /// Keeps `verified` until `expires_ms` (already bounded by the caller: the cache's
    /// lifetime and the token's expiry). Nothing is kept if that is not in the future.
    pub fn insert(&mut self, hash: TokenHash, verified: Verified, expires_ms: i64, now_ms: i64) {
        if expires_ms <= now_ms {
            return;
        }
        if !self.entries.contains_key(&hash) && self.entries.len() >= self.max_entries {
            self.entries.retain(|_, e| e.expires_ms > now_ms);
            if self.entries.len() >= self.max_entries {
                let soonest = self
                    .entries
                    .iter()
                    .min_by_key(|(_, e)| e.expires_ms)
                    .map(|(k, _)| k.clone());
                if let Some(soonest) = soonest {
                    self.entries.remove(&soonest);
                }
            }
        }
        self.entries.insert(
            hash,
            Entry {
                verified,
                expires_ms,
            },
        );
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

thread_local! {
    static CACHE: RefCell<TokenCache> = RefCell::new(TokenCache::new(MAX_ENTRIES));
}

/// The isolate's cache: [`TokenCache::get`] on it.
pub fn lookup(hash: &TokenHash, origin: &str, now_ms: i64) -> Option<Caller> {
    CACHE.with(|c| c.borrow_mut().get(hash, origin, now_ms))
}

/// The isolate's cache: keeps `caller` for at most `ttl_ms`, and not past `token_expires_ms`
/// when the token has an expiry. A `ttl_ms` of 0 keeps nothing.
pub fn remember(
    hash: TokenHash,
    caller: Caller,
    origin: &str,
    ttl_ms: u64,
    token_expires_ms: Option<i64>,
    now_ms: i64,
) {
    if ttl_ms == 0 {
        return;
    }
    let ttl_ms = ttl_ms.min(MAX_TTL_MS) as i64;
    let expires_ms = token_expires_ms.map_or(now_ms + ttl_ms, |t| t.min(now_ms + ttl_ms));
    let verified = Verified {
        caller,
        origin: origin.to_string(),
    };
    CACHE.with(|c| c.borrow_mut().insert(hash, verified, expires_ms, now_ms));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::caller::{AuthMode, Secret};

    fn caller(name: &str) -> Caller {
        Caller {
            auth_mode: AuthMode::Bearer,
            subject: format!("bearer:{name}"),
            display_name: name.into(),
            github_token: Some(Secret::new("ghp_upstream")),
            client_id: None,
        }
    }

    fn verified(name: &str) -> Verified {
        Verified {
            caller: caller(name),
            origin: "http://127.0.0.1:8787".into(),
        }
    }

    const ORIGIN: &str = "http://127.0.0.1:8787";

    #[test]
    fn an_entry_lives_until_its_expiry_and_no_longer() {
        let mut cache = TokenCache::new(8);
        let hash = TokenHash::of("mcpw_token");
        cache.insert(hash.clone(), verified("a"), 1_000 + 30_000, 1_000);
        assert_eq!(cache.get(&hash, ORIGIN, 1_000), Some(caller("a")));
        assert_eq!(cache.get(&hash, ORIGIN, 30_999), Some(caller("a")));
        assert_eq!(cache.get(&hash, ORIGIN, 31_000), None);
        assert!(cache.is_empty(), "an expired entry is dropped when seen");
    }

    #[test]
    fn a_hit_needs_the_same_origin() {
        let mut cache = TokenCache::new(8);
        let hash = TokenHash::of("t");
        cache.insert(hash.clone(), verified("a"), 10_000, 0);
        assert_eq!(cache.get(&hash, "https://elsewhere.example", 1), None);
        assert_eq!(cache.get(&hash, ORIGIN, 1), Some(caller("a")));
    }

    #[test]
    fn nothing_is_kept_that_has_already_expired() {
        let mut cache = TokenCache::new(8);
        cache.insert(TokenHash::of("t"), verified("a"), 5, 5);
        cache.insert(TokenHash::of("u"), verified("b"), 4, 5);
        assert!(cache.is_empty());
    }

    #[test]
    fn the_entry_count_is_bounded() {
        let mut cache = TokenCache::new(4);
        for i in 0..4 {
            cache.insert(TokenHash::of(&format!("t{i}")), verified("x"), 100 + i, 0);
        }
        assert_eq!(cache.len(), 4);
        // Full, none expired: the one that expires soonest (t0) goes.
        cache.insert(TokenHash::of("t4"), verified("y"), 500, 0);
        assert_eq!(cache.len(), 4);
        assert_eq!(cache.get(&TokenHash::of("t0"), ORIGIN, 1), None);
        assert_eq!(
            cache.get(&TokenHash::of("t4"), ORIGIN, 1),
            Some(caller("y"))
        );
        // Full with expired entries: they go first, and the live ones stay.
        cache.insert(TokenHash::of("t5"), verified("z"), 600, 102);
        assert_eq!(
            cache.len(),
            3,
            "t1 (101) and t2 (102) expired; t3, t4, t5 remain"
        );
        for _ in 0..10_000 {
            cache.insert(TokenHash::of("same"), verified("s"), 700, 0);
        }
        assert!(cache.len() <= 4);
    }

    #[test]
    fn the_raw_token_is_never_stored() {
        let mut cache = TokenCache::new(8);
        let token = "mcpw_secret_token_value";
        let hash = TokenHash::of(token);
        assert_eq!(hash.as_hex(), sha256_hex(token));
        assert!(!hash.as_hex().contains(token));
        cache.insert(hash, verified("a"), 10, 0);
        let dump = format!("{cache:?}");
        assert!(!dump.contains(token), "{dump}");
        assert!(
            !dump.contains("ghp_upstream"),
            "the upstream token stays redacted"
        );
    }

    #[test]
    fn remember_is_bounded_by_the_ttl_and_the_token_expiry() {
        let hash = TokenHash::of("remember-test");
        remember(hash.clone(), caller("a"), ORIGIN, 30_000, Some(10_000), 0);
        assert_eq!(lookup(&hash, ORIGIN, 9_999), Some(caller("a")));
        assert_eq!(
            lookup(&hash, ORIGIN, 10_000),
            None,
            "never past the token's expiry"
        );
        remember(hash.clone(), caller("a"), ORIGIN, 600_000, None, 0);
        assert_eq!(
            lookup(&hash, ORIGIN, MAX_TTL_MS as i64 - 1),
            Some(caller("a"))
        );
        assert_eq!(
            lookup(&hash, ORIGIN, MAX_TTL_MS as i64),
            None,
            "never past 60 s"
        );
        remember(hash.clone(), caller("a"), ORIGIN, 0, None, 0);
        assert_eq!(lookup(&hash, ORIGIN, 1), None, "0 keeps nothing");
    }
}
