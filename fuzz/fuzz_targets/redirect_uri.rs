//! Redirect URIs: `validate_redirect_uri`, `redirect_uri_matches`, `is_native_app_redirect`
//! and `parse_registration` (auth::oauth::client), and the CSP source a consent page
//! derives from the URI (`pages::csp_source`).
//!
//! Input: line 1 is a redirect URI to register, line 2 one requested at `/authorize`, line
//! 3 a client name (also tried as `token_endpoint_auth_method`). A whole input that is JSON
//! is also tried as a registration body.
//!
//! Asserts: no panic; an accepted URI is at most 2000 bytes without control characters or
//! spaces, has no fragment or credentials, does not use a refused scheme, uses https with a
//! host, http only on a host the URL parser also reads as loopback, or an app scheme with a
//! path; it is native-app exactly when it is not https, it matches itself, and its CSP
//! source is plain (nothing that could end the directive). A requested URI that matches a
//! different registered one is the same loopback http URI up to the port. An accepted
//! registration has 1 to 10 valid URIs and bounded, control-free name and http(s) client
//! URI.
#![no_main]

use github_mcp_worker::auth::oauth::client::{
    is_native_app_redirect, parse_registration, redirect_uri_matches, validate_redirect_uri,
    AuthMethod, MAX_CLIENT_NAME, MAX_REDIRECT_URIS, MAX_URI_LENGTH,
};
use github_mcp_worker::auth::oauth::pages::csp_source;
use github_mcp_worker_fuzz::{check_oracles, fields, loopback_url_host};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use url::Url;

/// The schemes the issue names as never allowed to receive a code.
const REFUSED: [&str; 14] = [
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

fuzz_target!(|data: &[u8]| {
    check_oracles();
    let fields = fields(data, 3);
    let registered = fields.first().map(String::as_str).unwrap_or_default();
    let requested = fields.get(1).map(String::as_str).unwrap_or(registered);
    let name = fields.get(2);

    check_uri(registered);
    check_uri(requested);
    check_match(registered, requested);
    check_match(requested, registered);

    let body = json!({ "redirect_uris": [registered, requested] });
    check_registration(&body);
    if let Some(name) = name {
        let mut named = body.clone();
        named["client_name"] = json!(name);
        named["client_uri"] = json!(requested);
        check_registration(&named);
        let mut method = body;
        method["token_endpoint_auth_method"] = json!(name);
        check_registration(&method);
    }
    if let Ok(value) = serde_json::from_slice::<Value>(data) {
        check_registration(&value);
    }
});

fn check_uri(uri: &str) {
    let native = is_native_app_redirect(uri);
    if let Some(source) = csp_source(uri) {
        assert!(plain_csp(&source), "{uri:?} gave the CSP source {source:?}");
    }
    let Ok(url) = validate_redirect_uri(uri) else {
        return;
    };
    assert!(uri.len() <= MAX_URI_LENGTH);
    assert!(
        !uri.chars().any(|c| c.is_control() || c.is_whitespace()),
        "{uri:?}"
    );
    assert!(url.fragment().is_none(), "{uri:?}");
    assert!(
        url.username().is_empty() && url.password().is_none(),
        "{uri:?}"
    );
    let scheme = url.scheme();
    assert!(!REFUSED.contains(&scheme), "{uri:?} uses a refused scheme");
    match scheme {
        "https" => assert!(url.host_str().is_some_and(|h| !h.is_empty()), "{uri:?}"),
        "http" => assert!(loopback_url_host(url.host()), "{uri:?}: http off loopback"),
        _ => assert!(!url.cannot_be_a_base(), "{uri:?}"),
    }
    assert_eq!(native, scheme != "https", "{uri:?}");
    assert!(redirect_uri_matches(uri, uri));
    assert!(csp_source(uri).is_some(), "{uri:?} has no CSP source");
}

/// A CSP source that cannot end its directive or add a keyword: URL characters only.
fn plain_csp(source: &str) -> bool {
    !source.is_empty()
        && source
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".:/+-".contains(&b))
}

fn check_match(registered: &str, requested: &str) {
    if !redirect_uri_matches(registered, requested) || registered == requested {
        return;
    }
    let a = Url::parse(registered).expect("a matched registered URI parses");
    let b = Url::parse(requested).expect("a matching requested URI parses");
    assert_eq!(
        (a.scheme(), b.scheme()),
        ("http", "http"),
        "{registered:?} {requested:?}"
    );
    assert!(loopback_url_host(a.host()), "{registered:?}");
    assert_eq!(a.host(), b.host(), "{registered:?} {requested:?}");
    assert_eq!((a.path(), a.query()), (b.path(), b.query()));
    assert!(b.fragment().is_none() && b.username().is_empty() && b.password().is_none());
    assert!(is_native_app_redirect(requested), "{requested:?}");
}

fn check_registration(body: &Value) {
    let Ok(registration) = parse_registration(body) else {
        return;
    };
    let uris = &registration.redirect_uris;
    assert!((1..=MAX_REDIRECT_URIS).contains(&uris.len()));
    for uri in uris {
        assert!(validate_redirect_uri(uri).is_ok(), "{uri:?} registered");
    }
    if let Some(name) = &registration.client_name {
        assert!(name.chars().count() <= MAX_CLIENT_NAME);
        assert!(!name.chars().any(char::is_control), "{name:?}");
    }
    if let Some(uri) = &registration.client_uri {
        assert!(uri.chars().count() <= MAX_URI_LENGTH);
        let url = Url::parse(uri).expect("a client_uri is a URL");
        assert!(matches!(url.scheme(), "http" | "https"), "{uri:?}");
    }
    let method = body
        .get("token_endpoint_auth_method")
        .and_then(Value::as_str);
    let expected = match method {
        None | Some("client_secret_basic") => AuthMethod::ClientSecretBasic,
        Some("client_secret_post") => AuthMethod::ClientSecretPost,
        Some("none") => AuthMethod::None,
        Some(other) => panic!("token_endpoint_auth_method {other:?} accepted"),
    };
    assert_eq!(registration.auth_method, expected);
}
