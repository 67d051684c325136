//! The `Authorization` header: `bearer::parse_authorization` (MCP requests) and
//! `bearer::parse_basic` (client credentials at `/token` and `/revoke`).
//!
//! Input: the whole text is a header value; line 1 and line 2 are also a client id and a
//! secret to send with Basic.
//!
//! Asserts: no panic; a bearer token is 1 to 512 visible ASCII characters from a header
//! whose scheme is `Bearer` in any case, and `Bearer <token>` gives it back; Basic
//! credentials sent as RFC 6749 §2.3.1 says (each form-urlencoded, then base64) come back
//! exactly, whatever they contain, and any credentials read from a header survive that
//! round trip too; a header read as Basic credentials is one `is_basic` names.
#![no_main]

use base64::Engine;
use github_mcp_worker::auth::bearer::{is_basic, parse_authorization, parse_basic};
use github_mcp_worker_fuzz::{check_oracles, fields};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    check_oracles();
    let value = String::from_utf8_lossy(data);

    if let Some(token) = parse_authorization(&value) {
        assert!((1..=512).contains(&token.len()), "{token:?}");
        assert!(token.bytes().all(|b| b.is_ascii_graphic()), "{token:?}");
        let (scheme, rest) = value.trim().split_once(' ').expect("a scheme and a token");
        assert!(scheme.eq_ignore_ascii_case("bearer"), "{value:?}");
        assert_eq!(rest.trim(), token);
        assert_eq!(parse_authorization(&format!("Bearer {token}")), Some(token));
    }

    if let Some((id, secret)) = parse_basic(&value) {
        // `/token` names a Basic header it cannot read; one it reads is Basic.
        assert!(is_basic(&value), "{value:?}");
        assert_eq!(parse_basic(&basic(&id, &secret)), Some((id, secret)));
    }
    let raw = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(data)
    );
    if let Some((id, secret)) = parse_basic(&raw) {
        assert_eq!(parse_basic(&basic(&id, &secret)), Some((id, secret)));
    }

    let lines = fields(data, 2);
    let id = lines.first().map(String::as_str).unwrap_or_default();
    let secret = lines.get(1).map(String::as_str).unwrap_or_default();
    assert_eq!(
        parse_basic(&basic(id, secret)),
        Some((id.to_string(), secret.to_string())),
        "{id:?} {secret:?}"
    );
});

/// A Basic header as a client builds it (RFC 6749 §2.3.1).
fn basic(id: &str, secret: &str) -> String {
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let credentials = format!("{}:{}", encode(id), encode(secret));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(credentials)
    )
}
