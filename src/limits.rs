//! Rate limits, counted by the Workers Rate Limiting bindings that `wrangler.toml` declares
//! (`[[ratelimits]]`; `wrangler dev` emulates them). Each binding has a fixed budget per
//! period; a [`Limit`] names the binding and the key it is counted under.
//!
//! The sign-in endpoints take no token, so they are limited per client address
//! (`CF-Connecting-IP`, which Cloudflare sets and no client can forge). Each endpoint has
//! its own key, so using one does not spend another's budget. What reaches GitHub (tool
//! calls, resource reads, completions) is limited per authenticated identity, and the search
//! tools (GitHub's search API allows 30 requests a minute) under a second, stricter budget
//! as well, a unit for each page a call may fetch. A deployment without a binding is
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
    /// `tools/call`, `resources/read` and `completion/complete`, per identity.
    ToolCall,
    /// Each page a search tool's `tools/call` may fetch, per identity, on top of
    /// [`Limit::ToolCall`].
    Search,
    /// A new session (`initialize` on `/mcp`, `GET /sse`), per identity: each is a Durable
    /// Object with stored state for a day.
    SessionStart,
    /// A token this server does not know, per client address: each costs a lookup (a KV
    /// read, or a request to a grant's object).
    UnknownToken,
}

impl Limit {
    /// The binding in `wrangler.toml`.
    pub fn binding(self) -> &'static str {
        match self {
            Limit::Registration => "REGISTER_LIMITER",
            Limit::SignIn(_) | Limit::MetadataFetch | Limit::UnknownToken => "SIGN_IN_LIMITER",
            Limit::ToolCall => "TOOL_CALL_LIMITER",
            Limit::Search => "SEARCH_LIMITER",
            Limit::SessionStart => "SESSION_LIMITER",
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
            Limit::SessionStart => format!("sessions:{client}"),
            Limit::UnknownToken => format!("unknown-token:{client}"),
        }
    }
}

/// The tools under the stricter [`Limit::Search`].
pub fn is_search_tool(name: &str) -> bool {
    name.starts_with("search")
}

/// One message that costs a GitHub request or more, as the limits count it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge<'a> {
    /// `tools/call`, `resources/read` or `completion/complete`.
    pub method: &'static str,
    /// The tool called (`tools/call` only).
    pub tool: Option<&'a str>,
    /// Units of [`Limit::Search`]: a search tool's pages (`maxPages`, at most
    /// [`MAX_SEARCH_PAGES`]), each a request to GitHub's search API; 0 for other messages.
    pub search_pages: u32,
}

/// The most pages a search tool fetches in one call (its schema's `maxPages` maximum).
pub const MAX_SEARCH_PAGES: u32 = 10;

/// The messages of one JSON-RPC request, or of each in a batch, that reach GitHub: tool
/// calls, resource reads and completions. They are counted as the server reads them, from
/// the parsed JSON, so no spelling of a method (`tools\/call`) escapes the count.
pub fn charges(message: &Value) -> Vec<Charge<'_>> {
    match message {
        Value::Array(items) => items.iter().filter_map(charge).collect(),
        single => charge(single).into_iter().collect(),
    }
}

fn charge(message: &Value) -> Option<Charge<'_>> {
    let method = message.get("method")?.as_str()?;
    let params = message.get("params");
    match method {
        "tools/call" => {
            let name = params
                .and_then(|p| p.get("name"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let search_pages = if is_search_tool(name) {
                let asked = params
                    .and_then(|p| p.get("arguments"))
                    .and_then(|a| a.get("maxPages"))
                    .and_then(Value::as_u64)
                    .unwrap_or(1);
                u32::try_from(asked)
                    .unwrap_or(MAX_SEARCH_PAGES)
                    .clamp(1, MAX_SEARCH_PAGES)
            } else {
                0
            };
            Some(Charge {
                method: "tools/call",
                tool: Some(name),
                search_pages,
            })
        }
        "resources/read" => Some(Charge {
            method: "resources/read",
            tool: None,
            search_pages: 0,
        }),
        "completion/complete" => Some(Charge {
            method: "completion/complete",
            tool: None,
            search_pages: 0,
        }),
        _ => None,
    }
}

/// Why a message was refused: the limit, and how long to wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub limit: Limit,
    pub retry_after: RetryAfter,
    /// The JSON-RPC method refused, if the request had one (`GET /sse` has none).
    pub method: Option<&'static str>,
    /// The tool whose call went over (a `tools/call`).
    pub tool: Option<String>,
}

impl Refused {
    /// What the caller reads: which budget ran out and when to try again.
    pub fn message(&self) -> String {
        let what = match self.limit {
            Limit::Search => "search requests (a search tool's call, one for each page it fetches)",
            Limit::SessionStart => "new sessions",
            _ => "requests that reach GitHub (tool calls, resource reads and completions)",
        };
        format!(
            "Rate limit exceeded: this server allows a limited number of {what} per caller each minute, and you have used them. Retry after {} seconds.",
            self.retry_after.0
        )
    }
}

