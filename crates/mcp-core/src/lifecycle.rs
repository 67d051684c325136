//! The legacy-era session's changes: a request does not change the session in place, it
//! returns a [`SessionEffect`] for the session's keeper to apply, so requests can run
//! concurrently against one session. The session's state itself is the application's (it
//! decides where a session lives and who owns it).

use super::exchange::LogLevel;

/// A change to the session that a request asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionEffect {
    SetLogLevel(LogLevel),
    Subscribe(String),
    Unsubscribe(String),
}
