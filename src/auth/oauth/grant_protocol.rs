//! The private protocol between the Worker and a grant's Durable Object
//! ([`super::grant::OAuthGrant`]), and the formats of the codes and refresh tokens that name
//! their grant.
//!
//! One object per grant, named by the grant id. The Worker mints every token itself and
//! sends the object only SHA-256 hashes, plus, for a refresh, the answer sealed under a key
//! derived from the presented refresh token: the object never holds a usable token. Each
//! request is one JSON [`GrantRequest`] POSTed to the object; the answer is one JSON
//! [`GrantAnswer`]. Every decision (is this code still unused, is this the current refresh
//! token) is taken inside the object, which runs one request at a time, so a code is
//! redeemed once and a rotation happens once, however many requests race.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use worker::{Env, Headers, Method, RequestRedirect};

use super::OAuthError;
use crate::auth::crypto;

/// The Durable Object binding in `wrangler.toml`.
pub const BINDING: &str = "OAUTH_GRANT";

/// Prefix of authorization codes: `mcpc_<grant id>.<secret>`.
pub const CODE_PREFIX: &str = "mcpc_";
/// Prefix of refresh tokens: `mcprt_<grant id>.<secret>`.
pub const REFRESH_PREFIX: &str = "mcprt_";
/// Prefix of access tokens: `mcpat_<grant id>.<secret>`. The grant's object is what knows
/// them: authenticating one asks it ([`GrantRequest::Check`]), and nothing is written to KV.
pub const ACCESS_PREFIX: &str = "mcpat_";

/// A grant id: `g` and 32 lowercase hex digits (128 bits, drawn from the sign-in that
/// creates the grant: [`super::pending::PendingSignIn::grant_id`]). It names the grant's
/// object; it is not a secret (the secret half of each token is).
pub fn grant_id(bits: &[u8; 16]) -> String {
    format!("g{}", crate::random::hex(bits))
}

fn is_grant_id(text: &str) -> bool {
    text.len() == 33
        && text.starts_with('g')
        && text
            .bytes()
            .skip(1)
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A code, refresh or access token for `grant_id`: the prefix, the grant, a dot, and a
/// secret of 128 random bits followed by the first 128 bits of their HMAC-SHA256 with the
/// prefix and the grant id under `key` (derived from `COOKIE_ENCRYPTION_KEY`), base64url. So
/// a token this deployment did not mint is refused ([`signed_grant`]) without asking any
/// object, and one kind of token never passes for another.
pub fn mint(key: &[u8; 32], prefix: &str, grant_id: &str) -> String {
    let nonce = crate::random::random_bytes::<16>();
    let mut secret = nonce.to_vec();
    secret.extend_from_slice(&tag(key, prefix, grant_id, &nonce));
    format!("{prefix}{grant_id}.{}", URL_SAFE_NO_PAD.encode(secret))
}

/// The grant a token of `prefix` names, if this deployment minted it ([`mint`]).
pub fn signed_grant<'t>(key: &[u8; 32], token: &'t str, prefix: &str) -> Option<&'t str> {
    let grant_id = grant_of(token, prefix)?;
    let secret = URL_SAFE_NO_PAD.decode(token.rsplit_once('.')?.1).ok()?;
    let (nonce, presented) = secret.split_at_checked(16)?;
    let expected = tag(key, prefix, grant_id, nonce);
    // Compared in constant time.
    let difference = expected
        .iter()
        .zip(presented)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    (presented.len() == expected.len() && difference == 0).then_some(grant_id)
}

fn tag(key: &[u8; 32], prefix: &str, grant_id: &str, nonce: &[u8]) -> [u8; 16] {
    let mut data = format!("{prefix}{grant_id}.").into_bytes();
    data.extend_from_slice(nonce);
    let mut tag = [0u8; 16];
    for (byte, mac) in tag.iter_mut().zip(crypto::hmac(key, &data)) {
        *byte = mac;
    }
    tag
}

/// The grant a token names, if it has the shape of one: a prefix, a grant id, a dot and 43
/// base64url characters. Signed or not: refresh tokens minted before tokens were signed
/// (256 random bits) have this shape too, and stay valid until their grant's object says
/// otherwise.
pub fn grant_of<'t>(token: &'t str, prefix: &str) -> Option<&'t str> {
    let (grant_id, secret) = token.strip_prefix(prefix)?.split_once('.')?;
    let secret_ok = secret.len() == 43
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    (is_grant_id(grant_id) && secret_ok).then_some(grant_id)
}

/// What a grant is: who authorized which client, and the GitHub token behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrantInfo {
    pub client_id: String,
    pub github_user_id: u64,
    pub github_login: String,
    pub scope: Option<String>,
    /// The GitHub token, AES-256-GCM sealed by the Worker (key from `COOKIE_ENCRYPTION_KEY`).
    pub github_token: String,
    /// Seconds since the epoch.
    pub created_at: i64,
}

