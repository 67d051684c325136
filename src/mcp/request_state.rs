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

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC accepts keys of any length.
        <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC takes any key length")
    }

    /// Seals `data` for `subject`, valid until `now + STATE_TTL_SECONDS`.
    pub fn seal(&self, subject: &str, now: i64, data: Value) -> String {
        let payload =
            json!({ "sub": subject, "exp": now + STATE_TTL_SECONDS, "data": data }).to_string();
        let mut mac = self.mac();
        mac.update(payload.as_bytes());
        let tag = mac.finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(tag)
        )
    }

    /// Opens a state sealed for `subject`, returning its data.
    pub fn open(&self, subject: &str, now: i64, state: &str) -> Result<Value, RpcError> {
        let refuse = |why: &str| {
            RpcError::invalid_params(format!("requestState integrity check failed: {why}"))
        };
        let (payload, tag) = state
            .split_once('.')
            .ok_or_else(|| refuse("it is not a state this server issued"))?;
        let payload = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| refuse("it is not a state this server issued"))?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| refuse("it is not a state this server issued"))?;
        let mut mac = self.mac();
        mac.update(&payload);
        mac.verify_slice(&tag)
            .map_err(|_| refuse("the signature does not match"))?;
        let payload: Value =
            serde_json::from_slice(&payload).map_err(|_| refuse("the payload is malformed"))?;
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
        assert_eq!(e.code, crate::mcp::jsonrpc::codes::INVALID_PARAMS);
    }
}
