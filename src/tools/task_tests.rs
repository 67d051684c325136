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
use crate::mcp::connection::Connection;
use crate::mcp::exchange::{BoxFuture, SilentPeer};
use crate::mcp::jsonrpc::{Request, RequestId, RpcError};
use crate::mcp::request_state::StateSigner;
use crate::mcp::server::Scope;
use crate::mcp::task::{self, Seed, Status, TaskHost, TaskRecord};
use crate::mcp::tool::ContentPolicy;
use crate::mcp::version::ProtocolVersion;

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
    github: &'a GitHub<'a>,
    version: ProtocolVersion,
    capabilities: Value,
    connection: &'a Connection,
    tasks: Option<&'a dyn TaskHost>,
) -> Scope<'a> {
    Scope {
        version,
        client_capabilities: capabilities,
        log_level: None,
        caller: &parts.caller,
        connection,
        policy: &parts.policy,
        github,
        peer: &SilentPeer,
        state_signer: &parts.signer,
        now: 0,
        tasks,
    }
}

/// Keeps tasks in memory and runs a working task's tool when it is read.
struct Memory<'s> {
    server: &'s Server,
    parts: Parts,
    records: RefCell<Vec<TaskRecord>>,
}

impl Memory<'_> {
    fn with<R>(&self, id: &str, f: impl FnOnce(&mut TaskRecord) -> R) -> Result<R, RpcError> {
        let mut records = self.records.borrow_mut();
        let record = records.iter_mut().find(|r| r.id == id);
        record.map(f).ok_or_else(task::not_found)
    }
}

impl TaskHost for Memory<'_> {
    fn create(&self, seed: Seed) -> BoxFuture<'_, Result<Value, RpcError>> {
        let id = format!("task-{}", self.records.borrow().len());
        let record = TaskRecord::new(id, "local".into(), seed, task::DEFAULT_TTL_MS, 1_000);
        let created = record.created();
        self.records.borrow_mut().push(record);
        Box::pin(async move { Ok(created) })
    }

    fn get(&self, id: &str) -> BoxFuture<'_, Result<Value, RpcError>> {
        let id = id.to_string();
        Box::pin(async move {
            let record = self.with(&id, |r| r.clone())?;
            if record.status == Status::Working {
                let seed = &record.seed;
                let caps = seed.client_capabilities.clone();
                let modern = ProtocolVersion::V2026_07_28;
                let github = github(&self.parts);
                let scope = scope(&self.parts, &github, modern, caps, &seed.connection, None);
                let outcome = self.server.run_task(&record, &scope).await;
                self.with(&id, |r| r.finish(record.attempt, outcome, 2_000))?;
            }
            self.with(&id, |r| r.detailed())
        })
    }

    fn update(
        &self,
        id: &str,
        responses: Map<String, Value>,
    ) -> BoxFuture<'_, Result<(), RpcError>> {
        let result = self
            .with(id, |r| r.update(&responses, 3_000))
            .and_then(|updated| updated.map(|_| ()));
        Box::pin(async move { result })
    }

    fn cancel(&self, id: &str) -> BoxFuture<'_, Result<(), RpcError>> {
        let result = self.with(id, |r| {
            r.cancel(4_000);
        });
        Box::pin(async move { result })
    }
}

const EXTENSION: &str = task::EXTENSION;

fn with_tasks() -> Value {
    json!({ "elicitation": {}, "extensions": { EXTENSION: {} } })
}

struct Fixtures {
    server: Server,
}

impl Fixtures {
    fn new() -> Self {
        let config =
            Config::from_lookup(|name| (name == "MCP_TOOLSETS").then(|| "conformance".to_string()))
                .unwrap();
        Fixtures {
            server: build_server(&config),
        }
    }

