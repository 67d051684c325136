//! The Workers KV implementation of [`EtagCache`] (binding `KV`, keys `etag:<sha256>`).

use worker::kv::KvStore;

use super::cache::{Cached, EtagCache, TTL_SECONDS};
use crate::mcp::exchange::BoxFuture;

pub struct KvCache(pub KvStore);

impl EtagCache for KvCache {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<Cached>> {
        Box::pin(async move {
            let bytes = self.0.get(key).bytes().await.ok()??;
            Cached::from_bytes(&bytes)
        })
    }

    fn put<'a>(&'a self, key: &'a str, entry: Cached) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            // A failed write only costs a future cache miss.
            if let Ok(put) = self.0.put_bytes(key, &entry.to_bytes()) {
                let _ = put.expiration_ttl(TTL_SECONDS).execute().await;
            }
        })
    }

    fn hit(&self, path: &str) {
        worker::console_log!("github etag cache hit (304): GET {path}");
    }
}
