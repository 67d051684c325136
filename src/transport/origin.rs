//! Which browser origins may call us, and which hosts count as loopback.
//!
//! Browsers send `Origin` on cross-site requests. A present `Origin` that is not allowed is
//! refused (403) before anything else. What is allowed depends on the endpoint and the mode:
//!
//! - `AUTH_MODE=none` trusts whoever reaches it, so it serves only its own origin, loopback
//!   origins (local tools such as MCP Inspector) and `ALLOWED_ORIGINS`. This is what defeats
//!   DNS rebinding against a local server.
//! - In `oauth` and `bearer` modes every API request carries a token and no cookie
//!   authenticates them, so the API endpoints (MCP, discovery, registration, token,
//!   revocation) accept any origin. `ALLOWED_ORIGINS`, when set, narrows that to our own
//!   origin plus the list.
//! - The sign-in pages (`/authorize`, `/callback`) are cookie-bound. They accept only our own
//!   origin, and on the consent form's POST the `null` that browsers send when the page
//!   withholds its referrer (the form's CSRF token, `SameSite` cookie and signed request
//!   still have to match).
//!
//! Every parser here works on untrusted header text, so it uses only checked operations.

/// True when `host` (a Host header or URL host, with or without a port) is loopback.
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim().to_ascii_lowercase();
    let name = if let Some(rest) = host.strip_prefix('[') {
        let Some((inside, after)) = rest.split_once(']') else {
            return false;
        };
        let port_ok = after.is_empty() || after.strip_prefix(':').is_some_and(valid_port);
        if !port_ok {
            return false;
        }
        inside.to_string()
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) if valid_port(port) => name.to_string(),
            Some(_) => return false,
            None => host,
        }
    };
    name == "localhost" || name == "::1" || is_ipv4_loopback(&name)
}

fn valid_port(port: &str) -> bool {
    !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit())
}

/// Four dotted decimal octets, the first 127. Digits only: `u8::from_str` also takes a
/// leading `+`, and `127.0.0.+1` is a domain name to a browser.
fn is_ipv4_loopback(name: &str) -> bool {
    let octets: Vec<&str> = name.split('.').collect();
    octets.len() == 4
        && octets.first() == Some(&"127")
        && octets.iter().all(|o| {
            (1..=3).contains(&o.len())
                && o.bytes().all(|b| b.is_ascii_digit())
                && o.parse::<u8>().is_ok()
        })
}

/// What kind of endpoint a request is for, as far as origins are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// Token-authenticated or public: MCP, discovery, `/register`, `/token`, `/revoke`,
    /// `/healthz`, and anything unknown (which is a 404 either way).
    Api,
    /// A cookie-bound sign-in page (`/authorize`, `/callback`).
    SignInPage,
    /// The consent form's POST to `/authorize`.
    ConsentForm,
}

impl Endpoint {
    pub fn of(method_is_post: bool, path: &str) -> Endpoint {
        match path {
            "/authorize" if method_is_post => Endpoint::ConsentForm,
            "/authorize" | "/callback" => Endpoint::SignInPage,
            _ => Endpoint::Api,
        }
    }
}

/// The `Origin` policy for one deployment.
pub struct OriginPolicy<'a> {
    /// Our own origin, e.g. `https://mcp.example.workers.dev`.
    pub own_origin: &'a str,
    /// `ALLOWED_ORIGINS`; `*` allows any.
    pub listed: &'a [String],
    /// True in `oauth` and `bearer` modes: token-authenticated endpoints are open to any
    /// origin unless `ALLOWED_ORIGINS` narrows them.
    pub tokens_required: bool,
}

impl OriginPolicy<'_> {
    pub fn allows(&self, origin: &str, endpoint: Endpoint) -> bool {
        let origin = origin.trim().trim_end_matches('/');
        if !is_serialized_origin(origin) {
            return false;
        }
        if origin.eq_ignore_ascii_case(self.own_origin) {
            return true;
        }
        match endpoint {
            Endpoint::SignInPage => false,
            Endpoint::ConsentForm => origin == "null",
            Endpoint::Api if self.tokens_required && self.listed.is_empty() => true,
            Endpoint::Api => {
                self.is_listed(origin) || (!self.tokens_required && is_loopback_origin(origin))
            }
        }
    }

    fn is_listed(&self, origin: &str) -> bool {
        self.listed
            .iter()
            .any(|a| a == "*" || a.eq_ignore_ascii_case(origin))
    }
}

