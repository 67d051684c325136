//! The task state machine and its wire shapes, on the host.

use super::*;

fn seed() -> Seed {
    Seed {
        tool: "slow_compute".into(),
        arguments: Map::new(),
        input_responses: Map::new(),
        client_capabilities: json!({}),
        connection: Connection::default(),
    }
}

fn record() -> TaskRecord {
    TaskRecord::new("t1".into(), "owner".into(), seed(), 60_000, 1_000)
}

fn map(value: Value) -> Map<String, Value> {
    value.as_object().unwrap().clone()
}

fn ask(keys: &[&str]) -> RunOutcome {
    let mut requests = Map::new();
    for key in keys {
        requests.insert(
            (*key).to_string(),
            json!({"method": "elicitation/create", "params": {"message": key}}),
        );
    }
    RunOutcome::InputRequired {
        requests,
        state: None,
    }
}

#[test]
fn declaring_the_extension_is_an_object_under_extensions() {
    assert!(declares_tasks(&json!({"extensions": {EXTENSION: {}}})));
    assert!(!declares_tasks(&json!({})));
    assert!(!declares_tasks(&json!({"extensions": {EXTENSION: true}})));
    // 2025-11-25's capability is not the extension (SEP-2663).
    assert!(!declares_tasks(
        &json!({"tasks": {"requests": {"tools": {"call": {}}}}})
    ));
    let error = missing_capability();
    assert_eq!(error.code, -32021);
    assert_eq!(
        error.data.unwrap()["requiredCapabilities"]["extensions"][EXTENSION],
        json!({})
    );
    assert_eq!(not_found().code, -32602);
}

#[test]
fn wire_shapes_follow_the_extension() {
    let task = record();
    let created = task.created();
    assert_eq!(created["resultType"], "task");
    assert_eq!(created["taskId"], "t1");
    assert_eq!(created["status"], "working");
    assert_eq!(created["createdAt"], "1970-01-01T00:00:01.000Z");
    assert_eq!(created["lastUpdatedAt"], created["createdAt"]);
    assert_eq!(created["ttlMs"], 60_000);
    assert_eq!(created["pollIntervalMs"], POLL_INTERVAL_MS);
    for absent in [
        "task",
        "result",
        "error",
        "inputRequests",
        "requestState",
        "ttl",
        "pollInterval",
    ] {
        assert!(created.get(absent).is_none(), "{absent}");
    }
    let detailed = task.detailed();
    assert_eq!(detailed["resultType"], "complete");
    assert_eq!(detailed["status"], "working");
    assert!(detailed.get("result").is_none() && detailed.get("requestState").is_none());
}

#[test]
fn a_run_completes_and_the_result_is_inlined() {
    let mut task = record();
    let result = json!({"content": [{"type": "text", "text": "done"}], "isError": true});
    assert!(task.finish(0, RunOutcome::Completed(result), 2_000));
    // A tool error is still a completed task (only JSON-RPC errors fail one).
    assert_eq!(task.status, Status::Completed);
    let detailed = task.detailed();
    assert_eq!(detailed["status"], "completed");
    assert_eq!(detailed["result"]["isError"], true);
    assert_eq!(detailed["result"]["resultType"], "complete");
    assert!(detailed["result"].get("_meta").is_none());
    assert!(detailed.get("statusMessage").is_none());
    assert_eq!(detailed["lastUpdatedAt"], "1970-01-01T00:00:02.000Z");
    // Terminal: nothing moves it again.
    assert!(!task.finish(0, RunOutcome::Failed(RpcError::internal("late")), 3_000));
    assert!(!task.cancel(3_000));
    assert_eq!(task.status, Status::Completed);
}

#[test]
fn a_protocol_error_fails_the_task_with_the_error() {
    let mut task = record();
    assert!(task.finish(0, RunOutcome::Failed(RpcError::internal("boom")), 2_000));
    let detailed = task.detailed();
    assert_eq!(detailed["status"], "failed");
    assert_eq!(detailed["error"]["code"], -32603);
    assert_eq!(detailed["error"]["message"], "boom");
    assert_eq!(detailed["statusMessage"], "boom");
    assert!(detailed.get("result").is_none());
}

