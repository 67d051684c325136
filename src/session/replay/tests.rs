//! The replay log: numbering, readers, closing, resuming and its bounds.

use super::*;

fn frames(reader: Reader) -> Vec<String> {
    futures_executor::block_on(reader.into_stream().collect())
}

fn event(data: &str) -> String {
    crate::transport::sse::message(data)
}

#[test]
fn a_reader_reads_every_event_with_its_id_then_ends_when_answered() {
    let replays = Replays::new("abc".into());
    let log = replays.open(0);
    let reader = log.first_reader();
    assert_eq!(log.push("retry: 1000\ndata: \n\n"), "abc-1-0");
    assert_eq!(log.push(&event("{\"n\":1}")), "abc-1-1");
    log.answered(5);
    assert_eq!(
        frames(reader),
        [
            "id: abc-1-0\nretry: 1000\ndata: \n\n",
            "id: abc-1-1\nevent: message\ndata: {\"n\":1}\n\n"
        ]
    );
    // Read to the end, it is still kept: that end may never have reached the client. After
    // its last event there is nothing to resume.
    assert_eq!(
        frames(replays.resume("abc-1-0", 6).expect("kept")),
        ["id: abc-1-1\nevent: message\ndata: {\"n\":1}\n\n"]
    );
    assert!(replays.resume("abc-1-1", 6).is_none());
}

#[test]
fn a_closed_stream_is_resumed_after_the_last_event_its_client_saw() {
    let replays = Replays::new("abc".into());
    let log = replays.open(0);
    let first = log.first_reader();
    log.push("retry: 1000\ndata: \n\n");
    log.close_reader();
    log.push(&event("{\"result\":1}"));
    log.answered(10);
    assert_eq!(frames(first), ["id: abc-1-0\nretry: 1000\ndata: \n\n"]);
    let resumed = replays.resume("abc-1-0", 20).expect("kept");
    assert_eq!(
        frames(resumed),
        ["id: abc-1-1\nevent: message\ndata: {\"result\":1}\n\n"]
    );
}

#[test]
fn a_stream_is_not_closed_before_its_first_event() {
    let replays = Replays::new("abc".into());
    let log = replays.open(0);
    let reader = log.first_reader();
    log.close_reader();
    log.push(&event("answer"));
    log.answered(1);
    assert_eq!(
        frames(reader),
        ["id: abc-1-0\nevent: message\ndata: answer\n\n"]
    );
}

#[test]
fn a_newer_reader_ends_the_one_before() {
    let replays = Replays::new("abc".into());
    let log = replays.open(0);
    let mut old = log.first_reader();
    log.push(&event("1"));
    let newer = replays.resume("abc-1-0", 1).expect("kept");
    let waker = futures_util::task::noop_waker();
    let mut cx = Context::from_waker(&waker);
    assert_eq!(old.poll_frame(&mut cx), Poll::Ready(None));
    log.push(&event("2"));
    log.answered(2);
    assert_eq!(frames(newer), ["id: abc-1-1\nevent: message\ndata: 2\n\n"]);
}

#[test]
fn ids_of_another_incarnation_stream_or_shape_are_not_resumed() {
    let replays = Replays::new("abc".into());
    let log = replays.open(0);
    log.push(&event("1"));
    for id in [
        "abd-1-0",
        "abc-2-0",
        "abc-1-5",
        "abc-1",
        "abc-1-0-0",
        "abc-1-+0",
        "abc--1-0",
        "",
        "abc-1-99999999999999999999",
    ] {
        assert!(replays.resume(id, 1).is_none(), "{id}");
    }
    assert!(replays.resume("abc-1-0", 1).is_some());
}

#[test]
fn an_answered_stream_is_kept_for_a_while_and_a_cleared_one_not_at_all() {
    let replays = Replays::new("abc".into());
    let log = replays.open(0);
    log.push(&event("1"));
    log.push(&event("2"));
    log.answered(1_000);
    assert!(replays
        .resume("abc-1-0", 1_000 + KEPT_AFTER_ANSWER_MS - 1)
        .is_some());
    assert!(replays
        .resume("abc-1-0", 1_000 + KEPT_AFTER_ANSWER_MS)
        .is_none());

    let log = replays.open(0);
    log.push(&event("1"));
    replays.clear();
    assert!(replays.resume("abc-2-0", 1).is_none());
}

#[test]
fn a_long_stream_keeps_its_newest_events_within_its_limit_but_never_what_is_unread() {
    let replays = Replays::new("abc".into());
    let log = replays.open(0);
    let mut reader = log.first_reader();
    let waker = futures_util::task::noop_waker();
    let mut cx = Context::from_waker(&waker);
    let big = "x".repeat(LOG_LIMIT_BYTES / 3);
    // Nothing read yet: all four are kept, past the limit, for the reader.
    for _ in 0..4 {
        log.push(&event(&big));
    }
    assert!(log.bytes.get() > LOG_LIMIT_BYTES);
    assert_eq!(log.first_kept.get(), 0);
    for _ in 0..4 {
        assert!(matches!(reader.poll_frame(&mut cx), Poll::Ready(Some(_))));
    }
    // Read: the next event lets the oldest go, down to the limit.
    log.push(&event("5"));
    assert!(log.bytes.get() <= LOG_LIMIT_BYTES);
    assert!(
        replays.resume("abc-1-0", 1).is_none(),
        "event 1 was dropped"
    );
    assert!(replays.resume("abc-1-2", 1).is_some());
}

