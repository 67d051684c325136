//! What the authorization server keeps in KV: access tokens, stored only as SHA-256 hashes,
//! and the clients registered before ids carried their registration
//! ([`super::registered`]). Codes, refresh tokens and grants live in each grant's Durable
//! Object ([`super::grant`]); a sign-in in progress lives in the browser's cookie
//! ([`super::pending`]). `docs/storage.md` lists every key with its value and TTL.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use worker::kv::KvStore;

use super::client::ClientRecord;

/// How the ids of clients kept in KV (registered before ids carried their registration) begin.
const STORED_CLIENT_PREFIX: &str = "mcpcl_";

/// Lifetimes, in seconds.
pub const CLIENT_TTL: u64 = 180 * 24 * 3600;
/// A registration (before ids carried it) that has never redeemed a code lived this long.
pub const UNUSED_CLIENT_TTL: u64 = 24 * 3600;
pub const CODE_TTL: u64 = 10 * 60;
pub const ACCESS_TTL: u64 = 3600;
pub const REFRESH_TTL: u64 = 30 * 24 * 3600;

/// An access token (`access:<sha256>`): everything authenticating a request needs, so that
/// it is one KV read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessRecord {
    pub grant_id: String,
    pub client_id: String,
    /// The resource the token is for: this server's origin.
    pub audience: String,
    pub expires_at: i64,
    pub github_user_id: u64,
    pub github_login: String,
    /// The GitHub token, AES-256-GCM sealed (as in the grant).
    pub github_token: String,
}

/// The KV key of the access token whose SHA-256 is `hash`.
pub fn access_key(hash: &str) -> String {
    format!("access:{hash}")
}

pub struct Store {
    kv: KvStore,
}

impl Store {
    pub fn new(kv: KvStore) -> Self {
        Store { kv }
    }

    pub async fn get<T: DeserializeOwned>(&self, key: &str) -> worker::Result<Option<T>> {
        match self.kv.get(key).text().await? {
            Some(text) => Ok(serde_json::from_str(&text).ok()),
            None => Ok(None),
        }
    }

    /// Stores JSON text (never a JS object: KV would keep `{}` for a Rust map), as its UTF-8
    /// bytes: `KvStore::put` of a `String` converts it through `serde_wasm_bindgen` and can
    /// format a number, which alone links 14 KB of `f64` formatting into the wasm.
    pub async fn put<T: Serialize>(
        &self,
        key: &str,
        value: &T,
        ttl_seconds: u64,
    ) -> worker::Result<()> {
        self.kv
            .put_bytes(key, serde_json::to_string(value)?.as_bytes())?
            .expiration_ttl(ttl_seconds.max(60))
            .execute()
            .await?;
        Ok(())
    }

    pub async fn delete(&self, key: &str) -> worker::Result<()> {
        self.kv.delete(key).await?;
        Ok(())
    }

    pub async fn client(&self, client_id: &str) -> worker::Result<Option<ClientRecord>> {
        self.get(&format!("client:{client_id}")).await
    }

    /// Called when `client` redeemed a code. Clients registered before ids carried their
    /// registration (`mcpcl_…`) were kept for [`UNUSED_CLIENT_TTL`] until then: one still
    /// within it is rewritten to live [`CLIENT_TTL`]. One older than that was already
    /// extended (else it would have expired), so it costs no write; other clients have no
    /// record.
    pub async fn keep_client(&self, client: &ClientRecord, now: i64) -> worker::Result<()> {
        let stored = client.client_id.starts_with(STORED_CLIENT_PREFIX);
        let young = now.saturating_sub(client.created_at) < UNUSED_CLIENT_TTL as i64;
        if stored && young {
            self.put(&format!("client:{}", client.client_id), client, CLIENT_TTL)
                .await?;
        }
        Ok(())
    }

    pub async fn access(&self, hash: &str) -> worker::Result<Option<AccessRecord>> {
        self.get(&access_key(hash)).await
    }

    /// Writes an access record, to live until it expires.
    pub async fn put_access(
        &self,
        hash: &str,
        record: &AccessRecord,
        now: i64,
    ) -> worker::Result<()> {
        let ttl = record.expires_at.saturating_sub(now).max(0) as u64;
        self.put(&access_key(hash), record, ttl).await
    }

    /// Deletes the access records of a revoked grant.
    pub async fn delete_access(&self, hashes: &[String]) -> worker::Result<()> {
        for hash in hashes {
            self.delete(&access_key(hash)).await?;
        }
        Ok(())
    }
}
