//! The protocol core: JSON-RPC, revisions and eras, the session lifecycle, dispatch, and
//! the interfaces for tools, resources and prompts.
//!
//! It knows nothing of the runtime that hosts it (the Worker), of the upstream its tools
//! reach, or of how callers sign in: an application names its own per-request context
//! ([`context::App`]) and registers its tools, resources and prompts on a
//! [`server::Server`]. Its transports decide which era a request belongs to and hand the
//! dispatcher a [`server::Scope`]; the dispatcher answers the same way for every transport.

pub mod args;
pub mod connection;
pub mod context;
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
pub mod subscription;
pub mod task;
pub mod tool;
pub mod version;

// For the `arguments!` macro's expansion in other crates.
#[doc(hidden)]
pub use serde_json;
