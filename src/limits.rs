//! Rate limits, counted by the Workers Rate Limiting bindings that `wrangler.toml` declares
//! (`[[ratelimits]]`; `wrangler dev` emulates them). Each binding has a fixed budget per
//! period; a [`Limit`] names the binding and the key it is counted under.
//!
//! The sign-in endpoints take no token, so they are limited per client address
//! (`CF-Connecting-IP`, which Cloudflare sets and no client can forge). Each endpoint has
//! its own key, so using one does not spend another's budget. A deployment without a
//! binding is not limited (and says so once in the log); a binding that fails open too,
//! since refusing everyone would be worse than counting nobody for a moment.

use worker::{Env, Request};

/// What is being limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// `POST /register`: each registration is a stored record.
    Registration,
    /// `/authorize`, `/callback`, `/token`, `/revoke`, each under its own key.
    SignIn(&'static str),
    /// Fetching a Client ID Metadata Document from the network.
    MetadataFetch,
}

impl Limit {
    /// The binding in `wrangler.toml`.
    pub fn binding(self) -> &'static str {
        match self {
            Limit::Registration => "REGISTER_LIMITER",
            Limit::SignIn(_) | Limit::MetadataFetch => "SIGN_IN_LIMITER",
        }
    }

    /// The binding's period, which the caller is told to wait.
    pub fn period_seconds(self) -> u32 {
        60
    }

    fn key(self, client: &str) -> String {
        match self {
            Limit::Registration => format!("register:{client}"),
            Limit::SignIn(endpoint) => format!("{endpoint}:{client}"),
            Limit::MetadataFetch => format!("cimd:{client}"),
        }
    }
}

/// The limit was reached: wait this many seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub u32);

/// The address a request came from, as Cloudflare saw it.
pub fn client_address(req: &Request) -> String {
    req.headers()
        .get("cf-connecting-ip")
        .ok()
        .flatten()
        .filter(|ip| !ip.is_empty() && ip.len() <= 45)
        .unwrap_or_else(|| "unknown".into())
}

/// Counts one use of `limit` by `client`, and says whether it is over budget.
pub async fn check(env: &Env, limit: Limit, client: &str) -> Result<(), RetryAfter> {
    let Ok(limiter) = env.rate_limiter(limit.binding()) else {
        warn_missing(limit.binding());
        return Ok(());
    };
    match limiter.limit(limit.key(client)).await {
        Ok(outcome) if !outcome.success => Err(RetryAfter(limit.period_seconds())),
        Ok(_) => Ok(()),
        Err(error) => {
            worker::console_error!("rate limiter {} failed: {error}", limit.binding());
            Ok(())
        }
    }
}

fn warn_missing(binding: &'static str) {
    thread_local! {
        static WARNED: std::cell::RefCell<Vec<&'static str>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    WARNED.with(|warned| {
        let mut warned = warned.borrow_mut();
        if !warned.contains(&binding) {
            warned.push(binding);
            worker::console_warn!(
                "the rate limit binding {binding} is missing from wrangler.toml; that limit is not enforced"
            );
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_endpoint_counts_under_its_own_key() {
        assert_eq!(Limit::Registration.key("1.2.3.4"), "register:1.2.3.4");
        assert_eq!(Limit::SignIn("token").key("1.2.3.4"), "token:1.2.3.4");
        assert_eq!(Limit::MetadataFetch.key("::1"), "cimd:::1");
        assert_ne!(
            Limit::SignIn("token").binding(),
            Limit::Registration.binding()
        );
    }
}
