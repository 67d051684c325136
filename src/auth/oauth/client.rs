//! OAuth clients: what a dynamic registration (RFC 7591) may say, the record we keep, and
//! how a redirect URI is checked against the registered ones.
//!
//! A redirect URI is one of (RFC 8252 for native apps):
//! - https, to any host (web apps: the Workers AI Playground, claude.ai);
//! - http on a loopback host (desktop apps listening on a local port: mcp-remote, VS Code);
//! - a private-use scheme (§7.1), such as `cursor://…`, `vscode://…` or `com.example.app:/…`.
//!
//! Schemes a browser would run, read from disk or hand to a network socket are refused:
//! `javascript:`, `data:`, `file:`, `blob:`, `vbscript:`, `about:`, web sockets, and plain
//! http to a host on the network. Matching is exact, except that a loopback URI may use any
//! port (§7.3).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use url::Url;

use crate::transport::origin::is_loopback_host;

pub const MAX_REDIRECT_URIS: usize = 10;
pub const MAX_URI_LENGTH: usize = 2000;
pub const MAX_CLIENT_NAME: usize = 200;

/// How a client authenticates at `/token`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// A public client (a native app or a browser page): PKCE only.
    None,
    ClientSecretBasic,
    ClientSecretPost,
}

/// A client: what its id carries ([`super::registered`]), what its metadata document says
/// ([`super::cimd`]), or, for a client registered before ids carried their registration,
/// what KV keeps (`client:<client_id>`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientRecord {
    pub client_id: String,
    /// SHA-256 of the secret, for confidential clients.
    pub secret_hash: Option<String>,
    pub redirect_uris: Vec<String>,
    pub client_name: Option<String>,
    pub client_uri: Option<String>,
    pub auth_method: AuthMethod,
    pub created_at: i64,
}

impl ClientRecord {
    /// The name to show a person: the client's own, or its id.
    pub fn display_name(&self) -> &str {
        self.client_name.as_deref().unwrap_or(&self.client_id)
    }

    /// The registered redirect URI that `requested` matches, if any.
    pub fn redirect_matches(&self, requested: &str) -> bool {
        self.redirect_uris
            .iter()
            .any(|r| redirect_uri_matches(r, requested))
    }
}

/// Why a registration or a URI was refused (RFC 7591 error codes).
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub error: &'static str,
    pub description: String,
}

fn refuse(error: &'static str, description: impl Into<String>) -> Refusal {
    Refusal {
        error,
        description: description.into(),
    }
}

/// Schemes that must never receive a code: they run script, read local data, or are not
/// a place an application listens.
const REFUSED_SCHEMES: [&str; 14] = [
    "javascript",
    "data",
    "file",
    "blob",
    "vbscript",
    "about",
    "ws",
    "wss",
    "ftp",
    "filesystem",
    "view-source",
    "chrome",
    "mailto",
    "tel",
];

/// Checks one redirect URI for registration.
pub fn validate_redirect_uri(uri: &str) -> Result<Url, Refusal> {
    let bad = |why: &str| {
        refuse(
            "invalid_redirect_uri",
            format!(
                "redirect URI '{}' {why}",
                uri.chars().take(100).collect::<String>()
            ),
        )
    };
    if uri.len() > MAX_URI_LENGTH {
        return Err(bad("is too long"));
    }
    if uri.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(bad("contains control characters or spaces"));
    }
    let url = Url::parse(uri).map_err(|_| bad("is not an absolute URL"))?;
    if url.fragment().is_some() {
        return Err(bad("must not have a fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not carry credentials"));
    }
    let host = url.host_str().unwrap_or_default();
    match url.scheme() {
        "https" if !host.is_empty() => Ok(url),
        "http" if is_loopback_host(host) => Ok(url),
        "http" => Err(bad(
            "must use https (plain http is allowed only on localhost, 127.0.0.1 or [::1])",
        )),
        scheme if REFUSED_SCHEMES.contains(&scheme) => Err(bad(
            "uses a scheme that cannot receive a sign-in: use https, http on a loopback address, or an app's own scheme",
        )),
        _ if url.cannot_be_a_base() => Err(bad(
            "must have a path after its scheme, such as com.example.app:/callback",
        )),
        _ => Ok(url),
    }
}

/// True when the redirect goes to an application on the person's own computer: a loopback
/// http URI or a private-use scheme.
pub fn is_native_app_redirect(uri: &str) -> bool {
    Url::parse(uri).is_ok_and(|url| match url.scheme() {
        "https" => false,
        "http" => is_loopback_host(url.host_str().unwrap_or_default()),
        _ => true,
    })
}

