//! What a task's store does with each operation, decided in plain Rust between one read
//! and one write of the record: the store (a Durable Object) only loads the record, calls
//! [`apply`], writes or deletes what it says, and starts or stops the tool's run as told.

use serde_json::{json, Map, Value};

use super::{not_found, Seed, Status, TaskRecord};
use crate::jsonrpc::RpcError;

/// An operation on a task, on behalf of one caller.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Create { id: String, seed: Seed, ttl_ms: u64 },
    Get,
    Update(Map<String, Value>),
    Cancel,
}

/// What happens to the stored record.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Keep,
    Save(Box<TaskRecord>),
    Forget,
}

/// The outcome of one operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// What the operation answers.
    pub answer: Result<Value, RpcError>,
    pub change: Change,
    /// Start the tool's run for this record's current attempt: a new task, every input
    /// answered, or a working task whose run was lost with the store's memory.
    pub run: Option<TaskRecord>,
    /// Stop the run in flight.
    pub stop: bool,
}

impl Decision {
    fn answer(answer: Result<Value, RpcError>) -> Self {
        Decision {
            answer,
            change: Change::Keep,
            run: None,
            stop: false,
        }
    }
}

/// Applies `op` for the caller `owner` to the stored record. `running` says whether a run
/// of the record's current attempt is alive in the store's memory. Another owner's task,
/// like an expired one, is not found.
pub fn apply(stored: Option<TaskRecord>, owner: &str, op: Op, running: bool, now: i64) -> Decision {
    let ack = || Ok(json!({}));
    let op = match op {
        Op::Create { id, seed, ttl_ms } => {
            if stored.is_some() {
                return Decision::answer(Err(RpcError::internal("that task id is already in use")));
            }
            let record = TaskRecord::new(id, owner.into(), seed, ttl_ms, now);
            return Decision {
                answer: Ok(record.created()),
                change: Change::Save(Box::new(record.clone())),
                run: Some(record),
                stop: false,
            };
        }
        other => other,
    };
    let Some(mut record) = stored.filter(|r| r.owner == owner) else {
        return Decision::answer(Err(not_found()));
    };
    if record.expired(now) {
        return Decision {
            change: Change::Forget,
            stop: true,
            ..Decision::answer(Err(not_found()))
        };
    }
    match op {
        Op::Get => Decision {
            answer: Ok(record.detailed()),
            change: Change::Keep,
            run: (record.status == Status::Working && !running).then(|| record.clone()),
            stop: false,
        },
        Op::Update(responses) => match record.update(&responses, now) {
            Err(error) => Decision::answer(Err(error)),
            Ok(updated) => Decision {
                answer: ack(),
                run: updated.resume.then(|| record.clone()),
                change: match updated.changed {
                    true => Change::Save(Box::new(record)),
                    false => Change::Keep,
                },
                stop: false,
            },
        },
        Op::Cancel if record.cancel(now) => Decision {
            answer: ack(),
            change: Change::Save(Box::new(record)),
            run: None,
            stop: true,
        },
        Op::Cancel | Op::Create { .. } => Decision::answer(ack()),
    }
}
