//! Bearer tokens issued with `scripts/token`, and the parsing of `Authorization` headers.
//! KV keeps only the SHA-256 of each token (`bearer:<hex>`), so a leaked namespace reveals
//! no usable token.

use serde::Deserialize;

use super::token_cache::TokenHash;

/// The KV key prefix of bearer tokens; `docs/storage.md` describes the record.
pub const KEY_PREFIX: &str = "bearer:";

/// What KV holds for an issued token.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenRecord {
    pub id: String,
    pub name: String,
}

/// The KV key of a presented token, by its hash.
pub fn key_for(hash: &TokenHash) -> String {
    format!("{KEY_PREFIX}{}", hash.as_hex())
}

/// Extracts the token from an `Authorization` header value (`Bearer <token>`).
pub fn parse_authorization(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    let plausible = scheme.eq_ignore_ascii_case("bearer")
        && !token.is_empty()
        && token.len() <= 512
        && token.bytes().all(|b| b.is_ascii_graphic());
    plausible.then_some(token)
}

/// Whether an `Authorization` header value uses the Basic scheme (well formed or not).
pub fn is_basic(value: &str) -> bool {
    let scheme = value.trim().split(' ').next().unwrap_or_default();
    scheme.eq_ignore_ascii_case("basic")
}

/// The client id and secret of an HTTP Basic `Authorization` header value (RFC 6749 §2.3.1:
/// both form-urlencoded before base64).
pub fn parse_basic(value: &str) -> Option<(String, String)> {
    use base64::Engine;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((unescape(id)?, unescape(secret)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_like_the_token_script() {
        assert_eq!(
            crate::auth::crypto::sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            key_for(&TokenHash::of("abc")),
            "bearer:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn parses_only_well_formed_bearer_headers() {
        assert_eq!(parse_authorization("Bearer mcpw_abc"), Some("mcpw_abc"));
        assert_eq!(parse_authorization("bearer  mcpw_abc "), Some("mcpw_abc"));
        assert_eq!(parse_authorization("Basic dXNlcg=="), None);
        assert_eq!(parse_authorization("Bearer"), None);
        assert_eq!(parse_authorization("Bearer a b"), None);
        assert_eq!(
            parse_authorization(&format!("Bearer {}", "x".repeat(600))),
            None
        );
    }

    #[test]
    fn parses_basic_client_credentials() {
        // "my%20client:s%3Acret" base64: form-urlencoded id and secret.
        assert_eq!(
            parse_basic("Basic bXklMjBjbGllbnQ6cyUzQWNyZXQ="),
            Some(("my client".into(), "s:cret".into()))
        );
        assert_eq!(parse_basic("basic YTpi"), Some(("a".into(), "b".into())));
        assert_eq!(parse_basic("Basic !!!"), None);
        assert_eq!(parse_basic("Basic YWJj"), None, "no colon");
        assert_eq!(parse_basic("Bearer YTpi"), None);
        assert_eq!(parse_basic("Basic"), None);
        // Not UTF-8 once decoded: "\xff:\xff".
        assert_eq!(parse_basic("Basic /zr/"), None);
        for basic in ["Basic /zr/", "basic !!!", "Basic"] {
            assert!(is_basic(basic), "{basic}");
        }
        assert!(!is_basic("Bearer YTpi"));
    }
}
