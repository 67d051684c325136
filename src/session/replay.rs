//! Resumable answers: when a session's POST is answered with an event stream, what the
//! stream says is kept, each event numbered, so that a client that lost the stream can ask
//! for the rest with `GET /mcp` and `Last-Event-ID` (Streamable HTTP from 2025-03-26,
//! "Resumability and Redelivery"), and be sent exactly the events after the last it saw,
//! on that stream only. The request keeps running while no client reads: its notifications,
//! its requests to the client (which wait for their reply as before) and its response are
//! kept for the next reader.
//!
//! An event id is `<incarnation>-<stream>-<n>`. The incarnation is drawn when the session's
//! object starts, so an id from an object that has since been evicted (and lost its running
//! requests with its memory) is never taken for one of today's.
//!
//! What is kept is bounded: [`LOG_LIMIT_BYTES`] per stream (past it the oldest events a reader
//! has taken go; what no reader has taken yet is its client's answer, bounded where it is
//! made), [`REPLAY_BUDGET_BYTES`] for every stream in
//! the isolate (past it a stream is dropped whole: the one answered first, else, when every
//! stream is still running, the one holding the most), and a stream that was
//! answered is kept [`KEPT_AFTER_ANSWER_MS`] for a client to come back for it, even once a
//! reader has read it to the end: a client whose connection was lost without the runtime
//! knowing was not sent what the runtime took.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};

use futures_util::StreamExt;
use worker::Response;

use crate::transport::batch::Answer;
use crate::transport::outbox::{self, Inbox, Outgoing, StreamStart};

/// Bytes one stream keeps for replay.
pub const LOG_LIMIT_BYTES: usize = 8 * 1024 * 1024;
/// Bytes all the streams of an isolate keep for replay together.
pub const REPLAY_BUDGET_BYTES: usize = 24 * 1024 * 1024;
/// How long a stream whose last response was sent, but not read to the end, is kept.
pub const KEPT_AFTER_ANSWER_MS: i64 = 2 * 60 * 1000;
/// How long a client waits before it reconnects to a stream that was closed, sent in the
/// `retry` field of a stream's first event (2025-11-25 onward).
pub const RETRY_MS: u32 = 1000;

/// Sends an answer that became an event stream as a resumable one. Every event goes into
/// `log`, which the response reads from its first event; a task apart from the response
/// fills it while the request's handlers run, whether or not a client is reading. With
/// `priming` (2025-11-25 onward) the first event is an id with empty data and the `retry`
/// field: the client can resume even before anything else was said.
pub fn stream(log: Rc<ReplayLog>, start: StreamStart, priming: bool) -> worker::Result<Response> {
    let reader = log.first_reader();
    if priming {
        log.push(&format!("retry: {RETRY_MS}\ndata: \n\n"));
    }
    for frame in &start.first {
        log.push(frame);
    }
    if start.then_close {
        log.close_reader();
    }
    outbox::keep_alive(start.outbox);
    wasm_bindgen_futures::spawn_local(fill(log, start.receiver, start.remaining));
    outbox::event_stream(reader.into_stream())
}

/// Moves the handlers' messages into `log` until the `remaining` responses are in.
async fn fill(log: Rc<ReplayLog>, mut receiver: Inbox, mut remaining: usize) {
    while remaining > 0 {
        let Some(item) = receiver.next().await else {
            break;
        };
        match item {
            Outgoing::KeepAlive => log.keep_alive(),
            Outgoing::CloseStream => log.close_reader(),
            Outgoing::Answer(answer) => {
                log.push_answer(answer);
                remaining -= 1;
            }
            item => {
                let (frame, settles) = outbox::frame_of(item);
                if let Some(frame) = frame {
                    log.push(&frame);
                }
                remaining -= usize::from(settles);
            }
        }
    }
    log.answered(crate::now_ms());
}

thread_local! {
    /// The isolate's logs, for the budget.
    static LOGS: RefCell<Vec<Weak<ReplayLog>>> = const { RefCell::new(Vec::new()) };
    /// Their kept bytes together.
    static KEPT: Cell<usize> = const { Cell::new(0) };
}

/// One session's resumable streams.
pub struct Replays {
    incarnation: String,
    next_stream: Cell<u64>,
    logs: RefCell<Vec<Rc<ReplayLog>>>,
}

impl Replays {
    pub fn new(incarnation: String) -> Replays {
        Replays {
            incarnation,
            next_stream: Cell::new(1),
            logs: RefCell::new(Vec::new()),
        }
    }