/// Exact match, except that loopback http URIs may differ in port (RFC 8252 §7.3).
pub fn redirect_uri_matches(registered: &str, requested: &str) -> bool {
    if registered == requested {
        return true;
    }
    let (Ok(a), Ok(b)) = (Url::parse(registered), Url::parse(requested)) else {
        return false;
    };
    a.scheme() == "http"
        && b.scheme() == "http"
        && is_loopback_host(a.host_str().unwrap_or_default())
        && a.host_str() == b.host_str()
        && a.path() == b.path()
        && a.query() == b.query()
        && b.fragment().is_none()
        && b.username().is_empty()
        && b.password().is_none()
}

/// What a valid registration request asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    pub redirect_uris: Vec<String>,
    pub client_name: Option<String>,
    pub client_uri: Option<String>,
    pub auth_method: AuthMethod,
}

/// Validates a registration request body (RFC 7591 §2).
pub fn parse_registration(body: &Value) -> Result<Registration, Refusal> {
    let Some(object) = body.as_object() else {
        return Err(refuse(
            "invalid_client_metadata",
            "the registration must be a JSON object",
        ));
    };
    let uris = object
        .get("redirect_uris")
        .and_then(Value::as_array)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| {
            refuse(
                "invalid_redirect_uri",
                "redirect_uris must be a non-empty array of URLs",
            )
        })?;
    if uris.len() > MAX_REDIRECT_URIS {
        return Err(refuse(
            "invalid_redirect_uri",
            format!("at most {MAX_REDIRECT_URIS} redirect_uris"),
        ));
    }
    let mut redirect_uris = Vec::new();
    for uri in uris {
        let uri = uri
            .as_str()
            .ok_or_else(|| refuse("invalid_redirect_uri", "redirect_uris must be strings"))?;
        validate_redirect_uri(uri)?;
        redirect_uris.push(uri.to_string());
    }
    let text = |key: &str, max: usize| -> Result<Option<String>, Refusal> {
        match object.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s))
                if s.chars().count() <= max && !s.chars().any(char::is_control) =>
            {
                Ok(Some(s.clone()))
            }
            Some(_) => Err(refuse(
                "invalid_client_metadata",
                format!("{key} must be a string of at most {max} characters"),
            )),
        }
    };
    let client_name = text("client_name", MAX_CLIENT_NAME)?;
    let client_uri = text("client_uri", MAX_URI_LENGTH)?;
    if let Some(uri) = &client_uri {
        let ok = Url::parse(uri).is_ok_and(|u| matches!(u.scheme(), "https" | "http"));
        if !ok {
            return Err(refuse(
                "invalid_client_metadata",
                "client_uri must be an http(s) URL",
            ));
        }
    }
    let auth_method = match object.get("token_endpoint_auth_method").and_then(Value::as_str) {
        None | Some("client_secret_basic") => AuthMethod::ClientSecretBasic,
        Some("client_secret_post") => AuthMethod::ClientSecretPost,
        Some("none") => AuthMethod::None,
        Some(other) => {
            return Err(refuse(
                "invalid_client_metadata",
                format!("token_endpoint_auth_method '{}' is not supported; use none, client_secret_basic or client_secret_post", mcp_core::jsonrpc::echoed(other)),
            ))
        }
    };
    for (key, allowed) in [
        ("grant_types", &["authorization_code", "refresh_token"][..]),
        ("response_types", &["code"][..]),
    ] {
        if let Some(values) = object.get(key) {
            let ok = values.as_array().is_some_and(|v| {
                v.iter()
                    .all(|g| g.as_str().is_some_and(|g| allowed.contains(&g)))
            });
            if !ok {
                return Err(refuse(
                    "invalid_client_metadata",
                    format!("{key} may contain only: {}", allowed.join(", ")),
                ));
            }
        }
    }
    Ok(Registration {
        redirect_uris,
        client_name,
        client_uri,
        auth_method,
    })
}

