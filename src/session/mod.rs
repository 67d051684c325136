//! Legacy-era sessions: one Durable Object per MCP session, and the private protocol the
//! Worker uses to reach it.

pub mod durable;
pub mod internal;
pub mod replay;
pub mod running;
pub mod state;
