//! What the authorization server keeps in KV: clients, pending sign-ins, grants, and our
//! codes and tokens, the last stored only as SHA-256 hashes. `docs/storage.md` lists every
//! key with its value and TTL.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use worker::kv::KvStore;

use super::client::ClientRecord;

/// Lifetimes, in seconds.
pub const CLIENT_TTL: u64 = 180 * 24 * 3600;
pub const PENDING_TTL: u64 = 10 * 60;
pub const CODE_TTL: u64 = 10 * 60;
pub const ACCESS_TTL: u64 = 3600;
pub const REFRESH_TTL: u64 = 30 * 24 * 3600;

/// A sign-in between consent and GitHub's callback (`pending:<upstream state>`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingSignIn {
    pub client_id: String,
    pub redirect_uri: String,
    /// The client's own `state`, echoed back to it.
    pub client_state: Option<String>,
    pub code_challenge: String,
    pub scope: Option<String>,
    /// PKCE verifier of our request to GitHub.
    pub github_verifier: String,
    /// SHA-256 of the browser-binding cookie set with the redirect to GitHub.
    pub browser_binding: String,
}

/// A person's authorization of one client (`grant:<id>`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Grant {
    pub id: String,
    pub client_id: String,
    pub github_user_id: u64,
    pub github_login: String,
    pub scope: Option<String>,
    /// The GitHub token, AES-GCM encrypted.
    pub github_token: String,
    /// SHA-256 of the one refresh token that is currently valid.
    pub refresh_hash: Option<String>,
    pub created_at: i64,
}

/// An authorization code (`code:<sha256>`). Kept after use, so a replay can be detected.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CodeRecord {
    pub grant_id: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub used: bool,
}

/// An access token (`access:<sha256>`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessRecord {
    pub grant_id: String,
    pub client_id: String,
    /// The resource the token is for: this server's origin.
    pub audience: String,
    pub expires_at: i64,
}

/// A refresh token (`refresh:<sha256>`); valid only while its hash is the grant's current one.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefreshRecord {
    pub grant_id: String,
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

    /// Stores JSON text (never a JS object: KV would keep `{}` for a Rust map).
    pub async fn put<T: Serialize>(
        &self,
        key: &str,
        value: &T,
        ttl_seconds: u64,
    ) -> worker::Result<()> {
        self.kv
            .put(key, serde_json::to_string(value)?)?
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

    pub async fn put_client(&self, client: &ClientRecord) -> worker::Result<()> {
        self.put(&format!("client:{}", client.client_id), client, CLIENT_TTL)
            .await
    }

    pub async fn grant(&self, id: &str) -> worker::Result<Option<Grant>> {
        self.get(&format!("grant:{id}")).await
    }

    pub async fn put_grant(&self, grant: &Grant) -> worker::Result<()> {
        self.put(&format!("grant:{}", grant.id), grant, REFRESH_TTL)
            .await
    }

    /// Revokes a grant: every token issued under it stops working at once, because each
    /// token lookup also reads its grant.
    pub async fn revoke_grant(&self, id: &str) -> worker::Result<()> {
        self.delete(&format!("grant:{id}")).await
    }
}
