//! `McpTask`: the Durable Object behind one 2026-07-28 task, named by the task id.
//!
//! It keeps the task's [`TaskRecord`] (one storage key), runs the task's tool in place
//! (a spawned future, stopped through an abort handle when the task is cancelled), and
//! owns the task's one alarm: the watchdog while a run is working, then the expiry, when
//! everything is deleted. Every decision is taken in `mcp_core::task` (`apply` for operations,
//! `TaskRecord::on_alarm`, `TaskRecord::finish` for a run's outcome), tested on the host;
//! this object loads the record once, asks, and stores what it is told.
//!
//! Operations come from the Worker ([`super::host`]) with the authenticated caller; a
//! caller who does not own the task is told it does not exist. `/watch` answers with a
//! stream instead: the task as `tasks/get` shows it, one JSON line now and one each time it
//! changes, ending once the task has finished (or is gone); `subscriptions/listen` streams
//! are made of these. The record is written before an operation is answered, so a
//! `tasks/get` right after `tools/call` or `tasks/update` sees what they did. GitHub
//! credentials are never stored: a run uses the credential of the request that started it,
//! and a run lost with the object's memory is started again by the owner's next
//! `tasks/get`.

use std::cell::RefCell;
use std::rc::Rc;

use futures_channel::mpsc;
use futures_util::future::{AbortHandle, Abortable};
use futures_util::StreamExt;
use serde_json::{json, Value};
use worker::{durable_object, DurableObject, Env, Request, Response, State, Storage};

use super::host::{owner_of, LOCKDOWN_HEADER};
use crate::auth::caller::Caller;
use crate::now_ms;
use crate::session::internal::CALLER_HEADER;
use crate::transport::dispatch;
use mcp_core::exchange::{BoxFuture, Peer};
use mcp_core::jsonrpc::{Notification, RpcError};
use mcp_core::task::{self, Alarm, Change, Op, RunOutcome, Seed, TaskRecord};

/// The storage key of the [`TaskRecord`].
const RECORD_KEY: &str = "task";

#[durable_object(alarm)]
pub struct McpTask {
    state: State,
    env: Env,
    live: Rc<Live>,
}

/// What the object holds in memory.
#[derive(Default)]
struct Live {
    /// The record as last loaded or stored; a run's progress shows here first.
    record: RefCell<Option<TaskRecord>>,
    /// The run in flight: its attempt, and how to stop it.
    run: RefCell<Option<(u32, AbortHandle)>>,
    /// The open `/watch` streams.
    watchers: RefCell<Vec<mpsc::UnboundedSender<String>>>,
}

impl Live {
    /// Tells every watcher what the task looks like now; a finished task's watchers are
    /// let go, which ends their streams.
    fn changed(&self) {
        let record = self.record.borrow();
        let mut watchers = self.watchers.borrow_mut();
        let Some(record) = record.as_ref() else {
            watchers.clear();
            return;
        };
        let line = watch_line(&Ok(record.detailed()));
        watchers.retain(|watcher| watcher.unbounded_send(line.clone()).is_ok());
        if record.status.is_terminal() {
            watchers.clear();
        }
    }
}

/// How every operation's answer travels to the Worker: `{"ok": …}` or `{"error": …}`.
fn wire(answer: &Answer) -> Value {
    match answer {
        Ok(ok) => json!({ "ok": ok }),
        Err(error) => json!({ "error": error }),
    }
}

/// One line of a `/watch` stream: an answer, as [`wire`] writes it.
fn watch_line(answer: &Answer) -> String {
    let mut line = wire(answer).to_string();
    line.push('\n');
    line
}

/// The most open `/watch` streams one task has; another listener is refused.
const MAX_WATCHERS: usize = 16;

type Answer = Result<Value, RpcError>;

impl DurableObject for McpTask {
    fn new(state: State, env: Env) -> Self {
        McpTask {
            state,
            env,
            live: Rc::new(Live::default()),
        }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let caller = req.headers().get(CALLER_HEADER)?;
        let Some(caller) = caller.and_then(|c| serde_json::from_str::<Caller>(&c).ok()) else {
            return Response::error("no caller", 400);
        };
        let lockdown = req.headers().get(LOCKDOWN_HEADER)?.is_some();
        let body: Value = serde_json::from_str(&req.text().await?).unwrap_or_default();
        // Reading a watch is a `tasks/get` (the owner is checked, a lost run started again).
        let watching = req.path() == "/watch";
        let op = if watching {
            Some(Op::Get)
        } else {
            operation(&req.path(), &body)
        };
        let reads = matches!(op, Some(Op::Get));
        let answer = match op {
            Some(op) => self.apply(op, caller).await?,
            None => Err(RpcError::invalid_request("malformed task operation")),
        };
        // A connection cannot switch lockdown off: what a task made without it is not shown
        // to a request that has it on (its owner's, once the owner was checked).
        let answer = match answer {
            Ok(_) if reads && lockdown && !self.made_in_lockdown().await? => {
                Err(RpcError::invalid_params(
                    "This task was created without lockdown, and this request has lockdown on: its result is not shown here. Create the task again with lockdown on.",
                ))
            }
            answer => answer,
        };
        if watching {
            return self.watch(answer);
        }
        Response::from_json(&wire(&answer))
    }

