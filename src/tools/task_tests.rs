//! Tasks on the host, through the dispatcher with the conformance fixtures: which calls
//! become tasks, the capability gate, input during and before a task, cancellation, and
//! the legacy era (no tasks). An in-memory [`TaskHost`] keeps the records and runs each
//! task's tool where the Durable Object would (here: when the task is next read).

use std::cell::RefCell;

use futures_executor::block_on;
use serde_json::{json, Map, Value};

use super::*;
use crate::auth::caller::{Caller, Secret};
use crate::github::http::{HttpClient, HttpRequest, HttpResponse, TransportError};
use crate::github::GitHub;
use mcp_core::connection::Connection;
use mcp_core::exchange::{BoxFuture, SilentPeer};
use mcp_core::jsonrpc::{Request, RequestId, RpcError};
use mcp_core::request_state::StateSigner;

use crate::app::{ContentPolicy, Scope, Services};
use mcp_core::task::{self, Change, Op, Seed, TaskHost, TaskRecord};
use mcp_core::version::ProtocolVersion;

struct NoNetwork;

impl HttpClient for NoNetwork {
    fn send(&self, _: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(async { Err(TransportError::Failed("no network in unit tests".into())) })
    }
}

/// What every scope borrows.
struct Parts {
    caller: Caller,
    token: Secret,
    signer: StateSigner,
    policy: ContentPolicy,
}

impl Parts {
    fn new() -> Self {
        Parts {
            caller: Caller::local(None),
            token: Secret::new("ghp_test"),
            signer: StateSigner::new(b"test"),
            policy: ContentPolicy::default(),
        }
    }
}

impl Parts {
    fn services<'a>(&'a self, github: &'a GitHub<'a>) -> Services<'a> {
        Services {
            caller: &self.caller,
            policy: &self.policy,
            github,
        }
    }
}

fn github(parts: &Parts) -> GitHub<'_> {
    GitHub::new(
        "https://api.github.com",
        "https://github.com",
        Some(&parts.token),
        &NoNetwork,
    )
}

/// A scope for `version` and `capabilities`.
fn scope<'a>(
    parts: &'a Parts,
    services: &'a Services<'a>,
    version: ProtocolVersion,
    capabilities: Value,
    connection: &'a Connection,
    tasks: Option<&'a dyn TaskHost>,
) -> Scope<'a> {
    Scope {
        version,
        client_capabilities: capabilities,
        log_level: None,
        subject: &parts.caller.subject,
        connection,
        app: services,
        peer: &SilentPeer,
        state_signer: &parts.signer,
        now: 0,
        tasks,
    }
}

/// A task store in memory, deciding every operation with `task::apply` as the Durable
/// Object does; the runs it is told to start wait until the next `tasks/get` (a poll).
struct Memory<'s> {
    server: &'s Server,
    parts: Parts,
    records: RefCell<Vec<TaskRecord>>,
    runs: RefCell<Vec<TaskRecord>>,
}

impl Memory<'_> {
    async fn op(&self, id: String, op: Op) -> Result<Value, RpcError> {
        if op == Op::Get {
            self.run_waiting().await;
        }
        let stored = self.records.borrow().iter().find(|r| r.id == id).cloned();
        let decision = task::apply(stored, "local", op, true, 3_000);
        if decision.stop {
            self.runs.borrow_mut().retain(|r| r.id != id);
        }
        let mut records = self.records.borrow_mut();
        records.retain(|r| r.id != id || decision.change == Change::Keep);
        if let Change::Save(record) = decision.change {
            records.push(*record);
        }
        self.runs.borrow_mut().extend(decision.run);
        decision.answer
    }

    async fn run_waiting(&self) {
        let runs = self.runs.take();
        for run in runs {
            let seed = &run.seed;
            let caps = seed.client_capabilities.clone();
            let modern = ProtocolVersion::V2026_07_28;
            let github = github(&self.parts);
            let services = self.parts.services(&github);
            let scope = scope(&self.parts, &services, modern, caps, &seed.connection, None);
            let outcome = self.server.run_task(&run, &scope).await;
            let mut records = self.records.borrow_mut();
            if let Some(record) = records.iter_mut().find(|r| r.id == run.id) {
                record.finish(run.attempt, outcome, 2_000);
            }
        }
    }
}

