//! What the authorization server keeps in KV: only the clients registered before ids
//! carried their registration ([`super::registered`]), and until they expire the access
//! tokens issued before tokens named their grant (`access:`, which this version deletes
//! when it revokes them but never writes or trusts: a version rolled back to trusts them).
//! Codes, refresh and access tokens (as SHA-256 hashes) and grants live in each grant's
//! Durable Object ([`super::grant`]); a sign-in in progress lives in the browser's cookie
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

/// The part of a KV `access:` record (written before access tokens named their grant) that
/// revoking it needs.
#[derive(Deserialize)]
struct LegacyAccess {
    client_id: String,
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

    /// Deletes the KV records of access tokens issued before tokens named their grant.
    pub async fn delete_legacy_access(&self, hashes: &[String]) -> worker::Result<()> {
        for hash in hashes {
            self.kv.delete(&format!("access:{hash}")).await?;
        }
        Ok(())
    }

    /// `/revoke` of an access token issued before tokens named their grant: deletes its KV
    /// record if `client_id` holds it. Says whether there was a record.
    pub async fn revoke_legacy_access(&self, hash: &str, client_id: &str) -> worker::Result<bool> {
        let key = format!("access:{hash}");
        let Some(record) = self.get::<LegacyAccess>(&key).await? else {
            return Ok(false);
        };
        if record.client_id == client_id {
            self.kv.delete(&key).await?;
        }
        Ok(true)
    }
}
