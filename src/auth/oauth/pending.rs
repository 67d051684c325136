//! A sign-in between consent and GitHub's callback, kept in the browser that started it.
//!
//! The sign-in (the client's request, our PKCE verifier for GitHub, the state we sent GitHub,
//! when it expires) is sealed with AES-256-GCM into the `__Host-mcpw-login` cookie. Starting
//! a sign-in therefore writes nothing to storage: no stranger can spend the deployment's KV
//! writes by asking `/authorize` again and again. `/callback` opens the cookie and requires
//! its state to be the one GitHub returned, so a sign-in finishes only in the browser that
//! started it, and clears the cookie. The grant it creates is named after its state
//! ([`PendingSignIn::grant_id`]), and a grant is created once: a copied cookie cannot finish
//! the same sign-in again, even with a fresh code from GitHub.
//!
//! A cookie holds about 4 KB, so the parts of a request that the cookie carries are bounded
//! ([`MAX_REQUEST_BYTES`]); `/authorize` refuses a longer request before consent.

use serde::{Deserialize, Serialize};

use super::grant_protocol;
use super::pages::LOGIN_COOKIE;
use crate::auth::crypto;

/// How long a person has to sign in at GitHub.
pub const PENDING_TTL_SECONDS: i64 = 10 * 60;

/// The most the client's `client_id`, `redirect_uri`, `state` and `scope` may take together,
/// written as JSON strings. With the fixed fields and base64url this keeps the cookie under
/// 3,900 bytes, inside the 4,096 a browser keeps for a cookie's name and value.
pub const MAX_REQUEST_BYTES: usize = 2_400;

/// The most a login cookie's name and value may take: a browser keeps 4,096 bytes.
pub const MAX_COOKIE_BYTES: usize = 3_900;

/// What `/callback` needs to finish a sign-in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingSignIn {
    /// The state we sent GitHub; `/callback` must be given the same.
    pub upstream_state: String,
    /// Seconds since the epoch after which the sign-in is refused.
    pub expires_at: i64,
    pub client_id: String,
    pub redirect_uri: String,
    /// True when the authorization request gave no `redirect_uri` (the client's one
    /// registered URI was used): `/token` may then leave it out too (RFC 6749, 4.1.3).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub redirect_uri_omitted: bool,
    /// The client's own `state`, echoed back to it.
    pub client_state: Option<String>,
    pub code_challenge: String,
    pub scope: Option<String>,
    /// PKCE verifier of our request to GitHub.
    pub github_verifier: String,
}

impl PendingSignIn {
    /// The id of the grant this sign-in creates: an HMAC of its upstream state under a key
    /// derived from `key`. A second `/callback` for the same sign-in (a copied cookie and a
    /// fresh GitHub code) names the grant the first one created, and a grant's object refuses
    /// to be created twice: so a sign-in finishes once, though it is not stored.
    pub fn grant_id(&self, key: &[u8; 32]) -> String {
        let key = crypto::derive_key(key, "grant-id");
        let tag = crypto::hmac(&key, self.upstream_state.as_bytes());
        let mut bits = [0u8; 16];
        for (bit, byte) in bits.iter_mut().zip(tag) {
            *bit = byte;
        }
        grant_protocol::grant_id(&bits)
    }
}

/// The bytes of a request that the cookie carries and [`MAX_REQUEST_BYTES`] bounds: its
/// parts as JSON strings, escapes included.
pub fn request_bytes(
    client_id: &str,
    redirect_uri: &str,
    state: Option<&str>,
    scope: Option<&str>,
) -> usize {
    [Some(client_id), Some(redirect_uri), state, scope]
        .into_iter()
        .flatten()
        .map(|part| serde_json::to_string(part).map_or(usize::MAX, |json| json.len()))
        .fold(0, usize::saturating_add)
}

/// The login cookie's value: the sign-in, sealed under `key`; `None` when it would not fit in a cookie ([`MAX_COOKIE_BYTES`]): `/authorize` keeps requests
/// within [`MAX_REQUEST_BYTES`], but a consent form shown before it did may carry more.
pub async fn seal(key: &[u8; 32], pending: &PendingSignIn) -> worker::Result<Option<String>> {
    let sealed = crypto::encrypt(key, &serde_json::to_string(pending)?).await?;
    let fits = LOGIN_COOKIE.len() + 1 + sealed.len() <= MAX_COOKIE_BYTES;
    Ok(fits.then_some(sealed))
}

