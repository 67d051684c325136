//! The Workers Cache API implementation of [`EtagCache`]: the default cache of the location
//! serving the request, entries under `https://github-etag.cache/etag:<sha256>` (a host of
//! their own, apart from anything else cached for the zone).
//!
//! The Cache API has no write quota (KV's free plan allows 1,000 writes a day) and keeps
//! one copy per location, which suits an ETag cache: a miss costs one full GitHub answer.
//! It works only on a custom domain: on `*.workers.dev` every `put` is dropped and every
//! lookup misses, so there the server simply makes unconditional requests. A large entry is
//! read in the request's turn, like a large answer from GitHub ([`super::turns`]).

use worker::{Cache, Headers, Response};

use super::cache::{Cached, EtagCache, TTL_SECONDS};
use super::fetch::answer;
use super::turns::Turns;
use mcp_core::exchange::BoxFuture;

/// Entry URLs: this, then the key (`etag:<sha256 hex>`).
pub const KEY_URL_PREFIX: &str = "https://github-etag.cache/";

/// The ETag cache of one request, whose large entries wait for its turn.
pub struct EdgeCache<'a> {
    cache: Cache,
    turns: &'a Turns,
}

impl EdgeCache<'_> {
    /// The location's default cache (`caches.default`): no promise to wait for, unlike a
    /// named cache, so a request that makes no GitHub call pays nothing for it.
    pub fn new(turns: &Turns) -> EdgeCache<'_> {
        EdgeCache {
            cache: Cache::default(),
            turns,
        }
    }
}

fn url(key: &str) -> String {
    format!("{KEY_URL_PREFIX}{key}")
}

impl EtagCache for EdgeCache<'_> {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<Cached>> {
        Box::pin(async move {
            let response = self.cache.get(url(key).as_str(), true).await.ok()??;
            let (_, bytes) = answer(self.turns, async { Ok(response) }, usize::MAX, None)
                .await
                .ok()?;
            Cached::from_bytes(&bytes)
        })
    }

    fn put<'a>(&'a self, key: &'a str, entry: Cached) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let headers = Headers::new();
            let control = format!("public, max-age={TTL_SECONDS}");
            // A failed write only costs a future cache miss.
            if headers.set("cache-control", &control).is_err() {
                return;
            }
            if let Ok(response) = Response::from_bytes(entry.to_bytes()) {
                let _ = self
                    .cache
                    .put(url(key).as_str(), response.with_headers(headers))
                    .await;
            }
        })
    }
}
