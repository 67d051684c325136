//! Tokens this server does not know, counted per client address. Each one costs a lookup (a
//! KV read, or a request to a grant's object) before it can be refused, and nothing bounded
//! them: one address could spend a free plan's daily KV reads in minutes. The same rules
//! take the refresh and access tokens at `/token` and `/revoke` that have the shape of ours
//! but not our signature (`oauth::token`: minted before tokens were signed, or made up). Past [`Limit::UnknownToken`]'s budget (60 a minute,
//! `SIGN_IN_LIMITER`), the isolate refuses that address's tokens it has not verified
//! already, with 429 and no lookup, for a minute. At most [`LOOKUPS_AT_ONCE`] different
//! tokens of one address are looked up at once in an isolate, or a burst sent together would
//! all be looked up before the first was counted (200 at once all were). The same token
//! sent many times at once is one of them: a client with a valid token making sixty calls at
//! once was refused for forty of them, as if its token were unknown. All tokens of one
//! address together have at most [`ALL_LOOKUPS_AT_ONCE`] lookups running, or one unknown
//! token sent a thousand times at once would cost a thousand reads; a request past them
//! whose token is being looked up already waits for that lookup (`auth::authenticate`), so
//! that a valid client's burst is not refused.
//!
//! An IPv6 client is counted by its /64, which is what one subscriber holds. A token this
//! isolate verified recently ([`super::token_cache`]) is still accepted, so a client that
//! shares an address with the one refused keeps working while its token is cached.
//! Requests without `CF-Connecting-IP` (`wrangler dev`; Cloudflare always sets it) are not
//! counted.

use std::cell::RefCell;
use std::net::Ipv6Addr;

use worker::Env;

use crate::limits::{self, Limit};

/// Addresses refused in this isolate, at most this many (the oldest give way).
const MAX_REFUSED: usize = 1024;
/// Different unverified tokens of one address looked up at once in an isolate.
pub const LOOKUPS_AT_ONCE: usize = 20;
/// Lookups of one address's unverified tokens, the same or not, running at once in an
/// isolate.
pub const ALL_LOOKUPS_AT_ONCE: usize = 100;

thread_local! {
    /// Address and until when (epoch ms) its unknown tokens are refused.
    static REFUSED: RefCell<Vec<(String, i64)>> = const { RefCell::new(Vec::new()) };
    /// Lookups running: the address, the token's hash, and how many of that token.
    static RUNNING: RefCell<Vec<(String, String, usize)>> = const { RefCell::new(Vec::new()) };
}

/// What an address is counted as: an IPv6 address by its /64; none without an address.
fn counted_as(address: &str) -> Option<String> {
    if address == limits::UNKNOWN_ADDRESS {
        return None;
    }
    match address.parse::<Ipv6Addr>() {
        Ok(v6) => {
            let [a, b, c, d, ..] = v6.segments();
            Some(format!("{a:x}:{b:x}:{c:x}:{d:x}::/64"))
        }
        Err(_) => Some(address.to_string()),
    }
}

/// A lookup of an unverified token, counted against its address while it runs: the
/// address as counted, and the token's hash.
pub struct Lookup(Option<(String, String)>);

/// Why a lookup may not start now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotNow {
    /// The address is refused for this many seconds.
    Refused(u32),
    /// The address has as many lookups running as it may.
    Busy,
}

impl NotNow {
    /// The seconds to tell the client to wait.
    pub fn retry_after(self) -> u32 {
        match self {
            NotNow::Refused(seconds) => seconds,
            NotNow::Busy => 1,
        }
    }
}

/// Starts a lookup of the unverified token whose hash is `token` from `address`, or says
/// why not now.
pub fn start(address: &str, token: &str, now_ms: i64) -> Result<Lookup, NotNow> {
    let Some(key) = counted_as(address) else {
        return Ok(Lookup(None));
    };
    if let Some(seconds) = refused_for(&key, now_ms) {
        return Err(NotNow::Refused(seconds));
    }
    RUNNING.with(|running| {
        let mut running = running.borrow_mut();
        let of_address = running.iter().filter(|(a, _, _)| *a == key);
        let (tokens, lookups) = of_address.fold((0, 0), |(t, l), (_, _, n)| (t + 1, l + n));
        if lookups >= ALL_LOOKUPS_AT_ONCE {
            return Err(NotNow::Busy);
        }
        if let Some((_, _, n)) = running.iter_mut().find(|(a, t, _)| *a == key && t == token) {
            *n += 1;
        } else if tokens >= LOOKUPS_AT_ONCE {
            return Err(NotNow::Busy);
        } else {
            running.push((key.clone(), token.to_string(), 1));
        }
        Ok(Lookup(Some((key, token.to_string()))))
    })
}

/// Whether a lookup of the token whose hash is `token` from `address` is running.
pub fn is_running(address: &str, token: &str) -> bool {
    let Some(key) = counted_as(address) else {
        return false;
    };
    RUNNING.with(|running| {
        running
            .borrow()
            .iter()
            .any(|(a, t, _)| *a == key && t == token)
    })
}

impl Lookup {
    /// The token was not one this server knows: counted; past the budget, the address is
    /// refused here.
    pub async fn failed(&self, env: &Env, now_ms: i64) {
        let Some((key, _)) = &self.0 else {
            return;
        };
        if let Err(retry_after) = limits::check(env, Limit::UnknownToken, key).await {
            let until = now_ms + i64::from(retry_after.0) * 1000;
            refuse(key, until, now_ms);
        }
    }
}