/// The RFC 7591 §3.2.1 response body.
pub fn registration_response(client: &ClientRecord, secret: Option<&str>) -> Value {
    let mut body = serde_json::Map::new();
    body.insert("client_id".into(), json!(client.client_id));
    body.insert("client_id_issued_at".into(), json!(client.created_at));
    body.insert("redirect_uris".into(), json!(client.redirect_uris));
    body.insert(
        "token_endpoint_auth_method".into(),
        json!(client.auth_method),
    );
    body.insert(
        "grant_types".into(),
        json!(["authorization_code", "refresh_token"]),
    );
    body.insert("response_types".into(), json!(["code"]));
    if let Some(name) = &client.client_name {
        body.insert("client_name".into(), json!(name));
    }
    if let Some(uri) = &client.client_uri {
        body.insert("client_uri".into(), json!(uri));
    }
    if let Some(secret) = secret {
        body.insert("client_secret".into(), json!(secret));
        // The secret works as long as the client's grants do (its id starts sign-ins for
        // 180 days: `registered::lapsed`).
        body.insert("client_secret_expires_at".into(), json!(0));
    }
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_must_be_https_or_loopback_http() {
        for good in [
            "https://app.example/cb",
            "http://localhost:3334/oauth/callback",
            "http://127.0.0.1:53683/callback",
            "http://[::1]:8080/cb",
        ] {
            assert!(validate_redirect_uri(good).is_ok(), "{good}");
        }
        for native_app in [
            "cursor://anysphere.cursor-retrieval/oauth/callback",
            "vscode://vscode.github-authentication/did-authenticate",
            "com.example.app:/callback",
            "com.example.app:/oauth2redirect/example-provider",
        ] {
            assert!(validate_redirect_uri(native_app).is_ok(), "{native_app}");
            assert!(is_native_app_redirect(native_app), "{native_app}");
        }
        assert!(!is_native_app_redirect(
            "https://claude.ai/api/mcp/auth_callback"
        ));
        assert!(is_native_app_redirect("http://127.0.0.1:3334/cb"));
        for bad in [
            "JavaScript:alert(1)",
            "blob:https://a.example/1",
            "about:blank",
            "ws://127.0.0.1/cb",
            "wss://a.example/cb",
            "com.example.app:callback",
            "view-source:https://a.example/",
            "javascript:alert(1)",
            "data:text/html,x",
            "http://evil.example/cb",
            "ftp://x/cb",
            "https://app.example/cb#frag",
            "https://user:pw@app.example/cb",
            "https://app.example/c b",
            "https://app.example/\ncb",
            "/relative",
            "vbscript:x",
            "file:///etc/passwd",
        ] {
            assert!(validate_redirect_uri(bad).is_err(), "{bad}");
        }
        assert!(validate_redirect_uri(&format!(
            "https://a.example/{}",
            "x".repeat(MAX_URI_LENGTH)
        ))
        .is_err());
    }

    #[test]
    fn matching_is_exact_but_loopback_ports_may_differ() {
        assert!(redirect_uri_matches(
            "https://app.example/cb",
            "https://app.example/cb"
        ));
        assert!(!redirect_uri_matches(
            "https://app.example/cb",
            "https://app.example/cb2"
        ));
        assert!(!redirect_uri_matches(
            "https://app.example/cb",
            "https://app.example:8443/cb"
        ));
        assert!(redirect_uri_matches(
            "http://127.0.0.1:1000/cb",
            "http://127.0.0.1:2000/cb"
        ));
        assert!(redirect_uri_matches(
            "http://localhost/cb",
            "http://localhost:49152/cb"
        ));
        assert!(!redirect_uri_matches(
            "http://127.0.0.1:1000/cb",
            "http://127.0.0.1:2000/other"
        ));
        assert!(!redirect_uri_matches(
            "http://127.0.0.1:1000/cb",
            "http://localhost:1000/cb"
        ));
        assert!(!redirect_uri_matches(
            "http://127.0.0.1:1000/cb",
            "http://127.0.0.1:2000/cb?x=1"
        ));
    }

    #[test]
    fn registrations_are_validated() {
        let ok = parse_registration(&json!({
            "redirect_uris": ["http://localhost:3334/oauth/callback"],
            "client_name": "MCP CLI Proxy",
            "token_endpoint_auth_method": "none",
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"]
        }))
        .unwrap();
        assert_eq!(ok.auth_method, AuthMethod::None);
        assert_eq!(
            parse_registration(&json!({"redirect_uris": ["https://a.example/cb"]}))
                .unwrap()
                .auth_method,
            AuthMethod::ClientSecretBasic
        );
        for (bad, error) in [
            (json!([]), "invalid_client_metadata"),
            (json!({}), "invalid_redirect_uri"),
            (json!({"redirect_uris": []}), "invalid_redirect_uri"),
            (
                json!({"redirect_uris": ["javascript:alert(1)"]}),
                "invalid_redirect_uri",
            ),
            (
                json!({"redirect_uris": ["https://a.example/cb"], "token_endpoint_auth_method": "private_key_jwt"}),
                "invalid_client_metadata",
            ),
            (
                json!({"redirect_uris": ["https://a.example/cb"], "grant_types": ["implicit"]}),
                "invalid_client_metadata",
            ),
            (
                json!({"redirect_uris": ["https://a.example/cb"], "client_name": "x".repeat(201)}),
                "invalid_client_metadata",
            ),
            (
                json!({"redirect_uris": ["https://a.example/cb"], "client_uri": "javascript:x"}),
                "invalid_client_metadata",
            ),
        ] {
            assert_eq!(parse_registration(&bad).unwrap_err().error, error, "{bad}");
        }
        let many: Vec<String> = (0..11).map(|i| format!("https://a.example/{i}")).collect();
        assert!(parse_registration(&json!({"redirect_uris": many})).is_err());
    }
}
