//! The MCP URLs: `/mcp` and `/sse`, each optionally narrowed to toolsets
//! (`/mcp/x/issues,pulls`) and with lockdown switched on (`/mcp/lockdown`,
//! `/sse/x/repos/lockdown`), and `/sse/message` for HTTP+SSE posts. The OAuth discovery
//! documents and token audiences accept every one of these URLs.
//!
//! Parsing is by bytes and checked operations only: the path is untrusted.

/// Which transport a URL belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// Streamable HTTP.
    Mcp,
    /// HTTP+SSE: the event stream.
    Sse,
    /// HTTP+SSE: where messages are posted.
    SseMessage,
}

/// A parsed MCP URL path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct McpPath {
    pub endpoint: Endpoint,
    /// The toolsets after `/x/`, commas decoded.
    pub toolsets: Option<String>,
    /// The path ends in `/lockdown`.
    pub lockdown: bool,
}

/// The longest toolset list a URL may carry.
const MAX_LIST: usize = 256;

/// `path` without the one trailing `/` people paste (`/mcp/`, `/sse/`, `/mcp/x/issues/`).
pub fn canonical(path: &str) -> &str {
    path.strip_suffix('/')
        .filter(|rest| !rest.is_empty() && !rest.ends_with('/'))
        .unwrap_or(path)
}

/// Parses `path`, or `None` when it is not an MCP URL. One trailing `/` is allowed.
pub fn parse(path: &str) -> Option<McpPath> {
    let path = canonical(path);
    if path == "/sse/message" {
        return Some(McpPath {
            endpoint: Endpoint::SseMessage,
            toolsets: None,
            lockdown: false,
        });
    }
    let (endpoint, mut rest) = if let Some(rest) = path.strip_prefix("/mcp") {
        (Endpoint::Mcp, rest)
    } else {
        (Endpoint::Sse, path.strip_prefix("/sse")?)
    };
    let lockdown = match rest.strip_suffix("/lockdown") {
        Some(before) => {
            rest = before;
            true
        }
        None => false,
    };
    let toolsets = match rest {
        "" => None,
        _ => {
            let list = rest
                .strip_prefix("/x/")?
                .replace("%2C", ",")
                .replace("%2c", ",");
            let well_formed = !list.is_empty()
                && list.len() <= MAX_LIST
                && list
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b',' || b == b'-' || b == b'_');
            if !well_formed {
                return None;
            }
            Some(list)
        }
    };
    Some(McpPath {
        endpoint,
        toolsets,
        lockdown,
    })
}

/// True when `path` names an MCP endpoint a token may be for: `/mcp` or `/sse` and their
/// narrowed forms (not `/sse/message`, which is only reached through `/sse`).
pub fn is_resource_path(path: &str) -> bool {
    parse(path).is_some_and(|p| p.endpoint != Endpoint::SseMessage)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form_and_nothing_else() {
        let ok = |path: &str, endpoint, toolsets: Option<&str>, lockdown| {
            let expected = McpPath {
                endpoint,
                toolsets: toolsets.map(str::to_string),
                lockdown,
            };
            assert_eq!(parse(path), Some(expected), "{path}");
        };
        ok("/mcp", Endpoint::Mcp, None, false);
        ok("/sse", Endpoint::Sse, None, false);
        ok(
            "/mcp/x/issues,pulls",
            Endpoint::Mcp,
            Some("issues,pulls"),
            false,
        );
        ok(
            "/mcp/x/issues%2Cpulls",
            Endpoint::Mcp,
            Some("issues,pulls"),
            false,
        );
        ok("/sse/x/repos/lockdown", Endpoint::Sse, Some("repos"), true);
        ok("/mcp/lockdown", Endpoint::Mcp, None, true);
        ok("/sse/message", Endpoint::SseMessage, None, false);
        // One trailing slash, as people paste URLs.
        ok("/mcp/", Endpoint::Mcp, None, false);
        ok("/sse/", Endpoint::Sse, None, false);
        ok("/mcp/x/issues/", Endpoint::Mcp, Some("issues"), false);
        ok("/sse/message/", Endpoint::SseMessage, None, false);
        assert_eq!(canonical("/mcp/x/issues/"), "/mcp/x/issues");
        assert_eq!(canonical("/"), "/");
        for bad in [
            "/mcp//",
            "/mcpx",
            "/mcp/x/",
            "/mcp/x",
            "/mcp/y/issues",
            "/mcp/x/issues//",
            "/mcp/x/a b",
            "/mcp/x/a/b",
            "/mcp/x/%2e%2e",
            "/mcp/lockdown/x/issues",
            "/sse/message/x",
            "/other",
            "/mcp/x/é",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        assert_eq!(parse(&format!("/mcp/x/{}", "a".repeat(MAX_LIST + 1))), None);
        assert!(is_resource_path("/mcp/x/users/lockdown"));
        assert!(!is_resource_path("/sse/message"));
    }
}