    /// A new stream's log, kept until it is read to the end or expires (`now_ms` is the
    /// current time, which also drops the logs that expired).
    pub fn open(&self, now_ms: i64) -> Rc<ReplayLog> {
        let number = self.next_stream.get();
        self.next_stream.set(number + 1);
        let log = Rc::new(ReplayLog::new(
            format!("{}-{number}-", self.incarnation),
            number,
        ));
        LOGS.with(|logs| {
            let mut logs = logs.borrow_mut();
            logs.retain(|log| log.strong_count() > 0);
            // Another session lets go of its expired streams only when it next opens one:
            // their events go now (their readers have ended: they were answered and read).
            for expired in logs.iter().filter_map(Weak::upgrade) {
                if expired.answered_at.get().is_some() && !expired.is_wanted(now_ms) {
                    expired.drop_frames();
                }
            }
            logs.push(Rc::downgrade(&log));
        });
        let mut logs = self.logs.borrow_mut();
        logs.retain(|log| log.is_wanted(now_ms));
        logs.push(log.clone());
        log
    }

    /// The stream a client's `Last-Event-ID` names and a reader for what followed that
    /// event; `None` if the id is not one of this object's, or the stream is no longer kept
    /// (or no longer holds that event).
    pub fn resume(&self, last_event_id: &str, now_ms: i64) -> Option<Reader> {
        let (number, seq) = self.parse(last_event_id)?;
        let mut logs = self.logs.borrow_mut();
        logs.retain(|log| log.is_wanted(now_ms));
        let log = logs.iter().find(|log| log.number == number)?;
        log.attach(seq.checked_add(1)?)
    }

    /// Forgets every stream (the session ended): none can be resumed. A reader still
    /// attached reads on to its call's answer, which the session's end hastens.
    pub fn clear(&self) {
        self.logs.take();
    }

    /// Whether `id` has the shape of an id a session's object gives its events
    /// (`<incarnation>-<stream>-<n>`, of any incarnation): an id the client was given on one
    /// of this server's streams, as opposed to one from somewhere else.
    pub fn is_event_id(id: &str) -> bool {
        let mut parts = id.splitn(3, '-');
        let incarnation = parts.next().unwrap_or_default();
        !incarnation.is_empty()
            && incarnation.len() <= 16
            && incarnation.bytes().all(|b| b.is_ascii_hexdigit())
            && parts.next().and_then(digits).is_some()
            && parts.next().and_then(digits).is_some()
    }

    fn parse(&self, id: &str) -> Option<(u64, u64)> {
        let rest = id.strip_prefix(&self.incarnation)?.strip_prefix('-')?;
        let (stream, seq) = rest.split_once('-')?;
        Some((digits(stream)?, digits(seq)?))
    }
}

/// A decimal number of at most 19 digits, with nothing else in it.
fn digits(text: &str) -> Option<u64> {
    let plain = !text.is_empty() && text.len() < 20 && text.bytes().all(|b| b.is_ascii_digit());
    plain.then(|| text.parse().ok()).flatten()
}

/// What one stream has said, numbered from 0, and who may read it.
pub struct ReplayLog {
    /// Event ids are this and the event's number.
    prefix: String,
    number: u64,
    frames: RefCell<VecDeque<Kept>>,
    /// The number of the oldest event kept.
    first_kept: Cell<u64>,
    /// Events before this one were taken by a reader: only they give way to the limit.
    taken: Cell<u64>,
    bytes: Cell<usize>,
    /// When the last response was sent, if it was.
    answered_at: Cell<Option<i64>>,
    /// A reader read it to the end (or it was dropped): nobody will ask for it again.
    done: Cell<bool>,
    /// A keep-alive is due on the reader, which has read everything so far.
    ping: Cell<bool>,
    /// Which reader may read (the newest), and the event before which it stops.
    reader: Cell<u64>,
    reader_end: Cell<u64>,
    waker: RefCell<Option<Waker>>,
}

impl ReplayLog {
    fn new(prefix: String, number: u64) -> ReplayLog {
        ReplayLog {
            prefix,
            number,
            frames: RefCell::new(VecDeque::new()),
            first_kept: Cell::new(0),
            taken: Cell::new(0),
            bytes: Cell::new(0),
            answered_at: Cell::new(None),
            done: Cell::new(false),
            ping: Cell::new(false),
            reader: Cell::new(0),
            reader_end: Cell::new(u64::MAX),
            waker: RefCell::new(None),
        }
    }

