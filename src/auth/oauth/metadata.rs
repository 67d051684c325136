//! Discovery: the authorization server metadata (RFC 8414), the protected resource
//! metadata (RFC 9728), and which `resource` values (RFC 8707) name this server.
//!
//! Tokens are bound to this server's origin, so one token serves both `/mcp` and `/sse`
//! and nothing else: a `resource` is accepted when it is our origin, optionally followed
//! by one of our MCP paths, narrowed ones such as `/mcp/x/issues,pulls` included.

use serde_json::{json, Value};

use crate::transport::mcp_path::{canonical, is_resource_path};

pub fn authorization_server(issuer: &str) -> Value {
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "registration_endpoint": format!("{issuer}/register"),
        "revocation_endpoint": format!("{issuer}/revoke"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_methods_supported": ["none", "client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["none", "client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "client_id_metadata_document_supported": true,
        "authorization_response_iss_parameter_supported": true,
    })
}

/// The protected resource metadata served at `/.well-known/oauth-protected-resource{suffix}`.
pub fn protected_resource(origin: &str, suffix: &str) -> Value {
    json!({
        "resource": format!("{origin}{suffix}"),
        "authorization_servers": [origin],
        "bearer_methods_supported": ["header"],
        "resource_name": "GitHub MCP Worker",
    })
}

/// The `resource_metadata` URL a 401 from `path` points to (`/mcp/` is `/mcp`'s).
pub fn resource_metadata_url(origin: &str, path: &str) -> String {
    let suffix = if is_resource_path(path) {
        canonical(path)
    } else {
        ""
    };
    format!("{origin}/.well-known/oauth-protected-resource{suffix}")
}

/// True when `resource` names this server: our origin (scheme and host compared without
/// regard to case), with no path, `/`, or one of the MCP paths, and no query or fragment.
pub fn names_this_server(resource: &str, origin: &str) -> bool {
    let Ok(url) = url::Url::parse(resource) else {
        return false;
    };
    let path = url.path().trim_end_matches('/');
    url.origin()
        .ascii_serialization()
        .eq_ignore_ascii_case(origin)
        && url.query().is_none()
        && url.fragment().is_none()
        && (path.is_empty() || is_resource_path(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "https://mcp.example.dev";

    #[test]
    fn a_token_for_this_server_covers_both_mcp_paths_and_nothing_else() {
        for ok in [
            "https://mcp.example.dev",
            "https://mcp.example.dev/",
            "https://mcp.example.dev/mcp",
            "https://mcp.example.dev/sse",
            "HTTPS://MCP.EXAMPLE.DEV/mcp",
            "https://mcp.example.dev/mcp/x/issues,pulls",
            "https://mcp.example.dev/sse/x/repos/lockdown",
            "https://mcp.example.dev/mcp/lockdown",
        ] {
            assert!(names_this_server(ok, ORIGIN), "{ok}");
        }
        for bad in [
            "https://other.example/mcp",
            "https://mcp.example.dev/other",
            "https://mcp.example.dev:8443/mcp",
            "http://mcp.example.dev/mcp",
            "https://mcp.example.dev/mcp?x=1",
            "https://mcp.example.dev/mcp#f",
            "https://mcp.example.dev/mcp/x/",
            "https://mcp.example.dev/sse/message",
            "mcp",
        ] {
            assert!(!names_this_server(bad, ORIGIN), "{bad}");
        }
    }

    #[test]
    fn metadata_advertises_s256_and_our_endpoints() {
        let meta = authorization_server(ORIGIN);
        assert_eq!(meta["issuer"], ORIGIN);
        assert_eq!(meta["code_challenge_methods_supported"], json!(["S256"]));
        assert!(meta["token_endpoint_auth_methods_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("none")));
        assert_eq!(
            protected_resource(ORIGIN, "/mcp")["resource"],
            "https://mcp.example.dev/mcp"
        );
        assert_eq!(
            resource_metadata_url(ORIGIN, "/sse"),
            "https://mcp.example.dev/.well-known/oauth-protected-resource/sse"
        );
        assert_eq!(
            resource_metadata_url(ORIGIN, "/sse/message"),
            "https://mcp.example.dev/.well-known/oauth-protected-resource"
        );
        assert_eq!(
            resource_metadata_url(ORIGIN, "/mcp/x/issues"),
            "https://mcp.example.dev/.well-known/oauth-protected-resource/mcp/x/issues"
        );
        assert_eq!(
            resource_metadata_url(ORIGIN, "/mcp/"),
            "https://mcp.example.dev/.well-known/oauth-protected-resource/mcp"
        );
    }
}