/// The tokens the Worker minted, by hash, for the object to accept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Issue {
    pub access_hash: String,
    pub refresh_hash: String,
    /// When the access token expires (seconds since the epoch).
    pub access_expires_at: i64,
    /// The resource the access token is for: [`audience`] of the origin that issued it.
    pub audience: String,
}

/// How an access token's audience is kept: the SHA-256 of the server's origin, lowercase, so
/// that a grant's record has the same size whatever `Host` a request carried.
pub fn audience(origin: &str) -> String {
    crypto::sha256_hex(&origin.to_ascii_lowercase())
}

/// What an access token stands for, as its grant's object answers a [`GrantRequest::Check`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessGrant {
    pub client_id: String,
    /// The resource the token is for: [`audience`] of this server's origin.
    pub audience: String,
    /// Seconds since the epoch.
    pub expires_at: i64,
    pub github_user_id: u64,
    pub github_login: String,
    /// The GitHub token, AES-256-GCM sealed by the Worker (as in [`GrantInfo`]).
    pub github_token: String,
    /// The redirect URI the grant was made through (empty from an object of an older
    /// version), for `BLOCKED_REDIRECT_HOSTS`.
    #[serde(default)]
    pub redirect_uri: String,
}

/// What the Worker asks of a grant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum GrantRequest {
    /// `/callback`: the grant and its one authorization code.
    Create {
        grant: GrantInfo,
        code_hash: String,
        redirect_uri: String,
        /// The authorization request gave no `redirect_uri`.
        #[serde(default)]
        redirect_uri_omitted: bool,
        code_challenge: String,
        code_expires_at: i64,
        /// When the sign-in's login cookie stops opening: no grant is created from then on,
        /// and one created before is kept at least until then, so a sign-in creates one.
        sign_in_expires_at: i64,
    },
    /// `/token`, authorization_code.
    Redeem {
        code_hash: String,
        client_id: String,
        /// `None` when the token request gave none.
        redirect_uri: Option<String>,
        /// S256 of the presented `code_verifier`; `None` when it was malformed.
        verifier_s256: Option<String>,
        issue: Issue,
        /// `ALLOWED_GITHUB_USERS` ids; `None` allows everyone.
        allowed: Option<Vec<u64>>,
    },
    /// `/token`, refresh_token.
    Refresh {
        refresh_hash: String,
        client_id: String,
        issue: Issue,
        /// The token pair of `issue`, sealed under a key derived from the presented refresh
        /// token: kept for the retry window, so a retry gets the same answer.
        sealed_answer: String,
        allowed: Option<Vec<u64>>,
    },
    /// `/revoke` of a refresh token: ends the grant.
    Revoke {
        refresh_hash: String,
        client_id: String,
    },
    /// `/revoke` of an access token: ends that token.
    RevokeAccess {
        access_hash: String,
        client_id: String,
    },
    /// An MCP request: what does this access token stand for, if it is live?
    Check { access_hash: String },
}

/// What a grant answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum GrantAnswer {
    Created,
    /// The tokens of the request were accepted.
    Issued {
        grant: GrantInfo,
        /// As in [`AccessGrant`].
        #[serde(default)]
        redirect_uri: String,
    },
    /// A retry of the latest rotation within the window: the answer given then.
    Replayed {
        grant: GrantInfo,
        access_hash: String,
        access_expires_at: i64,
        sealed_answer: String,
        /// As in [`AccessGrant`].
        #[serde(default)]
        redirect_uri: String,
    },
    /// Refused; the grant is unchanged (or was already gone).
    Refused {
        reason: String,
    },
    /// Refused, and the grant was revoked now: none of its tokens works any more. (For
    /// [`GrantRequest::RevokeAccess`]: that access token was revoked.)
    Revoked {
        reason: String,
        /// Hashes of the grant's live access tokens issued before tokens named their grant:
        /// the Worker deletes their KV records, which a version rolled back to would read.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        legacy_access: Vec<String>,
    },
    /// A live access token, for [`GrantRequest::Check`].
    Access(AccessGrant),
}

/// Sends `request` to the object of `grant_id`. Failures to reach it are 503s with an
/// OAuth error body (and a log line, which holds no token: only hashes travel).
pub async fn call(
    env: &Env,
    grant_id: &str,
    request: &GrantRequest,
) -> Result<GrantAnswer, OAuthError> {
    match send(env, grant_id, request).await {
        Ok(answer) => Ok(answer),
        Err(error) => {
            worker::console_error!("grant object {grant_id} failed: {error}");
            Err(OAuthError::new(
                503,
                "temporarily_unavailable",
                "The authorization store could not be reached. Try again shortly.",
            ))
        }
    }
}

