//! Authentication: who a request comes from, by the configured `AUTH_MODE`.

pub mod caller;
