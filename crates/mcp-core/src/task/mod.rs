//! The Tasks extension (`io.modelcontextprotocol/tasks`) as protocol 2026-07-28 defines it:
//! a `tools/call` may answer with a task handle (`resultType: "task"`) that the client polls
//! with `tasks/get`, feeds input with `tasks/update` and stops with `tasks/cancel`.
//!
//! This module is the task's state machine and wire shapes, in plain Rust: a
//! [`TaskRecord`] is what the task's store keeps, and every change to it (a run's outcome,
//! the client's input, a cancellation, the alarm) is a method here, tested on the host.
//! Where the record is kept and where the tool runs is the host's business ([`TaskHost`]).
//!
//! The rules (ext-tasks `specification/draft/tasks.md`):
//! - statuses `working` → `input_required` ⇄ `working` → `completed` | `failed` |
//!   `cancelled`; terminal statuses never change;
//! - a tool result with `isError` is `completed`; only a JSON-RPC error is `failed`;
//! - `inputRequests` holds every outstanding request; a key is never issued twice;
//!   `tasks/update` ignores keys that are not outstanding and may answer some of them;
//! - cancelling a finished task changes nothing and is still acknowledged.

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::connection::Connection;
use super::exchange::BoxFuture;
use super::jsonrpc::{codes, RpcError};

mod record;
mod store;

pub use record::{Alarm, TaskRecord, Updated};
pub use store::{apply, Change, Decision, Op};

/// The extension's identifier, in `capabilities.extensions` and a request's `_meta`.
pub const EXTENSION: &str = "io.modelcontextprotocol/tasks";
/// A task lives this long from its creation unless the deployment says otherwise.
pub const DEFAULT_TTL_MS: u64 = 60 * 60 * 1000;
/// The shortest and longest lifetime a deployment may configure.
pub const MIN_TTL_MS: u64 = 5 * 1000;
pub const MAX_TTL_MS: u64 = 24 * 60 * 60 * 1000;
/// How often a client should poll.
pub const POLL_INTERVAL_MS: u64 = 1000;
/// A run still working this long after it started is stopped and the task fails.
pub const MAX_RUN_MS: i64 = 15 * 60 * 1000;

/// How a tool takes part in tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TaskSupport {
    /// Always answered synchronously.
    #[default]
    Forbidden,
    /// A task when the client declared the extension (and the tool wants one for the call).
    Optional,
    /// Only as a task: a client without the extension gets -32021.
    Required,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Working,
    InputRequired,
    Completed,
    Failed,
    Cancelled,
}

impl Status {
    /// The inverse of the `Serialize` names.
    pub(super) fn parse(text: &str) -> Option<Status> {
        Some(match text {
            "working" => Status::Working,
            "input_required" => Status::InputRequired,
            "completed" => Status::Completed,
            "failed" => Status::Failed,
            "cancelled" => Status::Cancelled,
            _ => return None,
        })
    }

    pub fn is_terminal(self) -> bool {
        matches!(self, Status::Completed | Status::Failed | Status::Cancelled)
    }
}

/// True when a request's client capabilities declare the extension. A client declaring
/// only 2025-11-25's `tasks` capability does not (SEP-2663).
pub fn declares_tasks(capabilities: &Value) -> bool {
    capabilities
        .get("extensions")
        .and_then(|e| e.get(EXTENSION))
        .is_some_and(Value::is_object)
}

/// -32021: the request needs the extension, and the client did not declare it.
pub fn missing_capability() -> RpcError {
    RpcError::new(
        codes::MISSING_REQUIRED_CLIENT_CAPABILITY,
        format!("Missing required client capability: this needs the tasks extension; declare params._meta[\"io.modelcontextprotocol/clientCapabilities\"].extensions[\"{EXTENSION}\"] = {{}}"),
    )
    .with_data(json!({ "requiredCapabilities": { "extensions": { EXTENSION: {} } } }))
}

/// -32602 for a task id that names no task this caller can see.
pub fn not_found() -> RpcError {
    RpcError::invalid_params(
        "Failed to retrieve task: Task not found (it never existed, it expired, or it belongs to another caller)",
    )
}

/// What a task starts from: the `tools/call` that created it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Seed {
    pub tool: String,
    /// Already checked against the tool's input schema.
    pub arguments: Map<String, Value>,
    /// The creating call's `inputResponses` (input gathered before the task existed).
    pub input_responses: Map<String, Value>,
    pub client_capabilities: Value,
    pub connection: Connection,
}

// Records are read back by hand, not with a derived `Deserialize`: the derived visitors
// cost the bundle several times the code below.
pub(super) fn object(value: Option<&Value>) -> Map<String, Value> {
    match value {
        Some(Value::Object(map)) => map.clone(),
        _ => Map::new(),
    }
}

pub(super) fn string(value: Option<&Value>) -> Option<String> {
    value.and_then(Value::as_str).map(str::to_string)
}

/// A value that may be absent: JSON null is absence.
pub(super) fn optional(value: Option<&Value>) -> Option<Value> {
    value.filter(|v| !v.is_null()).cloned()
}

impl Seed {
    /// Reads a seed written by `Serialize`.
    pub fn from_json(json: &Value) -> Option<Seed> {
        let connection = json.get("connection");
        Some(Seed {
            tool: string(json.get("tool"))?,
            arguments: object(json.get("arguments")),
            input_responses: object(json.get("input_responses")),
            client_capabilities: optional(json.get("client_capabilities")).unwrap_or_default(),
            connection: Connection {
                offered: connection
                    .and_then(|c| c.get("offered"))
                    .and_then(Value::as_array)
                    .map(|names| names.iter().filter_map(|n| string(Some(n))).collect()),
                lockdown: connection
                    .and_then(|c| c.get("lockdown"))
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            },
        })
    }
}

/// How one run of the tool ended.
#[derive(Debug, Clone, PartialEq)]
pub enum RunOutcome {
    /// A `CallToolResult`, `isError` or not.
    Completed(Value),
    /// A JSON-RPC error.
    Failed(RpcError),
    /// The tool needs input: the requests by key, and the state to run again with.
    InputRequired {
        requests: Map<String, Value>,
        state: Option<Value>,
    },
}

/// Where tasks live and run; the transport provides it for 2026-07-28 requests. Each
/// method acts for the request's caller, who sees only their own tasks.
pub trait TaskHost {
    /// Creates a task and starts its run. Answers the `CreateTaskResult` once the task is
    /// stored, so that a `tasks/get` for it succeeds.
    fn create(&self, seed: Seed) -> BoxFuture<'_, Result<Value, RpcError>>;
    /// The `tasks/get` result.
    fn get(&self, id: &str) -> BoxFuture<'_, Result<Value, RpcError>>;
    fn update(
        &self,
        id: &str,
        responses: Map<String, Value>,
    ) -> BoxFuture<'_, Result<(), RpcError>>;
    fn cancel(&self, id: &str) -> BoxFuture<'_, Result<(), RpcError>>;
}

#[cfg(test)]
mod tests;
