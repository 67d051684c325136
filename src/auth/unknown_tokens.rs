//! Tokens this server does not know, counted per client address. Each one costs a KV read
//! before it can be refused, and nothing bounded them: one address could spend a free
//! plan's daily KV reads in minutes. Past [`Limit::UnknownToken`]'s budget (60 a minute,
//! `SIGN_IN_LIMITER`), the isolate refuses that address's tokens it has not verified
//! already, with 429 and no lookup, until the minute is out.
//!
//! A token this isolate verified recently ([`super::token_cache`]) is still accepted, so a
//! client that shares an address with the one refused keeps working while its token is
//! cached. Requests without `CF-Connecting-IP` (`wrangler dev`; Cloudflare always sets it)
//! are not counted.

use std::cell::RefCell;

use worker::Env;

use crate::limits::{self, Limit};

/// Addresses refused in this isolate, at most this many (the oldest give way).
const MAX_REFUSED: usize = 1024;

thread_local! {
    /// Address and until when (epoch ms) its unknown tokens are refused.
    static REFUSED: RefCell<Vec<(String, i64)>> = const { RefCell::new(Vec::new()) };
}

/// Seconds until `address` may present unverified tokens again, if it is refused now.
pub fn refused_for(address: &str, now_ms: i64) -> Option<u32> {
    REFUSED.with(|refused| {
        let refused = refused.borrow();
        let until = refused.iter().find(|(a, _)| a == address)?.1;
        let left_ms = until - now_ms;
        (left_ms > 0).then(|| u32::try_from((left_ms + 999) / 1000).unwrap_or(u32::MAX))
    })
}

/// Counts an unknown token from `address`; past the budget, refuses the address here.
pub async fn count(env: &Env, address: &str, now_ms: i64) {
    if address == limits::UNKNOWN_ADDRESS {
        return;
    }
    if let Err(retry_after) = limits::check(env, Limit::UnknownToken, address).await {
        let until = now_ms + i64::from(retry_after.0) * 1000;
        refuse(address, until, now_ms);
    }
}

fn refuse(address: &str, until: i64, now_ms: i64) {
    REFUSED.with(|refused| {
        let mut refused = refused.borrow_mut();
        refused.retain(|(a, until)| a != address && *until > now_ms);
        if refused.len() >= MAX_REFUSED {
            refused.remove(0);
        }
        refused.push((address.to_string(), until));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_refused_until_its_minute_is_out_and_the_list_is_bounded() {
        refuse("192.0.2.1", 61_000, 1_000);
        assert_eq!(refused_for("192.0.2.1", 1_000), Some(60));
        assert_eq!(refused_for("192.0.2.1", 60_500), Some(1));
        assert_eq!(refused_for("192.0.2.1", 61_000), None);
        assert_eq!(refused_for("192.0.2.2", 1_000), None);
        for n in 0..MAX_REFUSED + 5 {
            refuse(&format!("10.0.{}.{}", n / 256, n % 256), 100_000, 2_000);
        }
        REFUSED.with(|refused| assert_eq!(refused.borrow().len(), MAX_REFUSED));
        assert_eq!(refused_for("10.0.0.0", 2_000), None, "the oldest gave way");
        assert!(refused_for("10.0.4.4", 2_000).is_some());
    }
}