    async fn alarm(&self) -> worker::Result<Response> {
        let Some(mut record) = self.load().await? else {
            self.forget().await?;
            return Response::ok("gone");
        };
        match record.on_alarm(now_ms()) {
            Alarm::Forget => {
                self.forget().await?;
                Response::ok("expired")
            }
            Alarm::Stopped => {
                self.stop();
                save(&self.state.storage(), &self.live, record).await?;
                Response::ok("stopped")
            }
            Alarm::Keep => {
                arm(&self.state.storage(), &record).await?;
                Response::ok("kept")
            }
        }
    }
}

impl McpTask {
    /// Whether the task was created by a request with lockdown on.
    async fn made_in_lockdown(&self) -> worker::Result<bool> {
        Ok(self
            .load()
            .await?
            .is_some_and(|record| record.seed.connection.lockdown))
    }

    async fn load(&self) -> worker::Result<Option<TaskRecord>> {
        let cached = self.live.record.borrow().clone();
        if cached.is_some() {
            return Ok(cached);
        }
        let stored = match self.state.storage().get::<String>(RECORD_KEY).await? {
            Some(json) => serde_json::from_str::<Value>(&json)
                .ok()
                .and_then(|json| TaskRecord::from_json(&json)),
            None => None,
        };
        self.live.record.replace(stored.clone());
        Ok(stored)
    }

    /// One operation: the record is read once, the decision taken by `task::apply`, and
    /// the record written (or deleted) before the answer goes out.
    async fn apply(&self, op: Op, caller: Caller) -> worker::Result<Answer> {
        let stored = self.load().await?;
        let running = match (&stored, self.live.run.borrow().as_ref()) {
            (Some(record), Some((attempt, _))) => *attempt == record.attempt,
            _ => false,
        };
        let decision = task::apply(stored, &owner_of(&caller), op, running, now_ms());
        if decision.stop {
            self.stop();
        }
        match decision.change {
            Change::Keep => {}
            Change::Save(record) => save(&self.state.storage(), &self.live, *record).await?,
            Change::Forget => self.forget().await?,
        }
        if let Some(record) = decision.run {
            // Started anew, input answered, or lost with the object's memory.
            self.start(record, caller);
        }
        Ok(decision.answer)
    }

    /// `/watch`: the task now, then each change, while it is unfinished. `answer` is the
    /// `tasks/get` that opened it; when it succeeded, the first line and the decision to
    /// keep watching both come from the record as it is now, so no change falls between.
    fn watch(&self, answer: Answer) -> worker::Result<Response> {
        let (sender, receiver) = mpsc::unbounded();
        let record = self.live.record.borrow();
        let mut watchers = self.live.watchers.borrow_mut();
        // Listeners that went away while the task was quiet.
        watchers.retain(|watcher| !watcher.is_closed());
        let first = match (answer, record.as_ref()) {
            (Ok(_), Some(record))
                if watchers.len() >= MAX_WATCHERS && !record.status.is_terminal() =>
            {
                Err(RpcError::internal(format!(
                    "This task already has {MAX_WATCHERS} listeners; close one, or poll tasks/get."
                )))
            }
            (Ok(_), Some(record)) => Ok(record.detailed()),
            (answer, _) => answer,
        };
        let unfinished = record
            .as_ref()
            .is_some_and(|record| !record.status.is_terminal());
        if sender.unbounded_send(watch_line(&first)).is_ok() && first.is_ok() && unfinished {
            watchers.push(sender);
        }
        Response::from_stream(receiver.map(|line| Ok::<Vec<u8>, worker::Error>(line.into_bytes())))
    }

