//! The cryptography of sign-in: keys derived from `COOKIE_ENCRYPTION_KEY`, HMAC signatures
//! for cookies and state, AES-256-GCM for the GitHub tokens we keep, and random tokens.
//!
//! AES-256-GCM is the platform's: WebCrypto (`crypto.subtle`) in the Worker, which keeps an
//! AES implementation out of the wasm, and the `aes-gcm` crate on the host, for the unit
//! tests. Both are the standard algorithm (96-bit nonce, 128-bit tag appended), so what one
//! seals the other opens; a known-answer test pins the format, and the end-to-end suites run
//! the WebCrypto side (sign-in seals the GitHub token, every MCP request opens it).

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
    crate::random::hex(&Sha256::digest(text.as_bytes()))
}

/// An unguessable token: a prefix and 256 random bits, base64url.
pub fn random_token(prefix: &str) -> String {
    format!(
        "{prefix}{}",
        URL_SAFE_NO_PAD.encode(crate::random::random_bytes::<32>())
    )
}

/// True for text shaped like [`random_token`]`("")`'s output: 43 base64url characters.
pub fn is_random_token(text: &str) -> bool {
    text.len() == 43
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Encrypts `plaintext` as base64url(nonce ‖ ciphertext ‖ tag), under a fresh random nonce.
pub async fn encrypt(key: &[u8; 32], plaintext: &str) -> worker::Result<String> {
    seal_with_nonce(key, crate::random::random_bytes::<12>(), plaintext).await
}

async fn seal_with_nonce(
    key: &[u8; 32],
    nonce: [u8; 12],
    plaintext: &str,
) -> worker::Result<String> {
    let sealed = aead::seal(key, &nonce, plaintext.as_bytes())
        .await
        .map_err(|why| worker::Error::RustError(format!("AES-GCM encryption failed: {why}")))?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    Ok(URL_SAFE_NO_PAD.encode(out))
}

/// Decrypts what [`encrypt`] produced; `None` if it was altered or the key differs.
pub async fn decrypt(key: &[u8; 32], sealed: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
    if bytes.len() < 12 + 16 {
        return None;
    }
    let (nonce, ciphertext) = bytes.split_at(12);
    let plain = aead::open(key, nonce, ciphertext).await?;
    String::from_utf8(plain).ok()
}

/// AES-256-GCM through WebCrypto.
#[cfg(target_arch = "wasm32")]
mod aead {
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{AesGcmParams, CryptoKey, SubtleCrypto, WorkerGlobalScope};
    use worker::js_sys::{Array, ArrayBuffer, Uint8Array};

    fn subtle() -> Result<SubtleCrypto, JsValue> {
        // Workers and Durable Objects both have `crypto` on the global scope.
        let scope: WorkerGlobalScope = worker::js_sys::global().unchecked_into();
        Ok(scope.crypto()?.subtle())
    }

    async fn import(subtle: &SubtleCrypto, key: &[u8; 32]) -> Result<CryptoKey, JsValue> {
        let usages = Array::of2(&"encrypt".into(), &"decrypt".into());
        let raw = Uint8Array::from(key.as_slice());
        let promise = subtle.import_key_with_str("raw", &raw, "AES-GCM", false, &usages)?;
        Ok(JsFuture::from(promise).await?.unchecked_into())
    }

    fn params(nonce: &[u8]) -> AesGcmParams {
        AesGcmParams::new_with_u8_array("AES-GCM", &Uint8Array::from(nonce))
    }

    pub async fn seal(
        key: &[u8; 32],
        nonce: &[u8; 12],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, String> {
        let run = async {
            let subtle = subtle()?;
            let key = import(&subtle, key).await?;
            let promise =
                subtle.encrypt_with_object_and_u8_array(&params(nonce), &key, plaintext)?;
            JsFuture::from(promise).await
        };
        let sealed = run.await.map_err(|e| format!("{e:?}"))?;
        Ok(Uint8Array::new(&sealed.unchecked_into::<ArrayBuffer>()).to_vec())
    }

    /// `None` when the tag does not verify (altered data, another key) or WebCrypto fails.
    pub async fn open(key: &[u8; 32], nonce: &[u8], ciphertext: &[u8]) -> Option<Vec<u8>> {
        let subtle = subtle().ok()?;
        let key = import(&subtle, key).await.ok()?;
        let promise = subtle
            .decrypt_with_object_and_u8_array(&params(nonce), &key, ciphertext)
            .ok()?;
        let plain = JsFuture::from(promise).await.ok()?;
        Some(Uint8Array::new(&plain.unchecked_into::<ArrayBuffer>()).to_vec())
    }
}

/// AES-256-GCM from the `aes-gcm` crate, for host builds (the unit tests).
#[cfg(not(target_arch = "wasm32"))]
mod aead {
    use aes_gcm::aead::{Aead, KeyInit};
    use aes_gcm::{Aes256Gcm, Nonce};

    pub async fn seal(
        key: &[u8; 32],
        nonce: &[u8; 12],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, String> {
        Aes256Gcm::new(key.into())
            .encrypt(Nonce::from_slice(nonce), plaintext)
            .map_err(|e| e.to_string())
    }

    pub async fn open(key: &[u8; 32], nonce: &[u8], ciphertext: &[u8]) -> Option<Vec<u8>> {
        if nonce.len() != 12 {
            return None;
        }
        Aes256Gcm::new(key.into())
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .ok()
    }
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

    use futures_executor::block_on;

    #[test]
    fn encryption_round_trips_and_detects_changes() {
        let key = derive_key(b"secret", "upstream-token");
        let sealed = block_on(encrypt(&key, "gho_abc")).unwrap();
        assert!(!sealed.contains("gho_abc"));
        assert_eq!(block_on(decrypt(&key, &sealed)).as_deref(), Some("gho_abc"));
        assert_ne!(
            block_on(encrypt(&key, "gho_abc")).unwrap(),
            sealed,
            "a fresh nonce each time"
        );
        assert_eq!(
            block_on(decrypt(&derive_key(b"other", "upstream-token"), &sealed)),
            None
        );
        let mut bytes = URL_SAFE_NO_PAD.decode(&sealed).unwrap();
        bytes[14] ^= 1;
        assert_eq!(
            block_on(decrypt(&key, &URL_SAFE_NO_PAD.encode(bytes))),
            None
        );
        assert_eq!(block_on(decrypt(&key, "short")), None);
    }

    /// The sealed format, pinned: nonce ‖ ciphertext ‖ tag, base64url. WebCrypto's
    /// AES-GCM gives the same bytes for the same key, nonce and text (checked once with
    /// Node's `crypto.subtle`), so tokens sealed before the switch to WebCrypto still open.
    #[test]
    fn the_sealed_format_is_standard_aes_256_gcm() {
        let key = derive_key(b"secret", "upstream-token");
        let sealed = block_on(seal_with_nonce(&key, [7; 12], "gho_abc")).unwrap();
        assert_eq!(sealed, KNOWN_SEALED);
        assert_eq!(
            block_on(decrypt(&key, KNOWN_SEALED)).as_deref(),
            Some("gho_abc")
        );
    }

    const KNOWN_SEALED: &str = "BwcHBwcHBwcHBwcHewxIQqmfuK1v9naGH_4BhR6vlSh4eNI";

    #[test]
    fn pkce_matches_rfc_7636_appendix_b() {
        assert_eq!(
            pkce_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn issued_states_are_recognised_and_nothing_else() {
        assert!(is_random_token(&random_token("")));
        assert!(!is_random_token(&random_token("mcpat_")));
        assert!(!is_random_token(&"s".repeat(600)));
        assert!(!is_random_token(&format!("{}=", "a".repeat(42))));
        assert!(is_random_token(&"a".repeat(43)));
        assert!(!is_random_token(""));
    }

    #[test]
    fn random_tokens_are_long_and_distinct() {
        let a = random_token("mcpat_");
        assert!(a.starts_with("mcpat_") && a.len() == 6 + 43);
        assert_ne!(a, random_token("mcpat_"));
    }
}
