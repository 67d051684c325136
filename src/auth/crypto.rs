//! The cryptography of sign-in: keys derived from `COOKIE_ENCRYPTION_KEY`, HMAC signatures
//! for cookies and state, AES-256-GCM for the GitHub tokens we keep, and random tokens.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// A 256-bit key for one purpose, derived from the deployment's secret, so that a cookie
/// signature can never be replayed as, say, an encryption key.
pub fn derive_key(secret: &[u8], purpose: &str) -> [u8; 32] {
    let label = format!("github-mcp-worker/{purpose}");
    let mut key = [0u8; 32];
    for (byte, tag) in key.iter_mut().zip(hmac(secret, label.as_bytes())) {
        *byte = tag;
    }
    key
}

// HMAC and `value.signature` strings are the protocol core's (it signs `requestState`).
pub use mcp_core::request_state::{hmac, hmac_verify, sign, unsign};

/// Lowercase hex SHA-256: how tokens, codes and client secrets are stored.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An unguessable token: a prefix and 256 random bits, base64url.
pub fn random_token(prefix: &str) -> String {
    format!(
        "{prefix}{}",
        URL_SAFE_NO_PAD.encode(crate::random::random_bytes::<32>())
    )
}

/// Encrypts `plaintext` as base64url(nonce ‖ ciphertext ‖ tag).
#[allow(clippy::expect_used)] // AES-GCM fails only past 64 GiB of plaintext; ours are tokens.
pub fn encrypt(key: &[u8; 32], plaintext: &str) -> String {
    let cipher = Aes256Gcm::new(key.into());
    let nonce = crate::random::random_bytes::<12>();
    let sealed = cipher
        .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
        .expect("AES-GCM encryption of a short string cannot fail");
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    URL_SAFE_NO_PAD.encode(out)
}

/// Decrypts what [`encrypt`] produced; `None` if it was altered or the key differs.
pub fn decrypt(key: &[u8; 32], sealed: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
    if bytes.len() < 12 + 16 {
        return None;
    }
    let (nonce, ciphertext) = bytes.split_at(12);
    let plain = Aes256Gcm::new(key.into())
        .decrypt(Nonce::from_slice(nonce), ciphertext)
        .ok()?;
    String::from_utf8(plain).ok()
}

/// base64url(SHA-256(verifier)) as PKCE S256 computes it.
pub fn pkce_s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_hold_and_fail_on_tampering_or_another_key() {
        let key = derive_key(b"secret", "cookie");
        let signed = sign(&key, "client-a client-b");
        assert_eq!(unsign(&key, &signed).as_deref(), Some("client-a client-b"));
        assert_eq!(unsign(&derive_key(b"secret", "other"), &signed), None);
        assert_eq!(unsign(&key, &signed.replace('.', "x.")), None);
        assert_eq!(unsign(&key, "garbage"), None);
    }

    #[test]
    fn encryption_round_trips_and_detects_changes() {
        let key = derive_key(b"secret", "upstream-token");
        let sealed = encrypt(&key, "gho_abc");
        assert!(!sealed.contains("gho_abc"));
        assert_eq!(decrypt(&key, &sealed).as_deref(), Some("gho_abc"));
        assert_ne!(encrypt(&key, "gho_abc"), sealed, "a fresh nonce each time");
        assert_eq!(
            decrypt(&derive_key(b"other", "upstream-token"), &sealed),
            None
        );
        let mut bytes = URL_SAFE_NO_PAD.decode(&sealed).unwrap();
        bytes[14] ^= 1;
        assert_eq!(decrypt(&key, &URL_SAFE_NO_PAD.encode(bytes)), None);
        assert_eq!(decrypt(&key, "short"), None);
    }

    #[test]
    fn pkce_matches_rfc_7636_appendix_b() {
        assert_eq!(
            pkce_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn random_tokens_are_long_and_distinct() {
        let a = random_token("mcpat_");
        assert!(a.starts_with("mcpat_") && a.len() == 6 + 43);
        assert_ne!(a, random_token("mcpat_"));
    }
}