impl Drop for Lookup {
    fn drop(&mut self) {
        let Some((key, token)) = &self.0 else {
            return;
        };
        RUNNING.with(|running| {
            let mut running = running.borrow_mut();
            if let Some((_, _, n)) = running.iter_mut().find(|(a, t, _)| a == key && t == token) {
                *n = n.saturating_sub(1);
            }
            running.retain(|(_, _, n)| *n > 0);
        });
    }
}

/// Seconds until the address counted as `key` may present unverified tokens again, if it
/// is refused now.
fn refused_for(key: &str, now_ms: i64) -> Option<u32> {
    REFUSED.with(|refused| {
        let refused = refused.borrow();
        let until = refused.iter().find(|(a, _)| a == key)?.1;
        let left_ms = until - now_ms;
        (left_ms > 0).then(|| u32::try_from((left_ms + 999) / 1000).unwrap_or(u32::MAX))
    })
}

fn refuse(key: &str, until: i64, now_ms: i64) {
    REFUSED.with(|refused| {
        let mut refused = refused.borrow_mut();
        refused.retain(|(a, until)| a != key && *until > now_ms);
        if refused.len() >= MAX_REFUSED {
            refused.remove(0);
        }
        refused.push((key.to_string(), until));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_refused_until_its_minute_is_out_and_the_list_is_bounded() {
        refuse("192.0.2.1", 61_000, 1_000);
        assert_eq!(
            start("192.0.2.1", "t", 1_000).err(),
            Some(NotNow::Refused(60))
        );
        assert_eq!(
            start("192.0.2.1", "t", 60_500).err(),
            Some(NotNow::Refused(1))
        );
        assert!(start("192.0.2.1", "t", 61_000).is_ok());
        assert!(start("192.0.2.2", "t", 1_000).is_ok());
        for n in 0..MAX_REFUSED + 5 {
            refuse(&format!("10.0.{}.{}", n / 256, n % 256), 100_000, 2_000);
        }
        REFUSED.with(|refused| assert_eq!(refused.borrow().len(), MAX_REFUSED));
        assert!(start("10.0.0.0", "t", 2_000).is_ok(), "the oldest gave way");
        assert!(start("10.0.4.4", "t", 2_000).is_err());
    }

    #[test]
    fn an_ipv6_client_is_one_address_per_64_in_any_spelling() {
        let key = counted_as("2001:db8:1:2::1").unwrap();
        assert_eq!(key, "2001:db8:1:2::/64");
        for same in ["2001:DB8:1:2:ffff::9", "2001:0db8:0001:0002:0:0:0:82"] {
            assert_eq!(counted_as(same).unwrap(), key);
        }
        assert_ne!(counted_as("2001:db8:1:3::1").unwrap(), key);
        assert_eq!(counted_as("192.0.2.1").unwrap(), "192.0.2.1");
        assert_eq!(counted_as(limits::UNKNOWN_ADDRESS), None);
    }

    #[test]
    fn twenty_different_tokens_of_one_address_are_looked_up_at_once() {
        let running: Vec<Lookup> = (0..LOOKUPS_AT_ONCE)
            .map(|n| start("198.51.100.1", &format!("t{n}"), 0).ok().unwrap())
            .collect();
        assert_eq!(
            start("198.51.100.1", "another", 0).err(),
            Some(NotNow::Busy)
        );
        assert!(
            start("198.51.100.2", "another", 0).is_ok(),
            "another address is not held up"
        );
        drop(running);
        assert!(start("198.51.100.1", "another", 0).is_ok());
        RUNNING.with(|running| assert!(running.borrow().is_empty()));
        // Without an address nothing is counted.
        let free: Vec<Lookup> = (0..LOOKUPS_AT_ONCE + 1)
            .map(|n| {
                start(limits::UNKNOWN_ADDRESS, &format!("t{n}"), 0)
                    .ok()
                    .unwrap()
            })
            .collect();
        assert_eq!(free.len(), LOOKUPS_AT_ONCE + 1);
    }

    #[test]
    fn one_token_sent_many_times_at_once_is_one_lookup_of_the_twenty() {
        let same: Vec<Lookup> = (0..3 * LOOKUPS_AT_ONCE)
            .map(|_| start("198.51.100.3", "valid", 0).ok().unwrap())
            .collect();
        let others: Vec<Lookup> = (1..LOOKUPS_AT_ONCE)
            .map(|n| start("198.51.100.3", &format!("t{n}"), 0).ok().unwrap())
            .collect();
        assert_eq!(
            start("198.51.100.3", "one more", 0).err(),
            Some(NotNow::Busy)
        );
        drop(same);
        assert!(start("198.51.100.3", "one more", 0).is_ok());
        drop(others);
        RUNNING.with(|running| assert!(running.borrow().is_empty()));
    }

    #[test]
    fn an_address_has_at_most_a_hundred_lookups_running_whatever_its_tokens() {
        let same: Vec<Lookup> = (0..ALL_LOOKUPS_AT_ONCE)
            .map(|_| start("198.51.100.4", "unknown", 0).ok().unwrap())
            .collect();
        assert_eq!(
            start("198.51.100.4", "unknown", 0).err(),
            Some(NotNow::Busy)
        );
        assert!(is_running("198.51.100.4", "unknown"));
        assert!(!is_running("198.51.100.4", "another"));
        assert_eq!(
            start("198.51.100.4", "another", 0).err(),
            Some(NotNow::Busy)
        );
        drop(same);
        assert!(start("198.51.100.4", "unknown", 0).is_ok());
    }
}