impl TaskHost for Memory<'_> {
    fn create(&self, seed: Seed) -> BoxFuture<'_, Result<Value, RpcError>> {
        let id = format!("task-{}", self.records.borrow().len());
        let ttl_ms = task::DEFAULT_TTL_MS;
        Box::pin(self.op(id.clone(), Op::Create { id, seed, ttl_ms }))
    }

    fn get(&self, id: &str) -> BoxFuture<'_, Result<Value, RpcError>> {
        Box::pin(self.op(id.to_string(), Op::Get))
    }

    fn update(
        &self,
        id: &str,
        responses: Map<String, Value>,
    ) -> BoxFuture<'_, Result<(), RpcError>> {
        let update = self.op(id.to_string(), Op::Update(responses));
        Box::pin(async move { update.await.map(|_| ()) })
    }

    fn cancel(&self, id: &str) -> BoxFuture<'_, Result<(), RpcError>> {
        let cancel = self.op(id.to_string(), Op::Cancel);
        Box::pin(async move { cancel.await.map(|_| ()) })
    }
}

const EXTENSION: &str = task::EXTENSION;

fn with_tasks() -> Value {
    json!({ "elicitation": {}, "extensions": { EXTENSION: {} } })
}

fn fixtures() -> Server {
    let config =
        Config::from_lookup(|name| (name == "MCP_TOOLSETS").then(|| "conformance".to_string()))
            .unwrap();
    build_server(&config)
}

impl<'s> Memory<'s> {
    fn new(server: &'s Server) -> Self {
        Memory {
            server,
            parts: Parts::new(),
            records: RefCell::new(Vec::new()),
            runs: RefCell::new(Vec::new()),
        }
    }

    /// One request in `version` with `capabilities`, with this store as its task host.
    fn send(
        &self,
        version: ProtocolVersion,
        caps: Value,
        method: &str,
        params: Value,
    ) -> Result<Value, RpcError> {
        let request = Request {
            id: RequestId::Number(1),
            method: method.into(),
            params: Some(params),
        };
        let tasks = version.is_modern().then_some(self as &dyn TaskHost);
        let connection = Connection::default();
        let github = github(&self.parts);
        let services = self.parts.services(&github);
        let scope = scope(&self.parts, &services, version, caps, &connection, tasks);
        block_on(self.server.handle(&request, &scope))
            .response
            .outcome
    }

    fn modern(&self, caps: Value, method: &str, params: Value) -> Result<Value, RpcError> {
        self.send(ProtocolVersion::V2026_07_28, caps, method, params)
    }
}

fn call(name: &str, arguments: Value) -> Value {
    json!({ "name": name, "arguments": arguments })
}

fn task_id(created: &Value) -> Value {
    json!({ "taskId": created["taskId"] })
}

#[test]
fn the_extension_is_advertised_in_2026_07_28_only() {
    let server = fixtures();
    let host = Memory::new(&server);
    let discover = mcp_core::modern::discover(&server, &Connection::default());
    assert_eq!(discover["capabilities"]["extensions"][EXTENSION], json!({}));
    assert!(discover["capabilities"].get("tasks").is_none());
    let init = Request {
        id: RequestId::Number(1),
        method: "initialize".into(),
        params: Some(json!({ "protocolVersion": "2025-11-25", "capabilities": with_tasks() })),
    };
    let (_, result) = server.initialize(&init, &Connection::default()).unwrap();
    assert!(result["capabilities"].get("extensions").is_none());
    assert!(result["capabilities"].get("tasks").is_none());
    // Legacy sessions: no tasks methods, and a task-only tool runs synchronously.
    let legacy = ProtocolVersion::V2025_11_25;
    let get = host.send(legacy, with_tasks(), "tasks/get", json!({"taskId": "x"}));
    assert_eq!(get.unwrap_err().code, -32601);
    let failing = host.send(
        legacy,
        with_tasks(),
        "tools/call",
        call("failing_job", json!({})),
    );
    assert_eq!(failing.unwrap()["isError"], true);
    assert!(host.records.borrow().is_empty());
}

