//! Signed `requestState` for 2026-07-28 input-required results.
//!
//! A server that asks the client for input mid-call may hand back a `requestState`, which
//! the client returns verbatim on its retry. The client can change it, so we sign it:
//! `base64url(payload).base64url(HMAC-SHA256(payload))`, where the payload binds the
//! caller and an expiry. A state that fails any check is refused with -32602.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use super::jsonrpc::RpcError;

/// How long a state stays valid.
pub const STATE_TTL_SECONDS: i64 = 15 * 60;

pub struct StateSigner {
    key: Vec<u8>,
}

impl StateSigner {
    pub fn new(key: &[u8]) -> Self {
        StateSigner { key: key.to_vec() }
    }

    /// Seals `data` for `subject`, valid until `now + STATE_TTL_SECONDS`.
    pub fn seal(&self, subject: &str, now: i64, data: Value) -> String {
        let payload = json!({ "sub": subject, "exp": now + STATE_TTL_SECONDS, "data": data });
        sign(&self.key, &payload.to_string())
    }

    /// Opens a state sealed for `subject`, returning its data.
    pub fn open(&self, subject: &str, now: i64, state: &str) -> Result<Value, RpcError> {
        let refuse = |why: &str| {
            RpcError::invalid_params(format!("requestState integrity check failed: {why}"))
        };
        let payload = unsign(&self.key, state)
            .ok_or_else(|| refuse("it was not issued by this server, or it was altered"))?;
        let payload: Value =
            serde_json::from_str(&payload).map_err(|_| refuse("the payload is malformed"))?;
        if payload.get("sub").and_then(Value::as_str) != Some(subject) {
            return Err(refuse("it was issued to another caller"));
        }
        if payload
            .get("exp")
            .and_then(Value::as_i64)
            .is_none_or(|exp| exp < now)
        {
            return Err(refuse("it has expired; start the call again"));
        }
        Ok(payload.get("data").cloned().unwrap_or(Value::Null))
    }
}

/// HMAC-SHA256 keyed with `key`.
#[allow(clippy::expect_used)] // HMAC takes a key of any length: new_from_slice cannot fail.
fn keyed(key: &[u8]) -> Hmac<Sha256> {
    <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length")
}

/// HMAC-SHA256 of `data`.
pub fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = keyed(key);
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// Constant-time check of an HMAC-SHA256 tag.
pub fn hmac_verify(key: &[u8], data: &[u8], tag: &[u8]) -> bool {
    let mut mac = keyed(key);
    mac.update(data);
    mac.verify_slice(tag).is_ok()
}

/// `value.signature`, both base64url.
pub fn sign(key: &[u8], value: &str) -> String {
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(value),
        URL_SAFE_NO_PAD.encode(hmac(key, value.as_bytes()))
    )
}

/// The value inside a [`sign`]ed string, if the signature holds.
pub fn unsign(key: &[u8], signed: &str) -> Option<String> {
    let (value, tag) = signed.split_once('.')?;
    let value = URL_SAFE_NO_PAD.decode(value).ok()?;
    let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
    hmac_verify(key, &value, &tag)
        .then(|| String::from_utf8(value).ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_tampering_other_callers_and_expiry() {
        let signer = StateSigner::new(b"key");
        let state = signer.seal("bearer:a", 1000, json!({"round": 2}));
        assert_eq!(
            signer.open("bearer:a", 1001, &state).unwrap(),
            json!({"round": 2})
        );
        assert!(signer
            .open("bearer:a", 1001, &format!("{state}-TAMPERED"))
            .is_err());
        assert!(signer.open("bearer:b", 1001, &state).is_err());
        assert!(signer
            .open("bearer:a", 1000 + STATE_TTL_SECONDS + 1, &state)
            .is_err());
        assert!(StateSigner::new(b"other")
            .open("bearer:a", 1001, &state)
            .is_err());
        assert!(signer.open("bearer:a", 1001, "garbage").is_err());
        let e = signer.open("bearer:a", 1001, "a.b").unwrap_err();
        assert_eq!(e.code, crate::jsonrpc::codes::INVALID_PARAMS);
    }
}