    /// Runs the tool for the record's current attempt, in the background.
    fn start(&self, record: TaskRecord, caller: Caller) {
        let (handle, registration) = AbortHandle::new_pair();
        let previous = self.live.run.replace(Some((record.attempt, handle)));
        if let Some((_, previous)) = previous {
            previous.abort();
        }
        let env = self.env.clone();
        let storage = self.state.storage();
        let live = self.live.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let attempt = record.attempt;
            let run = Abortable::new(run(&env, &record, &caller, &live), registration);
            let Ok(outcome) = run.await else {
                return; // stopped: cancelled, superseded or expired
            };
            let finished = live.run.take();
            if finished.as_ref().is_some_and(|(a, _)| *a != attempt) {
                live.run.replace(finished);
            }
            let current = live.record.borrow().clone();
            let Some(before) = current else {
                return;
            };
            let mut done = before.clone();
            if !done.finish(attempt, outcome, now_ms()) {
                return;
            }
            if let Err(error) = save(&storage, &live, done).await {
                // Most likely a result over the 2 MB a stored value may hold.
                worker::console_error!("could not store a task's outcome: {error}");
                let mut failed = before;
                let why = RpcError::internal("The task's result could not be stored.");
                failed.finish(attempt, RunOutcome::Failed(why), now_ms());
                if let Err(error) = save(&storage, &live, failed).await {
                    worker::console_error!("could not store a task's failure: {error}");
                }
            }
        });
    }

    /// Stops the run in flight, if any.
    fn stop(&self) {
        if let Some((_, handle)) = self.live.run.borrow_mut().take() {
            handle.abort();
        }
    }

    async fn forget(&self) -> worker::Result<()> {
        self.stop();
        self.live.record.replace(None);
        self.live.watchers.borrow_mut().clear();
        let storage = self.state.storage();
        storage.delete_alarm().await?;
        storage.delete_all().await
    }
}

/// Stores the record and sets the alarm for its next deadline.
async fn save(storage: &Storage, live: &Live, record: TaskRecord) -> worker::Result<()> {
    storage
        .put(RECORD_KEY, serde_json::to_string(&record)?)
        .await?;
    arm(storage, &record).await?;
    live.record.replace(Some(record));
    live.changed();
    Ok(())
}

/// worker's `set_alarm` takes an `i64` as an offset from now, not as a time.
async fn arm(storage: &Storage, record: &TaskRecord) -> worker::Result<()> {
    storage
        .set_alarm(record.deadline().saturating_sub(now_ms()).max(0))
        .await
}

/// The operation a request from the Worker asks for, if it is well formed.
fn operation(path: &str, body: &Value) -> Option<Op> {
    Some(match path {
        "/create" => Op::Create {
            id: body.get("id")?.as_str()?.to_string(),
            seed: Seed::from_json(body.get("seed")?)?,
            ttl_ms: body.get("ttlMs")?.as_u64()?,
        },
        "/get" => Op::Get,
        "/update" => Op::Update(body.get("inputResponses")?.as_object()?.clone()),
        "/cancel" => Op::Cancel,
        _ => return None,
    })
}

/// One run of the task's tool, as its creator.
async fn run(env: &Env, record: &TaskRecord, caller: &Caller, live: &Rc<Live>) -> RunOutcome {
    // Parsed once per isolate ([`crate::config`]), not per run.
    let config = crate::config(env);
    let config = match config.as_ref() {
        Ok(config) => config,
        Err(problem) => return RunOutcome::Failed(RpcError::internal(problem.clone())),
    };
    let server = crate::tools::server_for(config);
    let peer = TaskPeer { live: live.clone() };
    dispatch::run_task(&server, config, record, caller, &peer).await
}

/// What a run says while it works: progress becomes the status message; nothing else
/// reaches the client (tasks carry no notifications or server-to-client requests).
struct TaskPeer {
    live: Rc<Live>,
}

impl Peer for TaskPeer {
    fn notify(&self, notification: Notification) {
        if notification.method != "notifications/progress" {
            return;
        }
        let params = notification.params.unwrap_or_default();
        let message = match params.get("message").and_then(Value::as_str) {
            Some(message) => message.to_string(),
            None => {
                let progress = params.get("progress").cloned().unwrap_or_default();
                match params.get("total") {
                    Some(total) => format!("{progress} of {total}"),
                    None => format!("{progress} done"),
                }
            }
        };
        if let Some(record) = self.live.record.borrow_mut().as_mut() {
            record.progress(message, now_ms());
        }
        self.live.changed();
    }

    fn request(&self, method: String, _: Value) -> BoxFuture<'_, Result<Value, RpcError>> {
        Box::pin(async move {
            Err(RpcError::internal(format!(
                "a task cannot send {method}; it asks through inputRequests"
            )))
        })
    }
}
