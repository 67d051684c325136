//! A task's record: everything its store keeps, and every change to it (a run's outcome,
//! the client's input, a cancellation, the alarm), with the wire shapes it answers in.

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::{object, optional, string, RunOutcome, Seed, Status, MAX_RUN_MS, POLL_INTERVAL_MS};
use crate::jsonrpc::RpcError;

/// What `tasks/update` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Updated {
    /// The record changed and must be stored.
    pub changed: bool,
    /// Every outstanding request is answered: run the tool again.
    pub resume: bool,
}

/// What the alarm does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alarm {
    /// The task outlived its TTL: delete it.
    Forget,
    /// The run took too long and the task failed: store it, stop the run.
    Stopped,
    /// Nothing is due: set the alarm for [`TaskRecord::deadline`].
    Keep,
}

/// Everything a task's store keeps.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskRecord {
    pub id: String,
    /// Who may see the task (the host's identity of the caller that created it).
    pub owner: String,
    pub seed: Seed,
    pub status: Status,
    pub message: Option<String>,
    /// Milliseconds since the epoch.
    pub created_ms: i64,
    pub updated_ms: i64,
    /// When the current run started (the watchdog counts from here).
    pub run_started_ms: i64,
    pub ttl_ms: u64,
    /// Outstanding input requests by key.
    pub pending: Map<String, Value>,
    /// The client's answers so far, by key.
    pub answers: Map<String, Value>,
    /// Every key ever issued: a key is used for one request only.
    pub issued: Vec<String>,
    /// The state the last run asked to be run again with.
    pub state: Option<Value>,
    pub result: Option<Value>,
    pub error: Option<RpcError>,
    /// Which run is current: an outcome of an older run is dropped.
    pub attempt: u32,
}

impl TaskRecord {
    /// Reads a record written by `Serialize`; `None` if it is not one.
    pub fn from_json(json: &Value) -> Option<TaskRecord> {
        let get = |key: &str| json.get(key);
        let int = |key: &str| get(key).and_then(Value::as_i64);
        Some(TaskRecord {
            id: string(get("id"))?,
            owner: string(get("owner"))?,
            seed: Seed::from_json(get("seed")?)?,
            status: Status::parse(get("status")?.as_str()?)?,
            message: string(get("message")),
            created_ms: int("created_ms")?,
            updated_ms: int("updated_ms")?,
            run_started_ms: int("run_started_ms")?,
            ttl_ms: get("ttl_ms").and_then(Value::as_u64)?,
            pending: object(get("pending")),
            answers: object(get("answers")),
            issued: get("issued")
                .and_then(Value::as_array)
                .map(|keys| keys.iter().filter_map(|k| string(Some(k))).collect())
                .unwrap_or_default(),
            state: optional(get("state")),
            result: optional(get("result")),
            error: get("error").and_then(RpcError::from_json),
            attempt: u32::try_from(int("attempt")?).ok()?,
        })
    }

    pub fn new(id: String, owner: String, seed: Seed, ttl_ms: u64, now: i64) -> Self {
        TaskRecord {
            id,
            owner,
            seed,
            status: Status::Working,
            message: Some("Working.".into()),
            created_ms: now,
            updated_ms: now,
            run_started_ms: now,
            ttl_ms,
            pending: Map::new(),
            answers: Map::new(),
            issued: Vec::new(),
            state: None,
            result: None,
            error: None,
            attempt: 0,
        }
    }

    pub fn expires_at(&self) -> i64 {
        self.created_ms
            .saturating_add(i64::try_from(self.ttl_ms).unwrap_or(i64::MAX))
    }

    /// Past its TTL: the task is gone, whatever its status.
    pub fn expired(&self, now: i64) -> bool {
        now >= self.expires_at()
    }

    /// When the alarm must next run: the watchdog while working, else the expiry.
    pub fn deadline(&self) -> i64 {
        let expiry = self.expires_at();
        if self.status == Status::Working {
            expiry.min(self.run_started_ms.saturating_add(MAX_RUN_MS))
        } else {
            expiry
        }
    }

    pub fn on_alarm(&mut self, now: i64) -> Alarm {
        if self.expired(now) {
            return Alarm::Forget;
        }
        if self.status == Status::Working && now >= self.run_started_ms.saturating_add(MAX_RUN_MS) {
            self.fail(
                RpcError::internal("The task ran for more than 15 minutes and was stopped."),
                now,
            );
            return Alarm::Stopped;
        }
        Alarm::Keep
    }

    /// The `Task` fields every answer about the task carries.
    fn task(&self) -> Map<String, Value> {
        let mut task = Map::new();
        task.insert("taskId".into(), json!(self.id));
        task.insert("status".into(), json!(self.status));
        if let Some(message) = &self.message {
            task.insert("statusMessage".into(), json!(message));
        }
        task.insert("createdAt".into(), json!(iso(self.created_ms)));
        task.insert("lastUpdatedAt".into(), json!(iso(self.updated_ms)));
        task.insert("ttlMs".into(), json!(self.ttl_ms));
        task.insert("pollIntervalMs".into(), json!(POLL_INTERVAL_MS));
        task
    }