async fn send(env: &Env, grant_id: &str, request: &GrantRequest) -> worker::Result<GrantAnswer> {
    let outgoing = crate::github::fetch::outgoing(
        "https://grant/",
        Method::Post,
        &Headers::new(),
        Some(serde_json::to_string(request)?.into()),
        RequestRedirect::Follow,
    )?;
    let stub = env.durable_object(BINDING)?.get_by_name(grant_id)?;
    let mut response = stub.fetch_with_request(outgoing).await?;
    if response.status_code() != 200 {
        return Err(worker::Error::RustError(format!(
            "status {}: {}",
            response.status_code(),
            response.text().await.unwrap_or_default()
        )));
    }
    Ok(serde_json::from_str(&response.text().await?)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_name_their_grant() {
        let grant = grant_id(&crate::random::random_bytes());
        assert!(is_grant_id(&grant), "{grant}");
        let key = [7u8; 32];
        let code = mint(&key, CODE_PREFIX, &grant);
        assert_eq!(grant_of(&code, CODE_PREFIX), Some(grant.as_str()));
        assert_eq!(grant_of(&code, REFRESH_PREFIX), None);
        let refresh = mint(&key, REFRESH_PREFIX, &grant);
        assert_eq!(grant_of(&refresh, REFRESH_PREFIX), Some(grant.as_str()));
        assert_ne!(mint(&key, REFRESH_PREFIX, &grant), refresh);
    }

    #[test]
    fn tokens_are_signed_for_their_kind_and_grant() {
        let key = [7u8; 32];
        let grant = grant_id(&crate::random::random_bytes());
        for prefix in [CODE_PREFIX, REFRESH_PREFIX, ACCESS_PREFIX] {
            let token = mint(&key, prefix, &grant);
            assert_eq!(token.len(), prefix.len() + 33 + 1 + 43, "{token}");
            assert_eq!(grant_of(&token, prefix), Some(grant.as_str()));
            assert_eq!(signed_grant(&key, &token, prefix), Some(grant.as_str()));
            assert_ne!(mint(&key, prefix, &grant), token);
            // Another key, another grant, one character changed, or a random secret.
            assert_eq!(signed_grant(&[8u8; 32], &token, prefix), None);
            let other = grant_id(&crate::random::random_bytes());
            let moved = token.replace(&grant, &other);
            assert_eq!(signed_grant(&key, &moved, prefix), None);
            let mut changed = token.clone().into_bytes();
            if let Some(byte) = changed.iter_mut().rev().nth(1) {
                *byte = if *byte == b'A' { b'B' } else { b'A' };
            }
            let changed = String::from_utf8(changed).unwrap();
            assert_eq!(signed_grant(&key, &changed, prefix), None);
            let random = crypto::random_token(&format!("{prefix}{grant}."));
            assert_eq!(grant_of(&random, prefix), Some(grant.as_str()));
            assert_eq!(signed_grant(&key, &random, prefix), None);
            assert_eq!(
                signed_grant(&key, &format!("{prefix}{grant}."), prefix),
                None
            );
        }
        // One kind never passes for another, even renamed.
        let code = mint(&key, CODE_PREFIX, &grant);
        let renamed = code.replacen(CODE_PREFIX, REFRESH_PREFIX, 1);
        assert_eq!(signed_grant(&key, &renamed, REFRESH_PREFIX), None);
    }

    #[test]
    fn malformed_tokens_name_nothing() {
        let grant = grant_id(&crate::random::random_bytes());
        let secret = "a".repeat(43);
        for bad in [
            String::new(),
            "mcprt_".to_string(),
            format!("mcprt_{grant}"),
            format!("mcprt_{grant}."),
            format!("mcprt_{grant}.{}", "a".repeat(42)),
            format!("mcprt_{grant}.{}!", "a".repeat(42)),
            format!("mcprt_G{}.{secret}", "0".repeat(32)),
            format!("mcprt_g{}.{secret}", "0".repeat(31)),
            format!("mcprt_g{}é.{secret}", "0".repeat(30)),
            format!("mcprt_{grant}.{secret}.{secret}"),
        ] {
            assert_eq!(grant_of(&bad, REFRESH_PREFIX), None, "{bad}");
        }
    }

    #[test]
    fn messages_round_trip_as_json() {
        let request = GrantRequest::Refresh {
            refresh_hash: "h".into(),
            client_id: "c".into(),
            issue: Issue {
                access_hash: "a".into(),
                refresh_hash: "r".into(),
                access_expires_at: 5,
                audience: "https://example.com".into(),
            },
            sealed_answer: "s".into(),
            allowed: Some(vec![1]),
        };
        let json = serde_json::to_string(&request).unwrap();
        assert!(json.contains("\"op\":\"refresh\""), "{json}");
        assert_eq!(
            serde_json::from_str::<GrantRequest>(&json).unwrap(),
            request
        );
        let answer = GrantAnswer::Revoked {
            reason: "r".into(),
            legacy_access: Vec::new(),
        };
        let json = serde_json::to_string(&answer).unwrap();
        assert_eq!(json, r#"{"outcome":"revoked","reason":"r"}"#);
        let check = GrantRequest::Check {
            access_hash: "a".into(),
        };
        let json = serde_json::to_string(&check).unwrap();
        assert_eq!(json, r#"{"op":"check","access_hash":"a"}"#);
    }
}
