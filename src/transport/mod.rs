//! HTTP transports: Streamable HTTP on `/mcp` (both eras, and 2026-07-28's
//! `subscriptions/listen` stream), HTTP+SSE on `/sse`, and what
//! they share: origin checks, CORS, SSE framing and the JSON-or-SSE outbox.

pub mod batch;
pub mod body;
pub mod disconnect;
pub mod dispatch;
pub mod http;
pub mod legacy_sse;
pub mod listen;
pub mod mcp_path;
pub mod origin;
pub mod outbox;
pub mod sse;
pub mod stream_queue;
pub mod streamable;
