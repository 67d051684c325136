//! Dynamically registered clients (RFC 7591) whose id is their registration, signed.
//!
//! `/register` writes nothing: the client's id carries what it registered (its redirect URIs,
//! name, home page, how it authenticates, when it registered and a random part that makes each
//! id unique), HMAC-signed under a key derived from `COOKIE_ENCRYPTION_KEY`, and a confidential
//! client's secret is an HMAC of its id under another such key. So no stranger can spend the
//! deployment's KV writes by registering again and again, and nothing is kept for the clients
//! that register and never come back. An id starts sign-ins for [`CLIENT_TTL_SECONDS`] after it
//! was issued ([`lapsed`]); the client then registers again, as it does when a server forgets
//! it. The grants it already has go on: it can refresh and revoke their tokens.
//!
//! What an id carries is public (the client sent it); the signature only keeps it from being
//! altered. An id is at most [`MAX_ID_LENGTH`] characters, so a registration whose parts would
//! make it longer is refused.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

use super::client::{AuthMethod, ClientRecord, Refusal, Registration};
use super::store::CLIENT_TTL;
use crate::auth::crypto;

/// How every id issued this way begins.
pub const ID_PREFIX: &str = "mcpcr_";
/// How a confidential client's secret begins.
const SECRET_PREFIX: &str = "mcpcs_";
/// The longest id issued: it travels in URLs, forms, the sign-in cookie and `Authorization`
/// headers.
pub const MAX_ID_LENGTH: usize = 1_000;
/// How long an id may start sign-ins.
pub const CLIENT_TTL_SECONDS: i64 = CLIENT_TTL as i64;

/// The keys of registration: one signs ids, the other derives secrets from them.
pub struct RegistrationKeys {
    pub id: [u8; 32],
    pub secret: [u8; 32],
}

/// What an id carries. Short names keep ids short.
#[derive(Serialize, Deserialize)]
struct Carried {
    #[serde(rename = "u")]
    redirect_uris: Vec<String>,
    #[serde(rename = "n", default, skip_serializing_if = "Option::is_none")]
    client_name: Option<String>,
    #[serde(rename = "c", default, skip_serializing_if = "Option::is_none")]
    client_uri: Option<String>,
    #[serde(rename = "m")]
    auth_method: AuthMethod,
    #[serde(rename = "t")]
    created_at: i64,
    /// Random, so that two identical registrations get different ids (and secrets).
    #[serde(rename = "r")]
    unique: String,
}

/// A new client: its record, and its secret if it is confidential (shown once, in the
/// registration response). Refused when the registration is too long for an id.
pub fn issue(
    keys: &RegistrationKeys,
    registration: Registration,
    now: i64,
) -> Result<(ClientRecord, Option<String>), Refusal> {
    let carried = Carried {
        redirect_uris: registration.redirect_uris,
        client_name: registration.client_name,
        client_uri: registration.client_uri,
        auth_method: registration.auth_method,
        created_at: now,
        unique: URL_SAFE_NO_PAD.encode(crate::random::random_bytes::<9>()),
    };
    let json = serde_json::to_string(&carried).unwrap_or_default();
    let client_id = format!("{ID_PREFIX}{}", crypto::sign(&keys.id, &json));
    if client_id.len() > MAX_ID_LENGTH {
        return Err(Refusal {
            error: "invalid_client_metadata",
            description: format!(
                "redirect_uris, client_name and client_uri make a client_id of {} characters, over the {MAX_ID_LENGTH} this server issues: it keeps a registration inside its client_id. Register fewer or shorter URIs",
                client_id.len()
            ),
        });
    }
    let secret = (carried.auth_method != AuthMethod::None).then(|| secret_of(keys, &client_id));
    Ok((record(keys, client_id, carried), secret))
}

/// The client an id names, if this server issued it (however long ago: see [`lapsed`]).
pub fn open(keys: &RegistrationKeys, client_id: &str) -> Option<ClientRecord> {
    let carried = carried(&keys.id, client_id)?;
    Some(record(keys, client_id.to_string(), carried))
}

/// The redirect URIs an id issued here carries (`id_key`: [`RegistrationKeys::id`]).
pub fn redirect_uris(id_key: &[u8; 32], client_id: &str) -> Option<Vec<String>> {
    Some(carried(id_key, client_id)?.redirect_uris)
}

fn carried(id_key: &[u8; 32], client_id: &str) -> Option<Carried> {
    if client_id.len() > MAX_ID_LENGTH {
        return None;
    }
    let signed = client_id.strip_prefix(ID_PREFIX)?;
    let json = crypto::unsign(id_key, signed)?;
    serde_json::from_str(&json).ok()
}

