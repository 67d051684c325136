//! The queue behind a session's long-lived stream (`GET /sse`, `GET /mcp`): what the server
//! has to say, kept until the client reads it, and bounded across the isolate.
//!
//! Each session's object may live in the same isolate as many others, and wasm memory never
//! shrinks. Twelve HTTP+SSE sessions whose clients never read took an isolate's wasm memory
//! to 211 MiB (a production isolate has 128 MB), though each stayed under its own 8 MiB
//! backlog. So the unread bytes of all the streams in an isolate share
//! [`STREAMS_BUDGET_BYTES`]: past it, the stream holding the most is ended and what it held
//! is dropped at once. That is the stream of a client that stopped reading; a client that
//! reads holds little for long.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};

use super::outbox::Outgoing;

/// Unread bytes of all the long-lived streams in an isolate past which the stream holding
/// the most is ended.
pub const STREAMS_BUDGET_BYTES: usize = 32 * 1024 * 1024;

thread_local! {
    /// The isolate's open streams.
    static STREAMS: RefCell<Vec<Weak<StreamQueue>>> = const { RefCell::new(Vec::new()) };
    /// Their unread bytes together.
    static UNREAD: Cell<usize> = const { Cell::new(0) };
}

/// One stream's queue. Items are taken in order; a closed queue still hands out what it
/// holds, an ended one holds nothing.
#[derive(Default)]
pub struct StreamQueue {
    items: RefCell<VecDeque<Outgoing>>,
    unread: Cell<usize>,
    closed: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

impl StreamQueue {
    /// A new queue, counted with the isolate's other streams.
    pub fn open() -> Rc<StreamQueue> {
        let queue = Rc::new(StreamQueue::default());
        STREAMS.with(|streams| {
            let mut streams = streams.borrow_mut();
            streams.retain(|stream| stream.strong_count() > 0);
            streams.push(Rc::downgrade(&queue));
        });
        queue
    }

    /// Queues `item` (a notification, request or response, as JSON text; or a keep-alive).
    /// False if the stream is closed, or was ended because the isolate's streams held too
    /// much and this one held the most.
    pub fn push(self: &Rc<Self>, item: Outgoing) -> bool {
        if self.closed.get() {
            return false;
        }
        let bytes = queued_bytes(&item);
        let held_before = self.unread.get();
        self.items.borrow_mut().push_back(item);
        self.unread.set(held_before.saturating_add(bytes));
        UNREAD.with(|unread| unread.set(unread.get().saturating_add(bytes)));
        self.wake();
        while UNREAD.with(Cell::get) > STREAMS_BUDGET_BYTES {
            let fullest = fullest_stream(self, held_before);
            let held = fullest.unread.get();
            crate::observe::event(crate::observe::record::Level::Warn, &|| {
                format!("a session stream was ended: the isolate's streams held more than {STREAMS_BUDGET_BYTES} bytes unread, {held} of them by this stream's client")
            });
            if Rc::ptr_eq(&fullest, self) {
                self.end();
                break;
            }
            // Another session's stream: its reader is not woken from here (the runtime
            // refuses I/O for one Durable Object from another's context); its own
            // keep-alive finds it closed and ends it (`outbox::keep_alive`).
            fullest.drop_all();
        }
        !self.closed.get()
    }

    /// No more items: the reader gets what is queued, then the end.
    pub fn close(&self) {
        self.closed.set(true);
        self.wake();
    }

    /// Closes the queue and drops what it held.
    pub fn end(&self) {
        self.drop_all();
        self.wake();
    }

    /// Closes the queue and drops what it held, without waking its reader.
    fn drop_all(&self) {
        let dropped = std::mem::take(&mut *self.items.borrow_mut());
        self.release(self.unread.replace(0));
        drop(dropped);
        self.closed.set(true);
    }

    pub fn is_closed(&self) -> bool {
        self.closed.get()
    }

    /// Bytes queued that the client has not read yet.
    pub fn unread_bytes(&self) -> usize {
        self.unread.get()
    }