#[test]
fn input_is_asked_answered_in_parts_and_resumes_the_run() {
    let mut task = record();
    assert!(task.finish(0, ask(&["name", "confirm"]), 2_000));
    let detailed = task.detailed();
    assert_eq!(detailed["status"], "input_required");
    assert_eq!(detailed["inputRequests"].as_object().unwrap().len(), 2);
    assert_eq!(
        detailed["inputRequests"]["name"]["method"],
        "elicitation/create"
    );

    // Unknown keys (even malformed) are ignored; nothing changes.
    let ignored = task
        .update(
            &map(json!({"unknown-key": {"ignored": true}, "x": 5})),
            2_500,
        )
        .unwrap();
    assert_eq!(
        ignored,
        Updated {
            changed: false,
            resume: false
        }
    );
    // A malformed answer to an outstanding key is refused, and nothing is recorded.
    let refused = task.update(&map(json!({"name": "Alice", "confirm": {}})), 2_600);
    assert_eq!(refused.unwrap_err().code, -32602);
    assert_eq!(task.pending.len(), 2);

    // One answer: still waiting for the other, at once visible.
    let first = task
        .update(
            &map(json!({"name": {"action": "accept", "content": {"name": "A"}}})),
            3_000,
        )
        .unwrap();
    assert_eq!(
        first,
        Updated {
            changed: true,
            resume: false
        }
    );
    let detailed = task.detailed();
    assert_eq!(detailed["status"], "input_required");
    assert!(detailed["inputRequests"].get("name").is_none());
    assert!(detailed["inputRequests"].get("confirm").is_some());

    // The last answer resumes a new run; the old run's outcome is dropped.
    let last = task
        .update(
            &map(json!({"confirm": {"action": "accept", "content": {"confirm": true}}})),
            4_000,
        )
        .unwrap();
    assert!(last.resume);
    assert_eq!(task.status, Status::Working);
    assert_eq!(task.attempt, 1);
    assert_eq!(task.run_started_ms, 4_000);
    assert!(!task.finish(0, RunOutcome::Completed(json!({"content": []})), 4_100));
    let answers = task.run_answers();
    assert_eq!(answers["name"]["content"]["name"], "A");
    assert!(task.finish(1, RunOutcome::Completed(json!({"content": []})), 4_200));
    assert_eq!(task.status, Status::Completed);
    // Updating a finished task is acknowledged and changes nothing.
    assert!(
        !task
            .update(&map(json!({"name": {}})), 5_000)
            .unwrap()
            .changed
    );
}

#[test]
fn a_key_is_never_asked_twice() {
    let mut task = record();
    task.seed.input_responses = map(json!({"before": {"action": "accept"}}));
    // A key answered before the task existed cannot be asked again during it.
    assert!(task.finish(0, ask(&["before"]), 2_000));
    assert_eq!(task.status, Status::Failed);

    let mut task = record();
    task.finish(0, ask(&["a"]), 2_000);
    task.update(&map(json!({"a": {"action": "accept"}})), 3_000)
        .unwrap();
    assert!(task.finish(1, ask(&["a"]), 4_000));
    assert_eq!(task.status, Status::Failed);
    assert_eq!(task.issued, vec!["a".to_string()]);

    let mut task = record();
    assert!(task.finish(0, ask(&[]), 2_000));
    assert_eq!(task.status, Status::Failed);
}

#[test]
fn cancelling_is_immediate_and_drops_the_run() {
    let mut task = record();
    task.finish(0, ask(&["a"]), 2_000);
    assert!(task.cancel(3_000));
    let detailed = task.detailed();
    assert_eq!(detailed["status"], "cancelled");
    assert!(detailed.get("inputRequests").is_none());
    assert!(!task.finish(0, RunOutcome::Completed(json!({})), 3_100));
    assert!(!task.finish(1, RunOutcome::Completed(json!({})), 3_100));
    assert_eq!(task.status, Status::Cancelled);
    // Again: acknowledged, unchanged.
    assert!(!task.cancel(4_000));
}

#[test]
fn the_alarm_stops_long_runs_and_forgets_expired_tasks() {
    let mut task = TaskRecord::new("t".into(), "o".into(), seed(), DEFAULT_TTL_MS, 0);
    assert_eq!(task.deadline(), MAX_RUN_MS);
    assert_eq!(task.on_alarm(MAX_RUN_MS - 1), Alarm::Keep);
    assert_eq!(task.on_alarm(MAX_RUN_MS), Alarm::Stopped);
    assert_eq!(task.status, Status::Failed);
    assert_eq!(task.deadline(), 3_600_000);
    assert!(!task.finish(0, RunOutcome::Completed(json!({})), MAX_RUN_MS + 1));
    assert_eq!(task.on_alarm(3_599_999), Alarm::Keep);
    assert_eq!(task.on_alarm(3_600_000), Alarm::Forget);
    assert!(task.expired(3_600_000) && !task.expired(3_599_999));

    // Waiting for input is not running: no watchdog then.
    let mut waiting = TaskRecord::new("t".into(), "o".into(), seed(), DEFAULT_TTL_MS, 0);
    waiting.finish(0, ask(&["a"]), 10);
    assert_eq!(waiting.deadline(), 3_600_000);
    assert_eq!(waiting.on_alarm(MAX_RUN_MS + 5), Alarm::Keep);
    // A short TTL comes before the watchdog.
    let short = TaskRecord::new("t".into(), "o".into(), seed(), MIN_TTL_MS, 0);
    assert_eq!(short.deadline(), 5_000);
}