#[test]
fn the_isolate_budget_drops_the_fullest_stream() {
    let replays = Replays::new("abc".into());
    let small = replays.open(0);
    small.push(&event("small"));
    // 6, 6, 7.5 and 6 MiB: the last pushes them past the budget (24 MiB), and the
    // third, which holds the most, is dropped.
    let logs: Vec<_> = (0..4).map(|_| replays.open(0)).collect();
    for (log, kib) in logs.iter().zip([6144, 6144, 7680, 6144]) {
        log.push(&event(&"x".repeat(kib * 1024)));
    }
    assert!(KEPT.with(Cell::get) <= REPLAY_BUDGET_BYTES);
    assert!(
        replays.resume("abc-1-0", 1).is_some(),
        "the small one stays"
    );
    let dropped: Vec<bool> = logs.iter().map(|log| log.done.get()).collect();
    assert_eq!(dropped, [false, false, true, false]);
}

#[test]
fn an_event_id_of_this_server_is_told_from_anything_else() {
    for ours in [
        "abc-1-0",
        "1572443d-12-345",
        "ABCDEF01-1-9999999999999999999",
    ] {
        assert!(Replays::is_event_id(ours), "{ours}");
    }
    for other in [
        "",
        "not-one-of-ours",
        "abc-1",
        "abc-1-",
        "abc--1-0",
        "abc-+1-0",
        "abc-1-0-1",
        "xyz-1-0",
        "-1-0",
        "abc-1-0 ",
        "é-1-0",
        ",,,,",
        "0123456789abcdef0-1-0",
    ] {
        assert!(!Replays::is_event_id(other), "{other:?}");
    }
}

#[test]
fn the_isolate_budget_drops_an_answered_stream_before_a_running_one() {
    let replays = Replays::new("abc".into());
    // An answered stream of 2 MiB nobody came back for (answered long ago: expired, but its
    // session has not opened another stream since), and running ones of 7.5 and 7 MiB.
    let old = replays.open(0);
    old.push(&event(&"o".repeat(2048 * 1024)));
    old.answered(0);
    let running: Vec<_> = (0..2).map(|_| replays.open(0)).collect();
    running[0].push(&event(&"x".repeat(7680 * 1024)));
    running[1].push(&event(&"y".repeat(7168 * 1024)));
    // Another session's stream passes the budget: the answered one goes, not the fullest.
    let other = Replays::new("def".into());
    let third = other.open(KEPT_AFTER_ANSWER_MS * 10);
    third.push(&event(&"z".repeat(7680 * 1024)));
    assert!(KEPT.with(Cell::get) <= REPLAY_BUDGET_BYTES);
    assert!(old.done.get());
    assert!(!running[0].done.get() && !running[1].done.get() && !third.done.get());
}

#[test]
fn a_reader_that_read_everything_reads_on_after_its_stream_was_dropped_for_the_budget() {
    let replays = Replays::new("abc".into());
    let log = replays.open(0);
    let mut reader = log.first_reader();
    log.push(&event("1"));
    let waker = futures_util::task::noop_waker();
    let mut cx = Context::from_waker(&waker);
    assert!(matches!(reader.poll_frame(&mut cx), Poll::Ready(Some(_))));
    assert_eq!(reader.poll_frame(&mut cx), Poll::Pending);
    log.drop_frames();
    assert!(
        replays.resume("abc-1-0", 1).is_none(),
        "no longer resumable"
    );
    log.push(&event("2"));
    log.answered(1);
    assert_eq!(frames(reader), ["id: abc-1-1\nevent: message\ndata: 2\n\n"]);
}

#[test]
fn a_reader_waiting_for_more_reads_on_to_the_answer_when_its_session_ends() {
    let replays = Replays::new("abc".into());
    let log = replays.open(0);
    let mut reader = log.first_reader();
    log.push(&event("1"));
    let waker = futures_util::task::noop_waker();
    let mut cx = Context::from_waker(&waker);
    assert!(matches!(reader.poll_frame(&mut cx), Poll::Ready(Some(_))));
    assert_eq!(reader.poll_frame(&mut cx), Poll::Pending);
    replays.clear();
    assert!(
        replays.resume("abc-1-0", 1).is_none(),
        "no longer resumable"
    );
    log.push(&event("the session ended"));
    log.answered(2);
    assert_eq!(
        reader.poll_frame(&mut cx),
        Poll::Ready(Some(
            "id: abc-1-1\nevent: message\ndata: the session ended\n\n".into()
        ))
    );
    assert_eq!(reader.poll_frame(&mut cx), Poll::Ready(None));
}

#[test]
fn another_sessions_expired_stream_lets_go_of_its_events_when_a_stream_opens() {
    let idle = Replays::new("abc".into());
    let log = idle.open(0);
    log.push(&event(&"x".repeat(1024)));
    log.answered(0);
    let busy = Replays::new("def".into());
    busy.open(KEPT_AFTER_ANSWER_MS - 1);
    assert!(log.bytes.get() > 0, "not expired yet");
    busy.open(KEPT_AFTER_ANSWER_MS);
    assert_eq!(log.bytes.get(), 0);
    assert_eq!(KEPT.with(Cell::get), 0);
}

#[test]
fn a_batch_answer_is_counted_here_only_once_a_reader_takes_it() {
    use crate::transport::batch::Answer;
    use mcp_core::jsonrpc::{RequestId, Response};
    let replays = Replays::new("abc".into());
    let log = replays.open(0);
    let reader = log.first_reader();
    let response = Response::result(
        RequestId::from_value(&serde_json::json!(7)).unwrap(),
        serde_json::json!({}),
    );
    log.push_answer(Answer::logged(&response));
    assert_eq!(
        log.bytes.get(),
        0,
        "still counted with the batches' answers"
    );
    log.answered(1);
    let frames = frames(reader);
    assert_eq!(
        frames,
        [format!(
            "id: abc-1-0\nevent: message\ndata: {}\n\n",
            response.to_text()
        )]
    );
    assert_eq!(log.bytes.get(), frames[0].len());
}
