//! Reaching GitHub: repository references, the REST client and its HTTP plumbing.
//!
//! Everything here but `fetch` and `edge_cache` is plain Rust and tested on the host; they
//! are the Workers implementations of [`http::HttpClient`] and [`cache::EtagCache`].

pub mod cache;
pub mod client;
pub mod edge_cache;
pub mod fetch;
pub mod http;
pub mod repo;
pub mod turns;

pub use client::{GitHub, GitHubError, Media, Query};
