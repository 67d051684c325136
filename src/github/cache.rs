//! The ETag cache: GitHub answers a conditional request (`If-None-Match`) with 304 when
//! nothing changed, and a 304 does not count against the rate limit. We keep the last 200
//! body of each URL with its ETag, per caller, and serve it on a 304.
//!
//! The key hashes the caller's subject, a hash of the GitHub credential, the URL and the
//! media type, so one caller's cached answers are never served to another. Tokens are
//! never stored: only their hash goes into the key's hash.

use std::cell::RefCell;
use std::collections::HashMap;

use sha2::{Digest, Sha256};

use mcp_core::exchange::BoxFuture;

/// Cache keys start with this.
pub const KEY_PREFIX: &str = "etag:";
/// How long an entry lives, in seconds.
pub const TTL_SECONDS: u64 = 86_400;

/// One cached 200 answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cached {
    pub etag: String,
    /// The `Link` header, for pagination.
    pub link: Option<String>,
    pub body: Vec<u8>,
}

impl Cached {
    /// `etag \n link \n body`: headers cannot contain newlines, so this is unambiguous.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.body.len() + 64);
        out.extend_from_slice(self.etag.as_bytes());
        out.push(b'\n');
        out.extend_from_slice(self.link.as_deref().unwrap_or("").as_bytes());
        out.push(b'\n');
        out.extend_from_slice(&self.body);
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<Cached> {
        let mut parts = bytes.splitn(3, |b| *b == b'\n');
        let etag = std::str::from_utf8(parts.next()?).ok()?.to_string();
        let link = std::str::from_utf8(parts.next()?).ok()?.to_string();
        let body = parts.next()?.to_vec();
        (!etag.is_empty()).then_some(Cached {
            etag,
            link: (!link.is_empty()).then_some(link),
            body,
        })
    }
}

/// Where cached answers live: the Cache API in the Worker, memory in host tests.
pub trait EtagCache {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<Cached>>;
    fn put<'a>(&'a self, key: &'a str, entry: Cached) -> BoxFuture<'a, ()>;
    /// Called when GitHub answered 304 and the cached body was served.
    fn hit(&self, _path: &str) {}
}

/// The cache key for one request.
pub fn cache_key(subject: &str, token: Option<&str>, url: &str, accept: &str) -> String {
    let token_hash = token
        .map(|t| Sha256::digest(t.as_bytes()))
        .unwrap_or_default();
    let mut hasher = Sha256::new();
    for part in [
        subject.as_bytes(),
        &token_hash,
        url.as_bytes(),
        accept.as_bytes(),
    ] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    let digest = hasher.finalize();
    let mut key = String::with_capacity(KEY_PREFIX.len() + 64);
    key.push_str(KEY_PREFIX);
    crate::random::push_hex(&mut key, &digest);
    key
}

/// An in-memory cache, for host tests.
#[derive(Default)]
pub struct MemoryCache {
    pub entries: RefCell<HashMap<String, Cached>>,
    pub hits: RefCell<Vec<String>>,
}

impl EtagCache for MemoryCache {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<Cached>> {
        Box::pin(async move { self.entries.borrow().get(key).cloned() })
    }

    fn put<'a>(&'a self, key: &'a str, entry: Cached) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            self.entries.borrow_mut().insert(key.to_string(), entry);
        })
    }

    fn hit(&self, path: &str) {
        self.hits.borrow_mut().push(path.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip() {
        let entry = Cached {
            etag: "W/\"abc\"".into(),
            link: Some("<https://x/?page=2>; rel=\"next\"".into()),
            body: b"{\"a\":\n1}".to_vec(),
        };
        assert_eq!(Cached::from_bytes(&entry.to_bytes()), Some(entry));
        let bare = Cached {
            etag: "\"e\"".into(),
            link: None,
            body: vec![],
        };
        assert_eq!(Cached::from_bytes(&bare.to_bytes()), Some(bare));
        assert_eq!(Cached::from_bytes(b"no newline"), None);
    }

    #[test]
    fn keys_separate_callers_credentials_urls_and_media_types() {
        let k = cache_key("local", Some("t"), "https://api/x", "json");
        assert!(k.starts_with("etag:") && k.len() == 5 + 64);
        for other in [
            cache_key("bearer:1", Some("t"), "https://api/x", "json"),
            cache_key("local", Some("u"), "https://api/x", "json"),
            cache_key("local", None, "https://api/x", "json"),
            cache_key("local", Some("t"), "https://api/y", "json"),
            cache_key("local", Some("t"), "https://api/x", "diff"),
        ] {
            assert_ne!(k, other);
        }
        assert_eq!(k, cache_key("local", Some("t"), "https://api/x", "json"));
    }
}