/// What a browser sends: `null`, or `scheme://host[:port]` in printable ASCII. Anything
/// else is refused before it could be echoed into a response header.
pub(crate) fn is_serialized_origin(origin: &str) -> bool {
    if origin == "null" {
        return true;
    }
    let Some((scheme, rest)) = origin.split_once("://") else {
        return false;
    };
    origin.len() <= 512
        && !scheme.is_empty()
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
        && !rest.is_empty()
        && rest
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"/?#@".contains(&b))
}

/// `http(s)://` followed by a loopback host and nothing else.
fn is_loopback_origin(origin: &str) -> bool {
    let host = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    host.is_some_and(|h| !h.contains('/') && is_loopback_host(h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for host in [
            "localhost",
            "localhost:8787",
            "127.0.0.1",
            "127.0.0.1:1",
            "127.9.8.7:65535",
            "[::1]",
            "[::1]:8787",
            "LOCALHOST",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "evil.example.com",
            "localhost.evil.com",
            "127.0.0.1.evil.com",
            "128.0.0.1",
            "10.0.0.1",
            "[::2]",
            "localhost:abc",
            "127.0.0.256",
            "127.0.0.+1",
            "127.+0.0.1:80",
            "",
            "[::1]x",
            "[::1]é",
            "[::1]:é",
            "[::1]\u{e9}:80",
            "[",
            "]",
            "[::1",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    fn policy<'a>(listed: &'a [String], tokens_required: bool) -> OriginPolicy<'a> {
        OriginPolicy {
            own_origin: "https://mcp.example.dev",
            listed,
            tokens_required,
        }
    }

    #[test]
    fn local_mode_serves_only_itself_loopback_and_the_list() {
        let listed = vec!["https://playground.example".to_string()];
        let p = policy(&listed, false);
        for ok in [
            "https://mcp.example.dev",
            "https://playground.example",
            "http://localhost:6274",
            "http://127.0.0.1:3000",
        ] {
            assert!(p.allows(ok, Endpoint::Api), "{ok}");
        }
        for bad in [
            "http://evil.example.com",
            "https://mcp.example.dev.evil.com",
            "null",
            "http://[::1]\u{e9}",
            "http://127.0.0.+1",
        ] {
            assert!(!p.allows(bad, Endpoint::Api), "{bad}");
        }
        let any = vec!["*".to_string()];
        assert!(policy(&any, false).allows("https://anything.example", Endpoint::Api));
    }

    #[test]
    fn token_modes_open_the_api_to_any_origin_unless_narrowed() {
        let p = policy(&[], true);
        for origin in [
            "https://playground.ai.cloudflare.com",
            "http://evil.example",
            "null",
            "http://[::1]:6274",
            "chrome-extension://abcdef",
        ] {
            assert!(p.allows(origin, Endpoint::Api), "{origin}");
        }
        for malformed in [
            "http://[::1]\u{e9}",
            "http://a.example/path",
            "http://a b",
            "evil",
            "://x",
            "http://",
            "http://a\r\nSet-Cookie: x=1",
        ] {
            assert!(!p.allows(malformed, Endpoint::Api), "{malformed:?}");
        }
        let listed = vec!["https://playground.ai.cloudflare.com".to_string()];
        let narrowed = policy(&listed, true);
        assert!(narrowed.allows("https://playground.ai.cloudflare.com", Endpoint::Api));
        assert!(narrowed.allows("https://mcp.example.dev", Endpoint::Api));
        assert!(!narrowed.allows("https://other.example", Endpoint::Api));
        assert!(!narrowed.allows("http://localhost:6274", Endpoint::Api));
    }

    #[test]
    fn sign_in_pages_take_only_our_origin_and_the_consent_form_also_null() {
        for p in [policy(&[], true), policy(&["*".to_string()], true)] {
            assert!(p.allows("https://mcp.example.dev", Endpoint::SignInPage));
            assert!(!p.allows("null", Endpoint::SignInPage));
            assert!(!p.allows("https://evil.example", Endpoint::SignInPage));
            assert!(p.allows("null", Endpoint::ConsentForm));
            assert!(p.allows("https://mcp.example.dev", Endpoint::ConsentForm));
            assert!(!p.allows("https://evil.example", Endpoint::ConsentForm));
        }
        assert_eq!(Endpoint::of(true, "/authorize"), Endpoint::ConsentForm);
        assert_eq!(Endpoint::of(false, "/authorize"), Endpoint::SignInPage);
        assert_eq!(Endpoint::of(false, "/callback"), Endpoint::SignInPage);
        assert_eq!(Endpoint::of(true, "/mcp"), Endpoint::Api);
    }
}