#[test]
fn only_declaring_clients_get_tasks() {
    let server = fixtures();
    let host = Memory::new(&server);
    let slow = call("slow_compute", json!({"seconds": 0, "label": "x"}));
    let sync = host.modern(json!({}), "tools/call", slow.clone()).unwrap();
    assert_eq!(sync["resultType"], "complete");
    assert_eq!(sync["content"][0]["text"], "computed x in 0s");
    // The legacy capability and a `task` parameter are no opt-in.
    let legacy_caps = json!({ "tasks": { "requests": { "tools": { "call": {} } } } });
    let mut hinted = slow.clone();
    hinted["task"] = json!({ "ttl": 60000 });
    let still_sync = host.modern(legacy_caps, "tools/call", hinted).unwrap();
    assert_eq!(still_sync["resultType"], "complete");
    // Forbidden tools stay synchronous for declaring clients.
    let greet = host.modern(
        with_tasks(),
        "tools/call",
        call("greet", json!({"name": "W"})),
    );
    assert_eq!(greet.unwrap()["content"][0]["text"], "Hello, W!");

    let created = host.modern(with_tasks(), "tools/call", slow).unwrap();
    assert_eq!(created["resultType"], "task");
    assert_eq!(created["status"], "working");
    let done = host
        .modern(with_tasks(), "tasks/get", task_id(&created))
        .unwrap();
    assert_eq!(done["resultType"], "complete");
    assert_eq!(done["status"], "completed");
    assert_eq!(done["result"]["content"][0]["text"], "computed x in 0s");

    // A task-only tool without the extension: -32021 naming it, before anything runs.
    let refused = host.modern(json!({}), "tools/call", call("failing_job", json!({})));
    let refused = refused.unwrap_err();
    assert_eq!(refused.code, -32021);
    assert_eq!(
        refused.data.unwrap()["requiredCapabilities"]["extensions"][EXTENSION],
        json!({})
    );
}

#[test]
fn tool_errors_complete_and_protocol_errors_fail() {
    let server = fixtures();
    let host = Memory::new(&server);
    let failing = host
        .modern(with_tasks(), "tools/call", call("failing_job", json!({})))
        .unwrap();
    let failing = host
        .modern(with_tasks(), "tasks/get", task_id(&failing))
        .unwrap();
    assert_eq!(
        (
            failing["status"].as_str(),
            failing["result"]["isError"].as_bool()
        ),
        (Some("completed"), Some(true))
    );
    let broken = call("protocol_error_job", json!({}));
    let broken = host.modern(with_tasks(), "tools/call", broken).unwrap();
    let broken = host
        .modern(with_tasks(), "tasks/get", task_id(&broken))
        .unwrap();
    assert_eq!(broken["status"], "failed");
    assert_eq!(broken["error"]["code"], -32603);
    assert!(broken.get("result").is_none());
}

#[test]
fn input_during_a_task_through_tasks_update() {
    let server = fixtures();
    let host = Memory::new(&server);
    let created = host
        .modern(
            with_tasks(),
            "tools/call",
            call("confirm_delete", json!({"filename": "a.txt"})),
        )
        .unwrap();
    let id = task_id(&created);
    let waiting = host.modern(with_tasks(), "tasks/get", id.clone()).unwrap();
    assert_eq!(waiting["status"], "input_required");
    assert_eq!(
        waiting["inputRequests"]["confirm_delete"]["method"],
        "elicitation/create"
    );
    // Unknown keys are acknowledged and ignored.
    let mut update = id.clone();
    update["inputResponses"] = json!({ "unknown-key": { "ignored": true } });
    let ack = host
        .modern(with_tasks(), "tasks/update", update.clone())
        .unwrap();
    assert_eq!(ack, json!({ "resultType": "complete" }));
    assert_eq!(
        host.modern(with_tasks(), "tasks/get", id.clone()).unwrap()["status"],
        "input_required"
    );
    update["inputResponses"] =
        json!({ "confirm_delete": { "action": "accept", "content": { "confirm": true } } });
    host.modern(with_tasks(), "tasks/update", update).unwrap();
    let done = host.modern(with_tasks(), "tasks/get", id).unwrap();
    assert_eq!(done["status"], "completed");
    assert_eq!(
        done["result"]["content"][0]["text"],
        "Deleted a.txt (pretend: this fixture deletes nothing)"
    );
}