    /// The `CreateTaskResult` that answers the `tools/call`.
    pub fn created(&self) -> Value {
        let mut task = self.task();
        task.insert("resultType".into(), json!("task"));
        Value::Object(task)
    }

    /// The `tasks/get` result: the task and what its status carries.
    pub fn detailed(&self) -> Value {
        let mut task = self.task();
        task.insert("resultType".into(), json!("complete"));
        match self.status {
            Status::InputRequired => {
                task.insert("inputRequests".into(), Value::Object(self.pending.clone()));
            }
            Status::Completed => {
                task.insert("result".into(), self.result.clone().unwrap_or_default());
            }
            Status::Failed => {
                task.insert("error".into(), json!(self.error));
            }
            Status::Working | Status::Cancelled => {}
        }
        Value::Object(task)
    }

    /// The answers a run replays with: those given before the task, then during it.
    pub fn run_answers(&self) -> Map<String, Value> {
        let mut answers = self.seed.input_responses.clone();
        answers.extend(self.answers.clone());
        answers
    }

    /// Shows a running task's progress as its status message.
    pub fn progress(&mut self, message: String, now: i64) {
        if self.status == Status::Working {
            self.message = Some(message);
            self.updated_ms = now;
        }
    }

    /// `tasks/update`: records answers to outstanding requests. A malformed answer to an
    /// outstanding request is refused and nothing is recorded; other keys are ignored.
    pub fn update(
        &mut self,
        responses: &Map<String, Value>,
        now: i64,
    ) -> Result<Updated, RpcError> {
        let unchanged = Updated {
            changed: false,
            resume: false,
        };
        if self.status != Status::InputRequired {
            return Ok(unchanged);
        }
        let answered: Vec<(&String, &Value)> = responses
            .iter()
            .filter(|(key, _)| self.pending.contains_key(*key))
            .collect();
        if let Some((key, _)) = answered.iter().find(|(_, answer)| !answer.is_object()) {
            return Err(RpcError::invalid_params(format!(
                "inputResponses.{key} must be the result of the request it answers (an object)"
            )));
        }
        if answered.is_empty() {
            return Ok(unchanged);
        }
        for (key, answer) in answered {
            self.answers.insert(key.clone(), answer.clone());
        }
        // Rebuilt rather than removed from: map removal costs the bundle its own code.
        let pending = std::mem::take(&mut self.pending);
        self.pending = pending
            .into_iter()
            .filter(|(key, _)| !self.answers.contains_key(key))
            .collect();
        self.updated_ms = now;
        let resume = self.pending.is_empty();
        if resume {
            self.status = Status::Working;
            self.message = Some("Working.".into());
            self.attempt = self.attempt.wrapping_add(1);
            self.run_started_ms = now;
        }
        Ok(Updated {
            changed: true,
            resume,
        })
    }

    /// `tasks/cancel`: a task still going becomes `cancelled` at once and its run is
    /// dropped. True when the record changed.
    pub fn cancel(&mut self, now: i64) -> bool {
        if self.status.is_terminal() {
            return false;
        }
        self.status = Status::Cancelled;
        self.message = Some("Cancelled by the client.".into());
        self.pending.clear();
        self.state = None;
        self.attempt = self.attempt.wrapping_add(1);
        self.updated_ms = now;
        true
    }

    fn fail(&mut self, error: RpcError, now: i64) {
        self.status = Status::Failed;
        self.message = Some(error.message.clone());
        self.error = Some(error);
        self.pending.clear();
        self.state = None;
        self.attempt = self.attempt.wrapping_add(1);
        self.updated_ms = now;
    }

    /// Records how run `attempt` ended. True when the record changed; an outcome of a run
    /// that is no longer current (cancelled, stopped, superseded) changes nothing.
    pub fn finish(&mut self, attempt: u32, outcome: RunOutcome, now: i64) -> bool {
        if attempt != self.attempt || self.status != Status::Working {
            return false;
        }
        match outcome {
            RunOutcome::Completed(mut result) => {
                if let Value::Object(result) = &mut result {
                    result.insert("resultType".into(), json!("complete"));
                }
                self.status = Status::Completed;
                self.message = None;
                self.result = Some(result);
                self.state = None;
                self.updated_ms = now;
            }
            RunOutcome::Failed(error) => self.fail(error, now),
            RunOutcome::InputRequired { requests, state } => {
                let answered = |key: &String| {
                    self.answers.contains_key(key) || self.seed.input_responses.contains_key(key)
                };
                if requests.is_empty() || requests.keys().any(answered) {
                    let why = "The tool asked again for input it already has (or for nothing).";
                    self.fail(RpcError::internal(why), now);
                    return true;
                }
                for key in requests.keys() {
                    if !self.issued.contains(key) {
                        self.issued.push(key.clone());
                    }
                }
                let keys: Vec<&str> = requests.keys().map(String::as_str).collect();
                self.message = Some(format!("Waiting for input: {}.", keys.join(", ")));
                self.pending = requests;
                self.state = state;
                self.status = Status::InputRequired;
                self.updated_ms = now;
            }
        }
        true
    }
}

/// ISO 8601 in UTC with milliseconds, e.g. `2026-11-30T03:27:22.831Z`.
fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