    fn next_seq(&self) -> u64 {
        self.first_kept.get() + self.frames.borrow().len() as u64
    }

    /// Adds an SSE frame (`event:`/`data:` lines, or `retry:` alone) as the next event,
    /// with its id; returns that id.
    pub fn push(self: &Rc<Self>, frame: &str) -> String {
        let id = format!("{}{}", self.prefix, self.next_seq());
        let text = format!("id: {id}\n{frame}");
        let added = text.len();
        self.frames.borrow_mut().push_back(Kept::Frame(text));
        self.count(added);
        id
    }

    /// Adds a 2025-03-26 batch's answer as the next event. It stays counted with the answers
    /// held for unfinished batches ([`Answer`]) until a reader takes it; only then is it
    /// written as a frame and counted here.
    pub fn push_answer(self: &Rc<Self>, answer: Answer) {
        let id = format!("{}{}", self.prefix, self.next_seq());
        self.frames.borrow_mut().push_back(Kept::Answer(id, answer));
        self.wake();
    }

    /// Counts `added` bytes of frames, then keeps within the stream's limit and the
    /// isolate's budget.
    fn count(self: &Rc<Self>, added: usize) {
        self.bytes.set(self.bytes.get() + added);
        KEPT.with(|kept| kept.set(kept.get().saturating_add(added)));
        while self.bytes.get() > LOG_LIMIT_BYTES && self.first_kept.get() < self.taken.get() {
            self.drop_oldest();
        }
        while KEPT.with(Cell::get) > REPLAY_BUDGET_BYTES {
            let victim = victim_log().unwrap_or_else(|| self.clone());
            let held = victim.bytes.get();
            crate::observe::event(crate::observe::record::Level::Warn, &|| {
                format!(
                    "a resumable stream was dropped: the isolate's streams kept more than {REPLAY_BUDGET_BYTES} bytes for replay, {held} of them this one"
                )
            });
            // Not woken: it may be another session's, whose object the runtime does not let
            // this one wake (see `stream_queue`). A reader that has read everything reads on
            // from the next event as before; one that has not finds it gone when it next reads.
            victim.drop_frames();
            if Rc::ptr_eq(&victim, self) || held == 0 {
                break;
            }
        }
        self.wake();
    }

    /// The reader now attached stops after the events added so far (the stream is closed
    /// for its client to resume); a later reader reads on. Not before the first event: its
    /// client would have no id to resume from.
    pub fn close_reader(&self) {
        if self.next_seq() == 0 {
            return;
        }
        self.reader_end.set(self.next_seq());
        self.wake();
    }

    /// The last response is in: a reader ends once it has read everything.
    pub fn answered(&self, now_ms: i64) {
        self.answered_at.set(Some(now_ms));
        self.wake();
    }

    /// A keep-alive comment for the reader, if it has read everything.
    pub fn keep_alive(&self) {
        self.ping.set(true);
        self.wake();
    }

    /// A reader from the event numbered `from`; `None` if that event is no longer kept. The
    /// reader before it ends.
    /// After the last event of a stream that was answered there is nothing to send: `None`
    /// too (a client that was sent everything and asks again, as the TypeScript SDK does
    /// after a call it cancelled, is not given an empty stream to ask about again).
    fn attach(self: &Rc<Self>, from: u64) -> Option<Reader> {
        let nothing_more = self.answered_at.get().is_some() && from >= self.next_seq();
        if self.done.get() || nothing_more || from < self.first_kept.get() || from > self.next_seq()
        {
            return None;
        }
        Some(self.reader_from(from))
    }

    /// The first reader, from the first event.
    pub fn first_reader(self: &Rc<Self>) -> Reader {
        self.reader_from(0)
    }

    fn reader_from(self: &Rc<Self>, from: u64) -> Reader {
        let generation = self.reader.get() + 1;
        self.reader.set(generation);
        self.reader_end.set(u64::MAX);
        self.wake();
        Reader {
            log: self.clone(),
            next: from,
            generation,
        }
    }

    fn is_wanted(&self, now_ms: i64) -> bool {
        !self.done.get()
            && self
                .answered_at
                .get()
                .is_none_or(|at| now_ms.saturating_sub(at) < KEPT_AFTER_ANSWER_MS)
    }

    fn drop_oldest(&self) {
        if let Some(frame) = self.frames.borrow_mut().pop_front() {
            self.first_kept.set(self.first_kept.get() + 1);
            self.release(frame.counted_bytes());
        }
    }