    /// The next item, the end once the queue is closed and empty, or pending.
    pub fn poll_next(&self, cx: &mut Context<'_>) -> Poll<Option<Outgoing>> {
        let next = self.items.borrow_mut().pop_front();
        match next {
            Some(item) => {
                let bytes = queued_bytes(&item);
                self.unread.set(self.unread.get().saturating_sub(bytes));
                self.release(bytes);
                Poll::Ready(Some(item))
            }
            None if self.closed.get() => Poll::Ready(None),
            None => {
                *self.waker.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }

    fn wake(&self) {
        if let Some(waker) = self.waker.borrow_mut().take() {
            waker.wake();
        }
    }

    fn release(&self, bytes: usize) {
        UNREAD.with(|unread| unread.set(unread.get().saturating_sub(bytes)));
    }
}

impl Drop for StreamQueue {
    fn drop(&mut self) {
        self.release(self.unread.get());
    }
}

/// Bytes an item holds while queued.
fn queued_bytes(item: &Outgoing) -> usize {
    match item {
        Outgoing::Message(text) => text.len(),
        Outgoing::Final(_)
        | Outgoing::Answer(_)
        | Outgoing::KeepAlive
        | Outgoing::Cancelled
        | Outgoing::CloseStream => 0,
    }
}

/// The stream to end when the isolate's streams hold too much: the one that held the most
/// before `pushing` was given its newest item (`pushing_held` before it). A client that
/// reads holds little until something new is queued for it, so its stream is not the one
/// chosen for the answer just sent to it; `pushing` is chosen only when it held the most
/// before, or when no stream held anything.
fn fullest_stream(pushing: &Rc<StreamQueue>, pushing_held: usize) -> Rc<StreamQueue> {
    let held_before = |stream: &Rc<StreamQueue>| {
        if Rc::ptr_eq(stream, pushing) {
            pushing_held
        } else {
            stream.unread.get()
        }
    };
    STREAMS.with(|streams| {
        streams
            .borrow()
            .iter()
            .filter_map(Weak::upgrade)
            .filter(|stream| !stream.closed.get() || stream.unread.get() > 0)
            .max_by_key(|stream| held_before(stream))
            .filter(|stream| held_before(stream) > 0)
            .unwrap_or_else(|| pushing.clone())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::task::noop_waker_ref;

    fn message(bytes: usize) -> Outgoing {
        Outgoing::Message("m".repeat(bytes))
    }

    fn unread() -> usize {
        UNREAD.with(Cell::get)
    }

    #[test]
    fn past_the_isolates_budget_the_fullest_stream_is_ended_and_its_bytes_freed() {
        let mut cx = Context::from_waker(noop_waker_ref());
        let reader = StreamQueue::open();
        let idle = StreamQueue::open();
        let quarter = STREAMS_BUDGET_BYTES / 4;
        assert!(reader.push(message(quarter)));
        for _ in 0..3 {
            assert!(idle.push(message(quarter)));
        }
        // The reader reads what it was sent, and is sent more.
        assert!(matches!(
            reader.poll_next(&mut cx),
            Poll::Ready(Some(Outgoing::Message(_)))
        ));
        assert_eq!(reader.unread_bytes(), 0);
        assert!(reader.push(message(quarter)));
        assert_eq!(unread(), 4 * quarter);
        // One byte more: the idle stream (three quarters) is ended, not the reader.
        assert!(reader.push(message(1)));
        assert!(idle.is_closed() && !reader.is_closed());
        assert_eq!(idle.unread_bytes(), 0);
        assert!(matches!(idle.poll_next(&mut cx), Poll::Ready(None)));
        assert_eq!(unread(), quarter + 1);
        assert!(!idle.push(message(1)), "an ended stream takes nothing");

        // A stream alone past the budget is ended itself.
        assert!(!reader.push(message(4 * quarter)));
        assert!(reader.is_closed());
        assert_eq!(unread(), 0);
    }

    #[test]
    fn a_reading_client_sent_a_large_answer_is_not_the_one_ended() {
        // Idle streams each hold a little; together almost the budget.
        let eighth = STREAMS_BUDGET_BYTES / 8;
        let idle: Vec<_> = (0..8).map(|_| StreamQueue::open()).collect();
        for stream in &idle {
            assert!(stream.push(message(eighth - 10)));
        }
        let reader = StreamQueue::open();
        assert!(
            reader.push(message(2 * eighth)),
            "the reader keeps its stream"
        );
        let ended = idle.iter().filter(|stream| stream.is_closed()).count();
        assert_eq!(ended, 2, "idle streams are ended until the rest fit");
        assert!(unread() <= STREAMS_BUDGET_BYTES);
        drop((idle, reader));
        assert_eq!(unread(), 0);
    }

    #[test]
    fn a_closed_queue_hands_out_what_it_holds_then_ends_and_a_dropped_one_gives_its_bytes_back() {
        let mut cx = Context::from_waker(noop_waker_ref());
        let queue = StreamQueue::open();
        assert!(queue.push(message(3)));
        assert!(queue.push(Outgoing::KeepAlive));
        assert!(matches!(
            queue.poll_next(&mut cx),
            Poll::Ready(Some(Outgoing::Message(_)))
        ));
        assert!(queue.poll_next(&mut cx).is_ready());
        assert!(queue.poll_next(&mut cx).is_pending());
        assert!(queue.push(message(5)));
        queue.close();
        assert!(!queue.push(message(1)));
        assert!(
            matches!(queue.poll_next(&mut cx), Poll::Ready(Some(Outgoing::Message(m))) if m.len() == 5)
        );
        assert!(matches!(queue.poll_next(&mut cx), Poll::Ready(None)));

        let dropped = StreamQueue::open();
        assert!(dropped.push(message(7)));
        assert_eq!(unread(), 7);
        drop(dropped);
        assert_eq!(unread(), 0);
    }
}