    fn host(&self) -> Memory<'_> {
        Memory {
            server: &self.server,
            parts: Parts::new(),
            records: RefCell::new(Vec::new()),
        }
    }

    /// One request in `version` with `capabilities`, through `host`.
    fn send(
        &self,
        host: &Memory<'_>,
        version: ProtocolVersion,
        capabilities: Value,
        method: &str,
        params: Value,
    ) -> Result<Value, RpcError> {
        let request = Request {
            id: RequestId::Number(1),
            method: method.into(),
            params: Some(params),
        };
        let tasks = version.is_modern().then_some(host as &dyn TaskHost);
        let connection = Connection::default();
        let github = github(&host.parts);
        let scope = scope(
            &host.parts,
            &github,
            version,
            capabilities,
            &connection,
            tasks,
        );
        block_on(self.server.handle(&request, &scope))
            .response
            .outcome
    }

    fn modern(
        &self,
        host: &Memory<'_>,
        caps: Value,
        method: &str,
        params: Value,
    ) -> Result<Value, RpcError> {
        self.send(host, ProtocolVersion::V2026_07_28, caps, method, params)
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
    let f = Fixtures::new();
    let host = f.host();
    let discover = crate::mcp::modern::discover(&f.server, &Connection::default());
    assert_eq!(discover["capabilities"]["extensions"][EXTENSION], json!({}));
    assert!(discover["capabilities"].get("tasks").is_none());
    let init = Request {
        id: RequestId::Number(1),
        method: "initialize".into(),
        params: Some(json!({ "protocolVersion": "2025-11-25", "capabilities": with_tasks() })),
    };
    let (_, result) = f.server.initialize(&init, &Connection::default()).unwrap();
    assert!(result["capabilities"].get("extensions").is_none());
    assert!(result["capabilities"].get("tasks").is_none());
    // Legacy sessions: no tasks methods, and a task-only tool runs synchronously.
    let legacy = ProtocolVersion::V2025_11_25;
    let get = f.send(
        &host,
        legacy,
        with_tasks(),
        "tasks/get",
        json!({"taskId": "x"}),
    );
    assert_eq!(get.unwrap_err().code, -32601);
    let failing = f.send(
        &host,
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
    let f = Fixtures::new();
    let host = f.host();
    let slow = call("slow_compute", json!({"seconds": 0, "label": "x"}));
    let sync = f
        .modern(&host, json!({}), "tools/call", slow.clone())
        .unwrap();
    assert_eq!(sync["resultType"], "complete");
    assert_eq!(sync["content"][0]["text"], "computed x in 0s");
    // The legacy capability and a `task` parameter are no opt-in.
    let legacy_caps = json!({ "tasks": { "requests": { "tools": { "call": {} } } } });
    let mut hinted = slow.clone();
    hinted["task"] = json!({ "ttl": 60000 });
    let still_sync = f.modern(&host, legacy_caps, "tools/call", hinted).unwrap();
    assert_eq!(still_sync["resultType"], "complete");
    // Forbidden tools stay synchronous for declaring clients.
    let greet = f.modern(
        &host,
        with_tasks(),
        "tools/call",
        call("greet", json!({"name": "W"})),
    );
    assert_eq!(greet.unwrap()["content"][0]["text"], "Hello, W!");

    let created = f.modern(&host, with_tasks(), "tools/call", slow).unwrap();
    assert_eq!(created["resultType"], "task");
    assert_eq!(created["status"], "working");
    let done = f
        .modern(&host, with_tasks(), "tasks/get", task_id(&created))
        .unwrap();
    assert_eq!(done["resultType"], "complete");
    assert_eq!(done["status"], "completed");
    assert_eq!(done["result"]["content"][0]["text"], "computed x in 0s");

    // A task-only tool without the extension: -32021 naming it, before anything runs.
    let refused = f.modern(
        &host,
        json!({}),
        "tools/call",
        call("failing_job", json!({})),
    );
    let refused = refused.unwrap_err();
    assert_eq!(refused.code, -32021);
    assert_eq!(
        refused.data.unwrap()["requiredCapabilities"]["extensions"][EXTENSION],
        json!({})
    );
}

#[test]
fn tool_errors_complete_and_protocol_errors_fail() {
    let f = Fixtures::new();
    let host = f.host();
    let failing = f
        .modern(
            &host,
            with_tasks(),
            "tools/call",
            call("failing_job", json!({})),
        )
        .unwrap();
    let failing = f
        .modern(&host, with_tasks(), "tasks/get", task_id(&failing))
        .unwrap();
    assert_eq!(
        (
            failing["status"].as_str(),
            failing["result"]["isError"].as_bool()
        ),
        (Some("completed"), Some(true))
    );
    let broken = call("protocol_error_job", json!({}));
    let broken = f.modern(&host, with_tasks(), "tools/call", broken).unwrap();
    let broken = f
        .modern(&host, with_tasks(), "tasks/get", task_id(&broken))
        .unwrap();
    assert_eq!(broken["status"], "failed");
    assert_eq!(broken["error"]["code"], -32603);
    assert!(broken.get("result").is_none());
}

#[test]
fn input_during_a_task_through_tasks_update() {
    let f = Fixtures::new();
    let host = f.host();
    let created = f
        .modern(
            &host,
            with_tasks(),
            "tools/call",
            call("confirm_delete", json!({"filename": "a.txt"})),
        )
        .unwrap();
    let id = task_id(&created);
    let waiting = f
        .modern(&host, with_tasks(), "tasks/get", id.clone())
        .unwrap();
    assert_eq!(waiting["status"], "input_required");
    assert_eq!(
        waiting["inputRequests"]["confirm_delete"]["method"],
        "elicitation/create"
    );
    // Unknown keys are acknowledged and ignored.
    let mut update = id.clone();
    update["inputResponses"] = json!({ "unknown-key": { "ignored": true } });
    let ack = f
        .modern(&host, with_tasks(), "tasks/update", update.clone())
        .unwrap();
    assert_eq!(ack, json!({ "resultType": "complete" }));
    assert_eq!(
        f.modern(&host, with_tasks(), "tasks/get", id.clone())
            .unwrap()["status"],
        "input_required"
    );
    update["inputResponses"] =
        json!({ "confirm_delete": { "action": "accept", "content": { "confirm": true } } });
    f.modern(&host, with_tasks(), "tasks/update", update)
        .unwrap();
    let done = f.modern(&host, with_tasks(), "tasks/get", id).unwrap();
    assert_eq!(done["status"], "completed");
    assert_eq!(
        done["result"]["content"][0]["text"],
        "Deleted a.txt (pretend: this fixture deletes nothing)"
    );
}

#[test]
fn partial_answers_keep_the_task_waiting_for_the_rest() {
    let f = Fixtures::new();
    let host = f.host();
    let created = f
        .modern(
            &host,
            with_tasks(),
            "tools/call",
            call("multi_input", json!({})),
        )
        .unwrap();
    let id = task_id(&created);
    let waiting = f
        .modern(&host, with_tasks(), "tasks/get", id.clone())
        .unwrap();
    let keys: Vec<&String> = waiting["inputRequests"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(keys, ["confirm", "name"]);
    let answer = json!({ "action": "accept", "content": { "name": "partial-1", "confirm": true } });
    let mut update = id.clone();
    update["inputResponses"] = json!({ "name": answer });
    f.modern(&host, with_tasks(), "tasks/update", update.clone())
        .unwrap();
    let half = f
        .modern(&host, with_tasks(), "tasks/get", id.clone())
        .unwrap();
    assert_eq!(half["status"], "input_required");
    assert!(
        half["inputRequests"].get("name").is_none()
            && half["inputRequests"].get("confirm").is_some()
    );
    update["inputResponses"] = json!({ "confirm": answer });
    f.modern(&host, with_tasks(), "tasks/update", update)
        .unwrap();
    let done = f.modern(&host, with_tasks(), "tasks/get", id).unwrap();
    assert_eq!(
        done["result"]["content"][0]["text"],
        "name=\"partial-1\", confirm=true"
    );
}

#[test]
fn input_before_a_task_is_answered_synchronously() {
    let f = Fixtures::new();
    let host = f.host();
    let first = f
        .modern(
            &host,
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
    let created = f.modern(&host, with_tasks(), "tools/call", retry).unwrap();
    assert_eq!(created["resultType"], "task");
    assert!(created.get("inputRequests").is_none() && created.get("requestState").is_none());
    let done = f
        .modern(&host, with_tasks(), "tasks/get", task_id(&created))
        .unwrap();
    assert_eq!(done["result"]["content"][0]["text"], "Hello, Alice!");
}

#[test]
fn cancel_and_the_tasks_methods_errors() {
    let f = Fixtures::new();
    let host = f.host();
    let created = f
        .modern(
            &host,
            with_tasks(),
            "tools/call",
            call("slow_compute", json!({"seconds": 60})),
        )
        .unwrap();
    let id = task_id(&created);
    let ack = f
        .modern(&host, with_tasks(), "tasks/cancel", id.clone())
        .unwrap();
    assert_eq!(ack, json!({ "resultType": "complete" }));
    assert_eq!(
        f.modern(&host, with_tasks(), "tasks/get", id.clone())
            .unwrap()["status"],
        "cancelled"
    );
    assert!(
        f.modern(&host, with_tasks(), "tasks/cancel", id.clone())
            .is_ok(),
        "idempotent"
    );
    // Without the extension: -32021 before the id is even looked at.
    for method in ["tasks/get", "tasks/update", "tasks/cancel"] {
        let gated = f.modern(
            &host,
            json!({}),
            method,
            json!({"taskId": "gate-test", "inputResponses": {}}),
        );
        assert_eq!(gated.unwrap_err().code, -32021, "{method}");
    }
    let unknown = f.modern(&host, with_tasks(), "tasks/get", json!({"taskId": "nope"}));
    assert_eq!(unknown.unwrap_err().code, -32602);
    let no_id = f.modern(&host, with_tasks(), "tasks/get", json!({}));
    assert_eq!(no_id.unwrap_err().code, -32602);
    let no_responses = f.modern(&host, with_tasks(), "tasks/update", id);
    assert_eq!(no_responses.unwrap_err().code, -32602);
    for removed in ["tasks/result", "tasks/list"] {
        let gone = f.modern(&host, with_tasks(), removed, json!({"taskId": "x"}));
        assert_eq!(gone.unwrap_err().code, -32601, "{removed}");
    }
}
