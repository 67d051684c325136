//! The Worker's side of tasks: [`DoTaskHost`] reaches each task's Durable Object
//! ([`super::durable::McpTask`], named by the task id) with the authenticated caller, and
//! the private protocol between them.
//!
//! Every operation is one POST to the object: the path names the operation
//! (`/create`, `/get`, `/update`, `/cancel`), the caller travels in a header as it does for
//! sessions, the body is JSON, and the answer is `{"ok": …}` or `{"error": <JSON-RPC
//! error>}`. The object checks that the caller owns the task.

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
}

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
    /// Sends one operation to the object of task `id`. Ids we never issue name no task.
    async fn send(&self, id: &str, op: &str, body: Value) -> Result<Value, RpcError> {
        if !crate::random::is_session_id(id) {
            return Err(task::not_found());
        }
        match self.fetch(id, op, body).await {
            Ok(answer) => match (answer.get("ok"), answer.get("error")) {
                (Some(ok), _) => Ok(ok.clone()),
                (None, Some(error)) => Err(RpcError::from_json(error)
                    .unwrap_or_else(|| RpcError::internal("the task answered nonsense"))),
                (None, None) => Err(RpcError::internal("the task answered nothing")),
            },
            Err(error) => {
                worker::console_error!("task object {op} failed: {error}");
                Err(RpcError::internal(
                    "The task's store could not be reached. Try again shortly.",
                ))
            }
        }
    }

    async fn fetch(&self, id: &str, op: &str, body: Value) -> worker::Result<Value> {
        let headers = Headers::new();
        headers.set(CALLER_HEADER, &serde_json::to_string(self.caller)?)?;
        let request = crate::github::fetch::outgoing(
            &format!("https://task/{op}"),
            Method::Post,
            &headers,
            Some(body.to_string().into()),
            RequestRedirect::Follow,
        )?;
        let stub = self.env.durable_object(BINDING)?.get_by_name(id)?;
        let mut response = stub.fetch_with_request(request).await?;
        Ok(serde_json::from_str(&response.text().await?)?)
    }
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