/// Counts the messages in `message` that reach GitHub against `identity`'s budgets, unless
/// `TOOL_CALL_LIMITS=off` (`config.tool_call_limits`, for load tests).
pub async fn check_requests(
    env: &Env,
    config: &Config,
    identity: &str,
    message: &Value,
) -> Result<(), Refused> {
    let charges = charges(message);
    if charges.is_empty() || !config.tool_call_limits {
        return Ok(());
    }
    for charge in charges {
        let units = std::iter::once(Limit::ToolCall).chain(std::iter::repeat_n(
            Limit::Search,
            charge.search_pages as usize,
        ));
        for limit in units {
            if let Err(retry_after) = check(env, limit, identity).await {
                return Err(Refused {
                    limit,
                    retry_after,
                    method: Some(charge.method),
                    tool: charge.tool.map(str::to_string),
                });
            }
        }
    }
    Ok(())
}

/// Counts a new session against `identity`'s budget, unless `TOOL_CALL_LIMITS=off`.
/// `method`: `initialize` on `/mcp`; none for `GET /sse`.
pub async fn check_session_start(
    env: &Env,
    config: &Config,
    identity: &str,
    method: Option<&'static str>,
) -> Result<(), Refused> {
    if !config.tool_call_limits {
        return Ok(());
    }
    check(env, Limit::SessionStart, identity)
        .await
        .map_err(|retry_after| Refused {
            limit: Limit::SessionStart,
            retry_after,
            method,
            tool: None,
        })
}

/// The limit was reached: wait this many seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub u32);

/// What [`client_address`] says of a request without `CF-Connecting-IP`.
pub const UNKNOWN_ADDRESS: &str = "unknown";

/// The address a request came from, as Cloudflare saw it.
pub fn client_address(req: &Request) -> String {
    req.headers()
        .get("cf-connecting-ip")
        .ok()
        .flatten()
        .filter(|ip| !ip.is_empty() && ip.len() <= 45)
        .unwrap_or_else(|| UNKNOWN_ADDRESS.into())
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
        assert_eq!(Limit::SessionStart.key("local"), "sessions:local");
        assert_eq!(Limit::SessionStart.binding(), "SESSION_LIMITER");
    }

    #[test]
    fn charges_are_found_in_single_messages_and_batches() {
        let call = |name: &str| serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name}});
        let charge = |tool: &'static str, search_pages| Charge {
            method: "tools/call",
            tool: Some(tool),
            search_pages,
        };
        let other = |method: &'static str| Charge {
            method,
            tool: None,
            search_pages: 0,
        };
        assert_eq!(charges(&call("whoami")), vec![charge("whoami", 0)]);
        let batch = serde_json::json!([
            call("a"),
            {"method": "tools/list"},
            call("searchGithubCode"),
            {"method": "resources/read", "params": {"uri": "github://o/r/readme"}},
            {"method": "completion/complete"},
            {"method": "ping"}
        ]);
        assert_eq!(
            charges(&batch),
            vec![
                charge("a", 0),
                charge("searchGithubCode", 1),
                other("resources/read"),
                other("completion/complete")
            ]
        );
        assert!(charges(&serde_json::json!({"method": "ping"})).is_empty());
        assert!(is_search_tool("searchGithubCode") && !is_search_tool("getGithubReadme"));
        let refused = Refused {
            limit: Limit::Search,
            retry_after: RetryAfter(60),
            method: Some("tools/call"),
            tool: Some("searchGithubCode".into()),
        };
        assert!(refused.message().contains("search requests"));
        assert!(refused.message().contains("Retry after 60 seconds"));
    }

    #[test]
    fn an_escaped_method_is_counted_as_the_server_reads_it() {
        let body = br#"{"jsonrpc":"2.0","id":1,"method":"tools\/call","params":{"name":"whoami"}}"#;
        let value: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(charges(&value).len(), 1);
    }

    #[test]
    fn a_search_is_charged_a_unit_per_page_it_may_fetch() {
        let search = |pages: Value| serde_json::json!({"method": "tools/call", "params": {"name": "searchGithubIssues", "arguments": {"q": "x", "maxPages": pages}}});
        let pages = |v: Value| charges(&search(v))[0].search_pages;
        assert_eq!(pages(serde_json::json!(4)), 4);
        assert_eq!(pages(serde_json::json!(10)), 10);
        assert_eq!(pages(serde_json::json!(1_000_000)), MAX_SEARCH_PAGES);
        assert_eq!(pages(serde_json::json!(0)), 1);
        assert_eq!(pages(serde_json::json!("3")), 1);
        assert_eq!(pages(Value::Null), 1);
    }
}
