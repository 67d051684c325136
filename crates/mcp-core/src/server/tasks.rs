//! The Tasks extension in the dispatcher (2026-07-28 only): creating a task for a
//! `tools/call`, `tasks/get`, `tasks/update` and `tasks/cancel`, and one run of a task's
//! tool, which the host calls wherever the task lives.

use serde_json::{json, Map, Value};

use super::{required_str, Outcome, Scope, Server};
use crate::connection::Connection;
use crate::context::{App, CallContext};
use crate::jsonrpc::RpcError;
use crate::task::{self, RunOutcome, Seed, TaskRecord, TaskSupport};
use crate::tool::Registered;

/// The progress token a task's run reports with: its progress becomes the task's
/// `statusMessage` (tasks carry no progress notifications).
pub const TASK_PROGRESS_TOKEN: &str = "task";

impl<A: App> Server<A> {
    /// True when a tool `connection` is offered may run as a task.
    pub(super) fn offers_tasks(&self, connection: &Connection) -> bool {
        self.tools
            .iter()
            .any(|(d, t)| t.tasks() != TaskSupport::Forbidden && connection.offers(d.name))
    }

    /// For a call from a client that declared the extension to a tool that may run as a
    /// task: the synchronous input first (preflight), then the task, if the tool wants one
    /// for these arguments. `None` means: answer synchronously.
    pub(super) async fn start_task<'c>(
        &self,
        tool: &'c dyn Registered<A>,
        support: TaskSupport,
        arguments: &Map<String, Value>,
        context: &'c CallContext<'c, A>,
        scope: &Scope<'_, A>,
    ) -> Result<Option<Outcome>, RpcError> {
        let Some(host) = scope.tasks else {
            return match support {
                TaskSupport::Required => Err(RpcError::internal(
                    "this tool runs only as a task, and tasks are not available here",
                )),
                _ => Ok(None),
            };
        };
        let input_responses = match context.input_responses() {
            Ok(responses) => responses.cloned().unwrap_or_default(),
            Err(error) => return self.tool_error(error, scope).map(Some),
        };
        if let Err(error) = tool.preflight(context).await {
            return self.tool_error(error, scope).map(Some);
        }
        // Arguments that do not deserialise are answered synchronously, by the call's error.
        if support == TaskSupport::Optional && tool.wants_task(arguments) != Some(true) {
            return Ok(None);
        }
        let seed = Seed {
            tool: context
                .request_params
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            arguments: arguments.clone(),
            input_responses,
            client_capabilities: scope.client_capabilities.clone(),
            connection: scope.connection.clone(),
        };
        host.create(seed)
            .await
            .map(|task| Some(Outcome::Task(task)))
    }

    /// `tasks/get`, `tasks/update`, `tasks/cancel`. The capability is checked before the
    /// task is looked up: a client without the extension learns nothing about any task.
    pub(super) async fn task_method(
        &self,
        method: &str,
        params: &Map<String, Value>,
        scope: &Scope<'_, A>,
    ) -> Result<Outcome, RpcError> {
        if !task::declares_tasks(&scope.client_capabilities) {
            return Err(task::missing_capability());
        }
        let id = required_str(params, "taskId")?;
        let Some(host) = scope.tasks else {
            return Err(task::not_found());
        };
        let ack = || Outcome::Complete(json!({}));
        match method {
            "tasks/get" => host.get(id).await.map(Outcome::Complete),
            "tasks/update" => {
                let Some(Value::Object(responses)) = params.get("inputResponses") else {
                    return Err(RpcError::invalid_params(
                        "params.inputResponses must be an object mapping each key of the task's inputRequests to the client's result",
                    ));
                };
                host.update(id, responses.clone()).await.map(|()| ack())
            }
            _ => host.cancel(id).await.map(|()| ack()),
        }
    }

    /// Runs a task's tool once, from the start, with every answer the task has so far
    /// (a tool that needs input ends the run asking for it, and runs again once it is
    /// answered). `scope` is a 2026-07-28 scope with no task host.
    pub async fn run_task(&self, record: &TaskRecord, scope: &Scope<'_, A>) -> RunOutcome {
        let seed = &record.seed;
        let Some((_, tool)) = self.tool(&seed.tool) else {
            return RunOutcome::Failed(RpcError::internal(format!(
                "the tool {} is not offered any more",
                seed.tool
            )));
        };
        let mut params = Map::new();
        params.insert("name".into(), json!(seed.tool));
        params.insert("arguments".into(), Value::Object(seed.arguments.clone()));
        params.insert("inputResponses".into(), Value::Object(record.run_answers()));
        if let Some(state) = &record.state {
            // Kept on the server between runs, sealed afresh for the tool to open.
            let sealed = scope
                .state_signer
                .seal(scope.subject, scope.now, state.clone());
            params.insert("requestState".into(), json!(sealed));
        }
        params.insert(
            "_meta".into(),
            json!({ "progressToken": TASK_PROGRESS_TOKEN }),
        );
        let exchange = self.exchange(scope, &params);
        let context = self.context(scope, &exchange, &params);
        let outcome = match tool.call(seed.arguments.clone(), &context).await {
            Ok(result) => Ok(Outcome::Complete(result.to_json())),
            Err(error) => self.tool_error(error, scope),
        };
        match outcome {
            Ok(Outcome::Complete(result)) => RunOutcome::Completed(result),
            Ok(Outcome::InputRequired(mut asked)) => {
                let requests = match asked.get_mut("inputRequests").map(Value::take) {
                    Some(Value::Object(requests)) => requests,
                    _ => Map::new(),
                };
                let state = match asked.get("requestState").and_then(Value::as_str) {
                    Some(sealed) => {
                        match scope.state_signer.open(scope.subject, scope.now, sealed) {
                            Ok(state) => Some(state),
                            Err(error) => return RunOutcome::Failed(error),
                        }
                    }
                    None => None,
                };
                RunOutcome::InputRequired { requests, state }
            }
            Ok(Outcome::Task(_)) => RunOutcome::Failed(RpcError::internal("a task made a task")),
            Err(error) => RunOutcome::Failed(error),
        }
    }
}