/// True when `client`'s id was issued here longer than [`CLIENT_TTL_SECONDS`] before `now`:
/// it may start no more sign-ins.
pub fn lapsed(client: &ClientRecord, now: i64) -> bool {
    client.client_id.starts_with(ID_PREFIX)
        && now > client.created_at.saturating_add(CLIENT_TTL_SECONDS)
}

fn record(keys: &RegistrationKeys, client_id: String, carried: Carried) -> ClientRecord {
    let secret_hash = (carried.auth_method != AuthMethod::None)
        .then(|| crypto::sha256_hex(&secret_of(keys, &client_id)));
    ClientRecord {
        client_id,
        secret_hash,
        redirect_uris: carried.redirect_uris,
        client_name: carried.client_name,
        client_uri: carried.client_uri,
        auth_method: carried.auth_method,
        created_at: carried.created_at,
    }
}

fn secret_of(keys: &RegistrationKeys, client_id: &str) -> String {
    let tag = crypto::hmac(&keys.secret, client_id.as_bytes());
    format!("{SECRET_PREFIX}{}", URL_SAFE_NO_PAD.encode(tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(secret: &[u8]) -> RegistrationKeys {
        RegistrationKeys {
            id: crypto::derive_key(secret, "client-id"),
            secret: crypto::derive_key(secret, "client-secret"),
        }
    }

    fn registration(auth_method: AuthMethod) -> Registration {
        Registration {
            redirect_uris: vec!["http://localhost:3334/oauth/callback".into()],
            client_name: Some("MCP CLI Proxy".into()),
            client_uri: Some("https://github.com/modelcontextprotocol/mcp-cli".into()),
            auth_method,
        }
    }

    #[test]
    fn an_id_is_its_registration_and_starts_sign_ins_until_it_lapses() {
        let keys = keys(b"secret");
        let (client, secret) = issue(&keys, registration(AuthMethod::None), 1_000).unwrap();
        assert!(client.client_id.starts_with(ID_PREFIX));
        assert!(
            client.client_id.len() < 300,
            "{} characters",
            client.client_id.len()
        );
        assert_eq!(secret, None);
        assert_eq!(open(&keys, &client.client_id), Some(client.clone()));
        let last = 1_000 + CLIENT_TTL_SECONDS;
        assert!(!lapsed(&client, last));
        assert!(lapsed(&client, last + 1));
        let (again, _) = issue(&keys, registration(AuthMethod::None), 1_000).unwrap();
        assert_ne!(again.client_id, client.client_id, "every id is unique");
    }

    #[test]
    fn an_altered_or_foreign_id_names_no_client() {
        let keys = keys(b"secret");
        let (client, _) = issue(&keys, registration(AuthMethod::None), 1_000).unwrap();
        assert_eq!(open(&self::keys(b"other"), &client.client_id), None);
        let (carried, tag) = client.client_id.split_once('.').unwrap();
        let json = URL_SAFE_NO_PAD
            .decode(carried.strip_prefix(ID_PREFIX).unwrap())
            .unwrap();
        let json = String::from_utf8(json)
            .unwrap()
            .replace("localhost:3334", "evil.example");
        let forged = format!("{ID_PREFIX}{}.{tag}", URL_SAFE_NO_PAD.encode(json));
        assert_eq!(open(&keys, &forged), None);
        assert_eq!(open(&keys, "mcpcr_x.y"), None);
        assert_eq!(
            open(&keys, client.client_id.trim_start_matches(ID_PREFIX)),
            None
        );
    }

    #[test]
    fn a_confidential_client_gets_a_secret_derived_from_its_id() {
        let keys = keys(b"secret");
        let registration = registration(AuthMethod::ClientSecretBasic);
        let (client, secret) = issue(&keys, registration, 1_000).unwrap();
        let secret = secret.unwrap();
        assert!(secret.starts_with(SECRET_PREFIX));
        let opened = open(&keys, &client.client_id).unwrap();
        assert_eq!(opened.secret_hash, Some(crypto::sha256_hex(&secret)));
        let (other, other_secret) = issue(
            &keys,
            self::registration(AuthMethod::ClientSecretBasic),
            1_000,
        )
        .unwrap();
        assert_ne!(other_secret.unwrap(), secret);
        assert_ne!(other.secret_hash, opened.secret_hash);
    }

    #[test]
    fn a_registration_too_long_for_an_id_is_refused() {
        let keys = keys(b"secret");
        let mut long = registration(AuthMethod::None);
        long.redirect_uris = (0..10)
            .map(|i| format!("https://app.example/{i}/{}", "p".repeat(60)))
            .collect();
        let refusal = issue(&keys, long, 1_000).unwrap_err();
        assert_eq!(refusal.error, "invalid_client_metadata");
        assert!(
            refusal.description.contains("over the 1000"),
            "{}",
            refusal.description
        );
    }
}
