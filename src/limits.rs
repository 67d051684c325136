//! Rate limits, counted by the Workers Rate Limiting bindings that `wrangler.toml` declares
//! (`[[ratelimits]]`; `wrangler dev` emulates them). Each binding has a fixed budget per
//! period; a [`Limit`] names the binding and the key it is counted under.
//!
//! The sign-in endpoints take no token, so they are limited per client address
//! (`CF-Connecting-IP`, which Cloudflare sets and no client can forge). Each endpoint has
//! its own key, so using one does not spend another's budget. Tool calls are limited per
//! authenticated identity, and the search tools (GitHub's search API allows 30 requests
//! a minute) under a second, stricter budget as well. A deployment without a binding is
//! not limited (and says so once in the log); a binding that fails open too, since
//! refusing everyone would be worse than counting nobody for a moment.

use serde_json::Value;
use worker::{Env, Request};

use crate::config::Config;

/// What is being limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// `POST /register`: each registration is a stored record.
    Registration,
    /// `/authorize`, `/callback`, `/token`, `/revoke`, each under its own key.
    SignIn(&'static str),
    /// Fetching a Client ID Metadata Document from the network.
    MetadataFetch,
    /// `tools/call`, per identity.
    ToolCall,
    /// `tools/call` of a search tool, per identity, on top of [`Limit::ToolCall`].
    Search,
}

impl Limit {
    /// The binding in `wrangler.toml`.
    pub fn binding(self) -> &'static str {
        match self {
            Limit::Registration => "REGISTER_LIMITER",
            Limit::SignIn(_) | Limit::MetadataFetch => "SIGN_IN_LIMITER",
            Limit::ToolCall => "TOOL_CALL_LIMITER",
            Limit::Search => "SEARCH_LIMITER",
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
            Limit::ToolCall => format!("tools:{client}"),
            Limit::Search => format!("search:{client}"),
        }
    }
}

/// The tools under the stricter [`Limit::Search`].
pub fn is_search_tool(name: &str) -> bool {
    name.starts_with("search")
}

/// The tool names called by a message: one JSON-RPC request, or each of a batch's.
pub fn tool_calls(message: &Value) -> Vec<&str> {
    match message {
        Value::Array(items) => items.iter().filter_map(tool_call).collect(),
        single => tool_call(single).into_iter().collect(),
    }
}

fn tool_call(message: &Value) -> Option<&str> {
    if message.get("method")?.as_str()? != "tools/call" {
        return None;
    }
    let name = message.get("params").and_then(|p| p.get("name"));
    Some(name.and_then(Value::as_str).unwrap_or(""))
}

/// Why a tool call was refused: the limit, and how long to wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub limit: Limit,
    pub retry_after: RetryAfter,
    /// The tool whose call went over.
    pub tool: String,
}

impl Refused {
    /// What the caller reads: which budget ran out and when to try again.
    pub fn message(&self) -> String {
        let what = match self.limit {
            Limit::Search => "search tool calls",
            _ => "tool calls",
        };
        format!(
            "Rate limit exceeded: this server allows a limited number of {what} per caller each minute, and you have used them. Retry after {} seconds.",
            self.retry_after.0
        )
    }
}

/// Counts the tool calls in `message` against `identity`'s budgets, unless
/// `TOOL_CALL_LIMITS=off` (`config.tool_call_limits`, for load tests).
pub async fn check_tool_calls(
    env: &Env,
    config: &Config,
    identity: &str,
    message: &Value,
) -> Result<(), Refused> {
    let names = tool_calls(message);
    if names.is_empty() || !config.tool_call_limits {
        return Ok(());
    }
    for name in names {
        for limit in [Limit::ToolCall, Limit::Search] {
            if limit == Limit::Search && !is_search_tool(name) {
                continue;
            }
            if let Err(retry_after) = check(env, limit, identity).await {
                return Err(Refused {
                    limit,
                    retry_after,
                    tool: name.to_string(),
                });
            }
        }
    }
    Ok(())
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
        assert_eq!(Limit::ToolCall.key("bearer:tok_1"), "tools:bearer:tok_1");
        assert_eq!(Limit::Search.key("local"), "search:local");
    }

    #[test]
    fn tool_calls_are_found_in_single_messages_and_batches() {
        let call = |name: &str| serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name}});
        assert_eq!(tool_calls(&call("whoami")), vec!["whoami"]);
        let batch =
            serde_json::json!([call("a"), {"method": "tools/list"}, call("searchGithubCode")]);
        assert_eq!(tool_calls(&batch), vec!["a", "searchGithubCode"]);
        assert!(tool_calls(&serde_json::json!({"method": "ping"})).is_empty());
        assert!(is_search_tool("searchGithubCode") && !is_search_tool("getGithubReadme"));
        let refused = Refused {
            limit: Limit::Search,
            retry_after: RetryAfter(60),
            tool: "searchGithubCode".into(),
        };
        assert!(refused.message().contains("search tool calls"));
        assert!(refused.message().contains("Retry after 60 seconds"));
    }
}
