//! Which browser origins may call us, and which hosts count as loopback.
//!
//! Browsers send `Origin` on cross-site requests. A present `Origin` that is not allowed is
//! refused (403) before anything else, which is what defeats DNS rebinding against a local
//! server. Allowed: our own origin, loopback origins (local tools such as MCP Inspector),
//! and whatever `ALLOWED_ORIGINS` lists (`*` for any).

/// True when `host` (a Host header or URL host, with or without a port) is loopback.
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim().to_ascii_lowercase();
    let name = if let Some(rest) = host.strip_prefix('[') {
        match rest.split_once(']') {
            Some((inside, after))
                if after.is_empty() || valid_port(&after[1..]) && after.starts_with(':') =>
            {
                inside.to_string()
            }
            _ => return false,
        }
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

fn is_ipv4_loopback(name: &str) -> bool {
    let octets: Vec<&str> = name.split('.').collect();
    octets.len() == 4
        && octets[0] == "127"
        && octets
            .iter()
            .all(|o| !o.is_empty() && o.len() <= 3 && o.parse::<u8>().is_ok())
}

/// The `Origin` policy for one deployment.
pub struct OriginPolicy<'a> {
    /// Our own origin, e.g. `https://mcp.example.workers.dev`.
    pub own_origin: &'a str,
    pub allowed: &'a [String],
}

impl OriginPolicy<'_> {
    pub fn allows(&self, origin: &str) -> bool {
        let origin = origin.trim_end_matches('/');
        if origin.eq_ignore_ascii_case(self.own_origin) {
            return true;
        }
        if self
            .allowed
            .iter()
            .any(|a| a == "*" || a.eq_ignore_ascii_case(origin))
        {
            return true;
        }
        let host = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"));
        host.is_some_and(|h| !h.contains('/') && is_loopback_host(h))
    }
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
            "",
            "[::1]x",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    #[test]
    fn origin_policy() {
        let allowed = vec!["https://playground.example".to_string()];
        let policy = OriginPolicy {
            own_origin: "https://mcp.example.dev",
            allowed: &allowed,
        };
        assert!(policy.allows("https://mcp.example.dev"));
        assert!(policy.allows("https://playground.example"));
        assert!(policy.allows("http://localhost:6274"));
        assert!(policy.allows("http://127.0.0.1:3000"));
        assert!(!policy.allows("http://evil.example.com"));
        assert!(!policy.allows("https://mcp.example.dev.evil.com"));
        assert!(!policy.allows("null"));
        let any = vec!["*".to_string()];
        assert!(OriginPolicy {
            own_origin: "https://a",
            allowed: &any
        }
        .allows("https://anything.example"));
    }
}