#[test]
fn partial_answers_keep_the_task_waiting_for_the_rest() {
    let server = fixtures();
    let host = Memory::new(&server);
    let created = host
        .modern(with_tasks(), "tools/call", call("multi_input", json!({})))
        .unwrap();
    let id = task_id(&created);
    let waiting = host.modern(with_tasks(), "tasks/get", id.clone()).unwrap();
    let keys: Vec<&String> = waiting["inputRequests"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(keys, ["confirm", "name"]);
    let answer = json!({ "action": "accept", "content": { "name": "partial-1", "confirm": true } });
    let mut update = id.clone();
    update["inputResponses"] = json!({ "name": answer });
    host.modern(with_tasks(), "tasks/update", update.clone())
        .unwrap();
    let half = host.modern(with_tasks(), "tasks/get", id.clone()).unwrap();
    assert_eq!(half["status"], "input_required");
    assert!(
        half["inputRequests"].get("name").is_none()
            && half["inputRequests"].get("confirm").is_some()
    );
    update["inputResponses"] = json!({ "confirm": answer });
    host.modern(with_tasks(), "tasks/update", update).unwrap();
    let done = host.modern(with_tasks(), "tasks/get", id).unwrap();
    assert_eq!(
        done["result"]["content"][0]["text"],
        "name=\"partial-1\", confirm=true"
    );
}

#[test]
fn input_before_a_task_is_answered_synchronously() {
    let server = fixtures();
    let host = Memory::new(&server);
    let first = host
        .modern(
            with_tasks(),
            "tools/call",
            call("test_tool_with_task", json!({})),
        )
        .unwrap();
    assert_eq!(first["resultType"], "input_required");
    assert!(first.get("taskId").is_none());
    assert!(first["inputRequests"]["user_name"].is_object());
    let mut retry = call("test_tool_with_task", json!({}));
    retry["inputResponses"] =
        json!({ "user_name": { "action": "accept", "content": { "name": "Alice" } } });
    let created = host.modern(with_tasks(), "tools/call", retry).unwrap();
    assert_eq!(created["resultType"], "task");
    assert!(created.get("inputRequests").is_none() && created.get("requestState").is_none());
    let done = host
        .modern(with_tasks(), "tasks/get", task_id(&created))
        .unwrap();
    assert_eq!(done["result"]["content"][0]["text"], "Hello, Alice!");
}

#[test]
fn cancel_and_the_tasks_methods_errors() {
    let server = fixtures();
    let host = Memory::new(&server);
    let created = host
        .modern(
            with_tasks(),
            "tools/call",
            call("slow_compute", json!({"seconds": 60})),
        )
        .unwrap();
    let id = task_id(&created);
    let ack = host
        .modern(with_tasks(), "tasks/cancel", id.clone())
        .unwrap();
    assert_eq!(ack, json!({ "resultType": "complete" }));
    assert_eq!(
        host.modern(with_tasks(), "tasks/get", id.clone()).unwrap()["status"],
        "cancelled"
    );
    assert!(
        host.modern(with_tasks(), "tasks/cancel", id.clone())
            .is_ok(),
        "idempotent"
    );
    // Without the extension: -32021 before the id is even looked at.
    for method in ["tasks/get", "tasks/update", "tasks/cancel"] {
        let gated = host.modern(
            json!({}),
            method,
            json!({"taskId": "gate-test", "inputResponses": {}}),
        );
        assert_eq!(gated.unwrap_err().code, -32021, "{method}");
    }
    let unknown = host.modern(with_tasks(), "tasks/get", json!({"taskId": "nope"}));
    assert_eq!(unknown.unwrap_err().code, -32602);
    let no_id = host.modern(with_tasks(), "tasks/get", json!({}));
    assert_eq!(no_id.unwrap_err().code, -32602);
    let no_responses = host.modern(with_tasks(), "tasks/update", id);
    assert_eq!(no_responses.unwrap_err().code, -32602);
    for removed in ["tasks/result", "tasks/list"] {
        let gone = host.modern(with_tasks(), removed, json!({"taskId": "x"}));
        assert_eq!(gone.unwrap_err().code, -32601, "{removed}");
    }
}