/// The sign-in in `cookie`, if it was sealed under `key`, is for `upstream_state` and has not
/// expired at `now`.
pub async fn open(
    key: &[u8; 32],
    cookie: &str,
    upstream_state: &str,
    now: i64,
) -> Option<PendingSignIn> {
    let json = crypto::decrypt(key, cookie).await?;
    serde_json::from_str::<PendingSignIn>(&json)
        .ok()
        .filter(|p| p.upstream_state == upstream_state && p.expires_at >= now)
}

#[cfg(test)]
mod tests {
    use super::*;

    use futures_executor::block_on;

    fn sample(client_state: &str) -> PendingSignIn {
        PendingSignIn {
            upstream_state: crypto::random_token(""),
            expires_at: 1_000 + PENDING_TTL_SECONDS,
            client_id: "mcpw_client_x".into(),
            redirect_uri: "http://127.0.0.1:3334/oauth/callback".into(),
            redirect_uri_omitted: false,
            client_state: Some(client_state.into()),
            code_challenge: "c".repeat(43),
            scope: Some("read".into()),
            github_verifier: crypto::random_token(""),
        }
    }

    #[test]
    fn a_sealed_sign_in_opens_only_for_its_state_key_and_time() {
        let key = crypto::derive_key(b"secret", "login");
        let pending = sample("s1");
        let cookie = block_on(seal(&key, &pending)).unwrap().expect("it fits");
        let state = pending.upstream_state.clone();
        assert_eq!(block_on(open(&key, &cookie, &state, 1_000)), Some(pending));
        assert_eq!(block_on(open(&key, &cookie, &"a".repeat(43), 1_000)), None);
        assert_eq!(block_on(open(&key, &cookie, &state, 1_601)), None);
        let other = crypto::derive_key(b"secret", "cookie");
        assert_eq!(block_on(open(&other, &cookie, &state, 1_000)), None);
        let mut altered = cookie.into_bytes();
        altered[20] = if altered[20] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(altered).unwrap();
        assert_eq!(block_on(open(&key, &altered, &state, 1_000)), None);
        assert_eq!(block_on(open(&key, "not-a-cookie", &state, 1_000)), None);
    }

    #[test]
    fn a_sign_in_names_one_grant() {
        let key = crypto::derive_key(b"secret", "login");
        let pending = sample("s1");
        let id = pending.grant_id(&key);
        assert_eq!(id.len(), 33);
        assert!(id.starts_with('g'));
        assert_eq!(
            pending.clone().grant_id(&key),
            id,
            "the same sign-in, the same grant"
        );
        assert_ne!(
            sample("s1").grant_id(&key),
            id,
            "another state, another grant"
        );
        let other = crypto::derive_key(b"other", "login");
        assert_ne!(pending.grant_id(&other), id);
    }

    #[test]
    fn the_largest_request_allowed_fits_in_a_cookie() {
        let key = crypto::derive_key(b"secret", "login");
        let mut pending = sample("");
        let (client, redirect, scope) = (&pending.client_id, &pending.redirect_uri, &pending.scope);
        let room = MAX_REQUEST_BYTES - request_bytes(client, redirect, None, scope.as_deref());
        // A control character is six bytes in JSON: the state is as many as fit between its
        // quotes, then plain letters.
        let controls = (room - 2) / 6;
        let state = format!(
            "{}{}",
            "\u{1}".repeat(controls),
            "x".repeat(room - 2 - controls * 6)
        );
        let total = request_bytes(client, redirect, Some(&state), scope.as_deref());
        assert_eq!(total, MAX_REQUEST_BYTES);
        pending.client_state = Some(state);
        let cookie = block_on(seal(&key, &pending)).unwrap().expect("it fits");
        let bytes = LOGIN_COOKIE.len() + 1 + cookie.len();
        assert!(bytes <= MAX_COOKIE_BYTES, "{bytes} bytes");
        // A request over the bound (a consent form from before it) is sealed into nothing.
        pending.client_state = Some("x".repeat(3 * MAX_REQUEST_BYTES / 2));
        assert_eq!(block_on(seal(&key, &pending)).unwrap(), None);
    }
}
