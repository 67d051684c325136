//! The protocol core: JSON-RPC, revisions and eras, the session lifecycle, dispatch, and
//! the interfaces for tools, resources and prompts.
//!
//! Nothing here touches the Workers runtime, so `cargo test` exercises it on the host.
//! Transports (`crate::transport`) decide which era a request belongs to and hand the
//! dispatcher a [`server::Scope`]; the dispatcher answers the same way for every transport.

pub mod connection;
pub mod exchange;
pub mod jsonrpc;
pub mod lifecycle;
pub mod modern;
pub mod param_headers;
pub mod prompt;
pub mod request_state;
pub mod resource;
pub mod schema;
pub mod server;
pub mod task;
pub mod tool;
pub mod version;
