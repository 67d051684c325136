//! 2026-07-28 tasks on Workers: each task lives in its own Durable Object
//! ([`durable::McpTask`], named by the task id), which keeps the record, runs the tool and
//! deletes the task when its lifetime ends; the Worker reaches it through
//! [`host::DoTaskHost`]. The protocol itself is `mcp_core::task`.

pub mod durable;
pub mod host;
