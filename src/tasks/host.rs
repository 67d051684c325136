//! The Worker's side of tasks: [`DoTaskHost`] reaches each task's Durable Object
//! ([`super::durable::McpTask`], named by the task id) with the authenticated caller, and
//! the private protocol between them.
//!
//! Every operation is one POST to the object: the path names the operation
//! (`/create`, `/get`, `/update`, `/cancel`), the caller travels in a header as it does for
//! sessions, the body is JSON, and the answer is `{"ok": …}` or `{"error": <JSON-RPC
//! error>}`. The object checks that the caller owns the task. `/watch` answers with such
//! answers one per line: the task now, then each change ([`DoTaskHost::watch`]).

use std::pin::Pin;

use futures_util::StreamExt;
use serde_json::{json, Map, Value};
use worker::{Env, Headers, Method, RequestRedirect};

use crate::auth::caller::Caller;
use crate::session::internal::CALLER_HEADER;
use mcp_core::exchange::BoxFuture;
use mcp_core::jsonrpc::RpcError;
use mcp_core::task::{self, Seed, TaskHost};

/// The Durable Object binding in `wrangler.toml`.
pub const BINDING: &str = "MCP_TASK";

/// Tasks for one request's caller.
pub struct DoTaskHost<'a> {
    pub env: &'a Env,
    pub caller: &'a Caller,
    /// How long a new task lives (`TASK_TTL_SECONDS`).
    pub ttl_ms: u64,
    /// The request has lockdown on: a task created without it is not read.
    pub lockdown: bool,
}

/// Sent to a task's object when the request has lockdown on.
pub const LOCKDOWN_HEADER: &str = "x-mcpw-lockdown";

/// Who owns a task: the same identity through the same OAuth client, as for sessions.
pub fn owner_of(caller: &Caller) -> String {
    format!(
        "{}:{}:{}",
        caller.auth_mode.as_str(),
        caller.subject,
        caller.client_id.as_deref().unwrap_or_default()
    )
}

impl DoTaskHost<'_> {
    /// Sends one operation to the object of task `id`.
    async fn send(&self, id: &str, op: &str, body: Value) -> Result<Value, RpcError> {
        let mut response = self.open(id, op, body).await?;
        let text = response.text().await.map_err(|e| unreachable(op, e))?;
        let line = serde_json::from_str(&text).map_err(|_| nonsense())?;
        answer(line)
    }

    /// Watches task `id`: its state now (as `tasks/get` answers it), and a stream of its
    /// later states, which ends once the task has finished, is gone, or cannot be read.
    pub async fn watch(&self, id: &str) -> Result<(Value, TaskStates), RpcError> {
        let mut response = self.open(id, "watch", json!({})).await?;
        let bytes = response.stream().map_err(|e| unreachable("watch", e))?;
        let mut states = TaskStates {
            bytes: Box::pin(bytes),
            buffer: Vec::new(),
            pending: std::collections::VecDeque::new(),
        };
        match states.next_answer().await {
            Some(Ok(now)) => Ok((now, states)),
            Some(Err(error)) => Err(error),
            None => Err(nonsense()),
        }
    }

    /// Starts operation `op` on the object of task `id`. Ids we never issue name no task.
    async fn open(&self, id: &str, op: &str, body: Value) -> Result<worker::Response, RpcError> {
        if !crate::random::is_session_id(id) {
            return Err(task::not_found());
        }
        self.request(id, op, body)
            .await
            .map_err(|e| unreachable(op, e))
    }

    async fn request(&self, id: &str, op: &str, body: Value) -> worker::Result<worker::Response> {
        let headers = Headers::new();
        headers.set(CALLER_HEADER, &crate::ascii_header::json(self.caller)?)?;
        if self.lockdown {
            headers.set(LOCKDOWN_HEADER, "true")?;
        }
        let request = crate::github::fetch::outgoing(
            &format!("https://task/{op}"),
            Method::Post,
            &headers,
            Some(body.to_string().into()),
            RequestRedirect::Follow,
        )?;
        let stub = self.env.durable_object(BINDING)?.get_by_name(id)?;
        stub.fetch_with_request(request).await
    }
}

