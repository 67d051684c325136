//! Reaching GitHub: repository references, the REST client and its HTTP plumbing.
//!
//! Everything here but `fetch` is plain Rust and tested on the host; `fetch` is the
//! Workers implementation of [`http::HttpClient`].

pub mod cache;
pub mod client;
pub mod fetch;
pub mod http;
pub mod kv_cache;
pub mod repo;

pub use client::{GitHub, GitHubError, Media, Query};