    /// Drops everything kept, without waking the reader: no reader can attach again, and a
    /// reader that has not read it all ends (one that has reads what comes next).
    fn drop_frames(&self) {
        let first = self.next_seq();
        let dropped = std::mem::take(&mut *self.frames.borrow_mut());
        self.first_kept.set(first);
        self.release(self.bytes.get());
        drop(dropped);
        self.done.set(true);
    }

    fn release(&self, bytes: usize) {
        self.bytes.set(self.bytes.get().saturating_sub(bytes));
        KEPT.with(|kept| kept.set(kept.get().saturating_sub(bytes)));
    }

    fn wake(&self) {
        if let Some(waker) = self.waker.borrow_mut().take() {
            waker.wake();
        }
    }
}

impl Drop for ReplayLog {
    fn drop(&mut self) {
        KEPT.with(|kept| kept.set(kept.get().saturating_sub(self.bytes.get())));
    }
}

/// The isolate's log to drop when the budget is passed: of those whose call was answered
/// (kept only for a client that may come back, some of them expired and not yet let go by
/// their session), the one answered first; else the one that keeps the most bytes. A stream
/// still running is dropped last: its client may still need it.
fn victim_log() -> Option<Rc<ReplayLog>> {
    LOGS.with(|logs| {
        let logs: Vec<Rc<ReplayLog>> = logs
            .borrow()
            .iter()
            .filter_map(Weak::upgrade)
            .filter(|log| log.bytes.get() > 0)
            .collect();
        let answered = logs
            .iter()
            .filter_map(|log| Some((log.answered_at.get()?, log)))
            .min_by_key(|(at, _)| *at)
            .map(|(_, log)| log.clone());
        answered.or_else(|| logs.into_iter().max_by_key(|log| log.bytes.get()))
    })
}

/// One event as the log keeps it.
enum Kept {
    /// Its frame, id and all.
    Frame(String),
    /// A batch's answer no reader has taken yet, with its id: counted with the answers held
    /// for unfinished batches, not here.
    Answer(String, Answer),
}

impl Kept {
    /// The event's frame; an answer is written as a frame now, and the bytes that adds to
    /// the log are returned with it.
    fn take(&mut self) -> (String, usize) {
        match self {
            Kept::Frame(frame) => (frame.clone(), 0),
            Kept::Answer(id, answer) => {
                let frame = format!(
                    "id: {id}\n{}",
                    crate::transport::sse::message(answer.text())
                );
                let bytes = frame.len();
                *self = Kept::Frame(frame.clone());
                (frame, bytes)
            }
        }
    }

    /// Bytes counted in the log for it.
    fn counted_bytes(&self) -> usize {
        match self {
            Kept::Frame(frame) => frame.len(),
            Kept::Answer(..) => 0,
        }
    }
}

/// Reads one stream's events in order, as SSE frames: from where it attached, until the
/// last response was read, a newer reader attached, or its stream was closed for resuming.
pub struct Reader {
    log: Rc<ReplayLog>,
    next: u64,
    generation: u64,
}

impl Reader {
    /// The frames, as a response body's stream.
    pub fn into_stream(mut self) -> impl futures_util::Stream<Item = String> {
        futures_util::stream::poll_fn(move |cx| self.poll_frame(cx))
    }

    pub fn poll_frame(&mut self, cx: &mut Context<'_>) -> Poll<Option<String>> {
        let log = &self.log;
        if log.reader.get() != self.generation
            || self.next >= log.reader_end.get()
            || self.next < log.first_kept.get()
        {
            return Poll::Ready(None);
        }
        let index = (self.next - log.first_kept.get()) as usize;
        let taken = log.frames.borrow_mut().get_mut(index).map(Kept::take);
        if let Some((frame, written)) = taken {
            self.next += 1;
            log.taken.set(log.taken.get().max(self.next));
            if written > 0 {
                log.count(written);
            }
            return Poll::Ready(Some(frame));
        }
        if log.answered_at.get().is_some() {
            // Read to the end, as far as this side can tell: what was handed to the runtime
            // may not have reached a client whose connection was lost without a word (the
            // runtime or a proxy takes it all the same), and that client asks for it again.
            // Kept until it expires or the budget needs the room.
            return Poll::Ready(None);
        }
        if log.ping.replace(false) {
            return Poll::Ready(Some(crate::transport::sse::comment("keepalive")));
        }
        *log.waker.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    }
}

#[cfg(test)]
mod tests;