#[test]
fn progress_shows_as_the_status_message_while_working() {
    let mut task = record();
    task.progress("2 of 5: issues".into(), 1_500);
    assert_eq!(task.detailed()["statusMessage"], "2 of 5: issues");
    task.finish(0, RunOutcome::Completed(json!({})), 2_000);
    task.progress("late".into(), 2_500);
    assert!(task.detailed().get("statusMessage").is_none());
}

#[test]
fn the_record_round_trips_through_storage() {
    let mut task = record();
    task.finish(0, ask(&["a"]), 2_000);
    task.seed.connection = Connection {
        offered: Some(vec!["slow_compute".into()]),
        lockdown: true,
    };
    task.seed.input_responses = map(json!({"k": {"action": "accept"}}));
    task.state = Some(json!({"round": 2}));
    let stored = serde_json::to_value(&task).unwrap();
    assert_eq!(TaskRecord::from_json(&stored).unwrap(), task);
    task.finish(0, RunOutcome::Failed(RpcError::internal("x")), 3_000);
    let stored = serde_json::to_value(&task).unwrap();
    assert_eq!(TaskRecord::from_json(&stored).unwrap(), task);
    assert!(TaskRecord::from_json(&json!({"id": "x"})).is_none());
}

#[test]
fn the_store_creates_once_and_starts_the_run() {
    let create = || Op::Create {
        id: "t1".into(),
        seed: seed(),
        ttl_ms: 60_000,
    };
    let created = apply(None, "owner", create(), false, 1_000);
    assert_eq!(created.answer.as_ref().unwrap()["resultType"], "task");
    let Change::Save(record) = &created.change else {
        panic!("{created:?}")
    };
    assert_eq!(created.run.as_ref(), Some(&**record));
    assert!(!created.stop);
    let again = apply(Some((**record).clone()), "owner", create(), false, 1_000);
    assert_eq!(again.answer.unwrap_err().code, -32603);
    assert_eq!(again.change, Change::Keep);
}

#[test]
fn the_store_shows_nothing_to_other_callers_and_forgets_expired_tasks() {
    for op in [Op::Get, Op::Update(Map::new()), Op::Cancel] {
        let other = apply(Some(record()), "someone else", op.clone(), false, 2_000);
        assert_eq!(other.answer.unwrap_err().code, -32602, "{op:?}");
        assert_eq!(
            (other.change, other.run, other.stop),
            (Change::Keep, None, false)
        );
        let missing = apply(None, "owner", op.clone(), false, 2_000);
        assert_eq!(missing.answer.unwrap_err().code, -32602);
        let expired = apply(Some(record()), "owner", op, true, 61_000);
        assert_eq!(expired.answer.unwrap_err().code, -32602);
        assert_eq!((expired.change, expired.stop), (Change::Forget, true));
    }
}

#[test]
fn the_store_restarts_a_lost_run_resumes_on_input_and_stops_on_cancel() {
    let got = apply(Some(record()), "owner", Op::Get, true, 2_000);
    assert_eq!(got.answer.unwrap()["status"], "working");
    assert_eq!((got.change, got.run), (Change::Keep, None));
    let lost = apply(Some(record()), "owner", Op::Get, false, 2_000);
    assert_eq!(lost.run, Some(record()));

    let mut waiting = record();
    waiting.finish(0, ask(&["a"]), 1_500);
    let nothing = apply(
        Some(waiting.clone()),
        "owner",
        Op::Update(Map::new()),
        false,
        2_000,
    );
    assert_eq!(nothing.answer.unwrap(), json!({}));
    assert_eq!((nothing.change, nothing.run), (Change::Keep, None));
    let answer = map(json!({"a": {"action": "accept"}}));
    let resumed = apply(
        Some(waiting.clone()),
        "owner",
        Op::Update(answer),
        false,
        2_000,
    );
    let Change::Save(saved) = &resumed.change else {
        panic!("{resumed:?}")
    };
    assert_eq!((saved.status, saved.attempt), (Status::Working, 1));
    assert_eq!(resumed.run.as_ref(), Some(&**saved));
    let bad = apply(
        Some(waiting),
        "owner",
        Op::Update(map(json!({"a": 1}))),
        false,
        2_000,
    );
    assert_eq!(bad.answer.unwrap_err().code, -32602);
    assert_eq!(bad.change, Change::Keep);

    let cancelled = apply(Some(record()), "owner", Op::Cancel, true, 2_000);
    assert!(cancelled.stop);
    let Change::Save(saved) = cancelled.change else {
        panic!()
    };
    assert_eq!(saved.status, Status::Cancelled);
    let again = apply(Some(*saved), "owner", Op::Cancel, false, 2_500);
    assert_eq!(again.answer.unwrap(), json!({}));
    assert_eq!((again.change, again.stop), (Change::Keep, false));
}