/// A task's later states, from its object's `/watch` stream.
pub struct TaskStates {
    bytes: Pin<Box<worker::ByteStream>>,
    buffer: Vec<u8>,
    pending: std::collections::VecDeque<Value>,
}

impl TaskStates {
    /// The next state; `None` when the stream has ended (or broke, or said something else).
    pub async fn next(&mut self) -> Option<Value> {
        self.next_answer().await?.ok()
    }

    async fn next_answer(&mut self) -> Option<Result<Value, RpcError>> {
        loop {
            if let Some(line) = self.pending.pop_front() {
                return Some(answer(line));
            }
            let chunk = self.bytes.next().await?.ok()?;
            self.buffer.extend_from_slice(&chunk);
            // Only a chunk with a newline completes a line: a long line costs one pass.
            if chunk.contains(&b'\n') {
                self.pending.extend(take_lines(&mut self.buffer));
            }
        }
    }
}

/// The answer an object's line carries (`{"ok": …}` or `{"error": …}`).
fn answer(line: Value) -> Result<Value, RpcError> {
    match (line.get("ok"), line.get("error")) {
        (Some(ok), _) => Ok(ok.clone()),
        (None, Some(error)) => Err(RpcError::from_json(error).unwrap_or_else(nonsense)),
        (None, None) => Err(nonsense()),
    }
}

fn nonsense() -> RpcError {
    RpcError::internal("the task's store answered nonsense")
}

/// The store could not be reached: logged here, and said to the client without detail.
fn unreachable(op: &str, error: worker::Error) -> RpcError {
    worker::console_error!("task object {op} failed: {error}");
    RpcError::internal("The task's store could not be reached. Try again shortly.")
}

/// Takes the complete lines out of `buffer` (what follows the last newline stays), each
/// read as JSON; a line that is not JSON is skipped.
fn take_lines(buffer: &mut Vec<u8>) -> Vec<Value> {
    let Some(end) = buffer.iter().rposition(|b| *b == b'\n') else {
        return Vec::new();
    };
    let rest = buffer.split_off(end + 1);
    let complete = std::mem::replace(buffer, rest);
    complete
        .split(|b| *b == b'\n')
        .filter(|line| !line.is_empty())
        .filter_map(|line| serde_json::from_slice(line).ok())
        .collect()
}

impl TaskHost for DoTaskHost<'_> {
    fn create(&self, seed: Seed) -> BoxFuture<'_, Result<Value, RpcError>> {
        Box::pin(async move {
            let id = crate::random::session_id();
            let body = json!({ "id": id, "ttlMs": self.ttl_ms, "seed": seed });
            self.send(&id, "create", body).await
        })
    }

    fn get(&self, id: &str) -> BoxFuture<'_, Result<Value, RpcError>> {
        let id = id.to_string();
        Box::pin(async move { self.send(&id, "get", json!({})).await })
    }

    fn update(
        &self,
        id: &str,
        responses: Map<String, Value>,
    ) -> BoxFuture<'_, Result<(), RpcError>> {
        let id = id.to_string();
        Box::pin(async move {
            let body = json!({ "inputResponses": responses });
            self.send(&id, "update", body).await.map(|_| ())
        })
    }

    fn cancel(&self, id: &str) -> BoxFuture<'_, Result<(), RpcError>> {
        let id = id.to_string();
        Box::pin(async move { self.send(&id, "cancel", json!({})).await.map(|_| ()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_taken_whole_and_the_rest_waits() {
        let mut buffer = b"{\"ok\":1}\n{\"ok\":2}\n{\"ok\"".to_vec();
        assert_eq!(
            take_lines(&mut buffer),
            [json!({"ok": 1}), json!({"ok": 2})]
        );
        assert_eq!(buffer, b"{\"ok\"");
        assert!(take_lines(&mut buffer).is_empty());
        buffer.extend_from_slice(b":3}\nnot json\n");
        assert_eq!(take_lines(&mut buffer), [json!({"ok": 3})]);
        assert!(buffer.is_empty());
        assert_eq!(answer(json!({"ok": 3})), Ok(json!(3)));
        assert!(answer(json!({"error": {"code": -32602, "message": "Task not found"}})).is_err());
    }
}
