//! The outbox: how a request's messages reach the client, and the JSON-or-SSE decision.
//!
//! A handler runs in its own task and puts what it has to say into an [`Outbox`]:
//! notifications and server-to-client requests while it works, and finally its response.
//! [`respond`] answers with `application/json` when the responses arrive before anything
//! else, and switches to `text/event-stream` the moment a handler has something to say
//! before its response (progress, a log message, sampling, elicitation).
//!
//! Server-to-client requests wait for the client's reply in [`PendingReplies`], which the
//! session's Durable Object resolves when the reply is POSTed back.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

use futures_channel::{mpsc, oneshot};
use futures_util::future::{select, Either};
use futures_util::StreamExt;
use serde_json::{json, Value};
use worker::{Delay, Response};

use super::batch::{Answer, BatchAnswers};
use super::http;
use super::sse;
use super::stream_queue::StreamQueue;
use mcp_core::exchange::{BoxFuture, Peer};
use mcp_core::jsonrpc::{self, Notification, RpcError};

/// How long a server-to-client request waits for the client's reply.
const CLIENT_REPLY_TIMEOUT: Duration = Duration::from_secs(120);

/// Something to send to the client on a request's stream.
#[derive(Debug)]
pub enum Outgoing {
    /// A notification or a server-to-client request (JSON text).
    Message(String),
    /// A response to one of the client's requests.
    Final(jsonrpc::Response),
    /// A response to a request of a 2025-03-26 batch, already written and counted.
    Answer(Answer),
    /// An SSE comment, to keep an idle stream open.
    KeepAlive,
    /// A request the client cancelled: it counts as done, and nothing is sent for it.
    Cancelled,
    /// A handler asks that its stream be closed for the client to resume
    /// ([`Peer::close_stream`]); only a resumable stream is sent it.
    CloseStream,
}

/// Unread bytes on a session's long-lived stream (`GET /sse`, `GET /mcp`) past which the
/// session takes no new work until its client has read some (its POSTs get 429): answers
/// that finish together can pass it for a moment while the client reads. The isolate's
/// streams together are held to [`STREAMS_BUDGET_BYTES`](super::stream_queue).
pub const STREAM_BACKLOG_BYTES: usize = 8 * 1024 * 1024;

/// The sending side; cheap to clone.
#[derive(Clone)]
pub struct Outbox(Sink);

#[derive(Clone)]
enum Sink {
    /// One request's messages and response.
    Request(mpsc::UnboundedSender<Outgoing>),
    /// The messages and responses of a 2025-03-26 batch's requests.
    Batch(mpsc::UnboundedSender<Outgoing>),
    /// A session's long-lived stream.
    Stream(Rc<StreamQueue>),
}

/// The receiving side, which a response body or [`respond`] takes items from.
pub struct Inbox(Source);

enum Source {
    Request(mpsc::UnboundedReceiver<Outgoing>),
    Stream(Rc<StreamQueue>),
}

impl Outbox {
    /// An outbox for one request's messages and response.
    pub fn new() -> (Outbox, Inbox) {
        let (sender, receiver) = mpsc::unbounded();
        (
            Outbox(Sink::Request(sender)),
            Inbox(Source::Request(receiver)),
        )
    }

    /// An outbox for the requests of one 2025-03-26 batch: each response is written and
    /// counted toward the batches' budget as it is sent ([`Answer`]), not when the batch's
    /// last answer is in.
    pub fn batch() -> (Outbox, Inbox) {
        let (sender, receiver) = mpsc::unbounded();
        (
            Outbox(Sink::Batch(sender)),
            Inbox(Source::Request(receiver)),
        )
    }

    /// An outbox for a session's long-lived stream, bounded with the isolate's other
    /// streams ([`StreamQueue`]). Responses are written out as they are queued, so their
    /// size is known.
    pub fn stream() -> (Outbox, Inbox) {
        let queue = StreamQueue::open();
        (
            Outbox(Sink::Stream(queue.clone())),
            Inbox(Source::Stream(queue)),
        )
    }

    /// Queues an item; false once the client has gone, or (on a stream) once the stream
    /// was closed or ended for holding too much unread.
    pub fn send(&self, item: Outgoing) -> bool {
        match &self.0 {
            Sink::Request(sender) => sender.unbounded_send(item).is_ok(),
            Sink::Batch(sender) => sender
                .unbounded_send(match item {
                    Outgoing::Final(response) => Outgoing::Answer(Answer::logged(&response)),
                    other => other,
                })
                .is_ok(),
            Sink::Stream(queue) => match item {
                Outgoing::Cancelled => !queue.is_closed(),
                // A session's long-lived stream is not resumed.
                Outgoing::CloseStream => false,
                Outgoing::Final(response) => queue.push(Outgoing::Message(response.to_text())),
                Outgoing::Answer(answer) => queue.push(Outgoing::Message(answer.text().to_owned())),
                other => queue.push(other),
            },
        }
    }

    pub fn is_closed(&self) -> bool {
        match &self.0 {
            Sink::Request(sender) | Sink::Batch(sender) => sender.is_closed(),
            Sink::Stream(queue) => queue.is_closed(),
        }
    }

    /// Bytes queued on a stream that its client has not read yet (0 otherwise).
    pub fn unread_bytes(&self) -> usize {
        match &self.0 {
            Sink::Request(_) | Sink::Batch(_) => 0,
            Sink::Stream(queue) => queue.unread_bytes(),
        }
    }

    /// Ends the stream for every sender: the receiver gets what was queued, then its end.
    pub fn close(&self) {
        match &self.0 {
            Sink::Request(sender) | Sink::Batch(sender) => sender.close_channel(),
            Sink::Stream(queue) => queue.close(),
        }
    }
}

impl futures_util::Stream for Inbox {
    type Item = Outgoing;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Outgoing>> {
        match &mut self.0 {
            Source::Request(receiver) => receiver.poll_next_unpin(cx),
            Source::Stream(queue) => queue.poll_next(cx),
        }
    }
}

impl Drop for Inbox {
    /// The client has gone: a stream's queue is ended, and what it held is dropped.
    fn drop(&mut self) {
        if let Source::Stream(queue) = &self.0 {
            queue.end();
        }
    }
}

/// Server-to-client requests that await the client's reply, by the id we gave them.
#[derive(Default)]
pub struct PendingReplies {
    next_id: Cell<u64>,
    waiting: RefCell<HashMap<String, oneshot::Sender<Result<Value, RpcError>>>>,
}

impl PendingReplies {
    fn register(&self) -> (String, oneshot::Receiver<Result<Value, RpcError>>) {
        let n = self.next_id.get() + 1;
        self.next_id.set(n);
        let id = format!("server-{n}");
        let (sender, receiver) = oneshot::channel();
        self.waiting.borrow_mut().insert(id.clone(), sender);
        (id, receiver)
    }

    /// Hands a client's reply to the request waiting for it. False if nothing waits.
    pub fn resolve(&self, id: &str, outcome: Result<Value, RpcError>) -> bool {
        match self.waiting.borrow_mut().remove(id) {
            Some(sender) => sender.send(outcome).is_ok(),
            None => false,
        }
    }

    fn forget(&self, id: &str) {
        self.waiting.borrow_mut().remove(id);
    }

    /// Gives up every wait: each request still waiting hears that the session ended.
    pub fn abandon_all(&self) {
        self.waiting.borrow_mut().clear();
    }
}

/// A [`Peer`] that writes to an outbox. Server-to-client requests wait for their reply in
/// `replies`, or are refused with the reason it gives: the 2026-07-28 era forbids them (it
/// uses input-required results instead), and a session sends none before its client's
/// `notifications/initialized`.
pub struct OutboxPeer {
    pub outbox: Outbox,
    pub replies: Result<Rc<PendingReplies>, &'static str>,
    /// The request's answer, if it becomes an event stream, can be resumed by its client.
    pub resumable: bool,
}

/// Why a 2026-07-28 request's peer sends the client no requests.
pub const NO_REQUESTS_IN_THIS_REVISION: &str =
    "cannot be sent to the client in this protocol revision";

/// Why a session sends no requests yet (lifecycle: "The server SHOULD NOT send requests
/// other than pings and logging before receiving the initialized notification").
pub const NO_REQUESTS_BEFORE_INITIALIZED: &str =
    "cannot be sent to the client before it sends notifications/initialized";

impl Peer for OutboxPeer {
    fn notify(&self, notification: Notification) {
        self.outbox
            .send(Outgoing::Message(notification.to_json().to_string()));
    }

    fn close_stream(&self) -> bool {
        self.resumable && self.outbox.send(Outgoing::CloseStream)
    }

    fn request(&self, method: String, params: Value) -> BoxFuture<'_, Result<Value, RpcError>> {
        Box::pin(async move {
            let replies = match &self.replies {
                Ok(replies) => replies,
                Err(why) => return Err(RpcError::invalid_request(format!("{method} {why}"))),
            };
            let (id, receiver) = replies.register();
            let request = json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params });
            if !self.outbox.send(Outgoing::Message(request.to_string())) {
                replies.forget(&id);
                return Err(RpcError::internal("the client disconnected"));
            }
            let timeout = Delay::from(CLIENT_REPLY_TIMEOUT);
            match select(receiver, timeout).await {
                Either::Left((Ok(outcome), _)) => outcome,
                Either::Left((Err(_), _)) => Err(RpcError::internal("the session ended")),
                Either::Right(_) => {
                    replies.forget(&id);
                    Err(RpcError::internal(format!(
                        "the client did not answer {method} within {} seconds",
                        CLIENT_REPLY_TIMEOUT.as_secs()
                    )))
                }
            }
        })
    }
}

/// Sends keep-alive comments into `outbox` until nobody listens any more.
pub fn keep_alive(outbox: Outbox) {
    wasm_bindgen_futures::spawn_local(async move {
        loop {
            Delay::from(Duration::from_secs(sse::KEEPALIVE_SECONDS)).await;
            if outbox.is_closed() || !outbox.send(Outgoing::KeepAlive) {
                // Also ends a stream that another session's push closed without waking it.
                outbox.close();
                break;
            }
        }
    });
}

/// An answer that became an event stream, for a [`StreamWith`] to send.
pub struct StreamStart {
    /// Frames due first.
    pub first: Vec<String>,
    /// A handler asked, after `first`, that the stream be closed for its client to resume.
    pub then_close: bool,
    pub receiver: Inbox,
    pub outbox: Outbox,
    /// Responses still due.
    pub remaining: usize,
}

/// Sends an answer that became an event stream: [`stream_once`], or a session's resumable
/// stream.
pub type StreamWith<'a> = &'a dyn Fn(StreamStart) -> worker::Result<Response>;

/// Answers an HTTP request whose handlers write into `receiver`: `expected` responses are
/// due. A single request (`batch == false`) answers with one JSON object, a batch with an
/// array; either becomes an SSE stream, sent with `stream_with`, as soon as something else
/// must be said first. `status_of` chooses the HTTP status of a single JSON response.
pub async fn respond(
    mut receiver: Inbox,
    outbox: Outbox,
    expected: usize,
    batch: bool,
    status_of: fn(&jsonrpc::Response) -> u16,
    stream_with: StreamWith<'_>,
) -> worker::Result<Response> {
    let mut answers = BatchAnswers::default();
    let mut cancelled = 0;
    while let Some(item) = receiver.next().await {
        let starts_stream = match item {
            Outgoing::Final(response) if !batch => {
                return http::json_text(status_of(&response), response.to_text());
            }
            Outgoing::Final(response) => {
                answers.add(Answer::logged(&response));
                None
            }
            Outgoing::Answer(answer) => {
                answers.add(answer);
                None
            }
            Outgoing::KeepAlive => continue,
            // Not answered: an SSE stream that ends with no response in it.
            Outgoing::Cancelled => {
                cancelled += 1;
                None
            }
            Outgoing::Message(json) => Some((Some(json), false)),
            Outgoing::CloseStream => Some((None, true)),
        };
        if let Some((message, then_close)) = starts_stream {
            let remaining = expected.saturating_sub(answers.count() + cancelled);
            let mut first = answers.into_frames();
            first.extend(message.map(|json| sse::message(&json)));
            return stream_with(StreamStart {
                first,
                then_close,
                receiver,
                outbox,
                remaining,
            });
        }
        if answers.count() + cancelled == expected {
            if answers.count() == 0 {
                return event_stream(futures_util::stream::empty());
            }
            return json_stream(answers.into_array());
        }
    }
    Err(worker::Error::RustError(
        "a request handler stopped without a response".into(),
    ))
}

/// An item's SSE frame, if it has one, and whether it settles one of the responses due.
pub fn frame_of(item: Outgoing) -> (Option<String>, bool) {
    match item {
        Outgoing::Final(response) => (Some(sse::message(&response.to_text())), true),
        Outgoing::Answer(answer) => (Some(sse::message(answer.text())), true),
        Outgoing::Message(json) => (Some(sse::message(&json)), false),
        Outgoing::KeepAlive => (Some(sse::comment("keepalive")), false),
        Outgoing::Cancelled => (None, true),
        Outgoing::CloseStream => (None, false),
    }
}

/// Streams the frames due first, then everything else until the last response due went
/// out, to this client only: nothing is kept for it to resume.
pub fn stream_once(start: StreamStart) -> worker::Result<Response> {
    keep_alive(start.outbox);
    let head = futures_util::stream::iter(start.first);
    let tail = futures_util::stream::unfold(
        (start.receiver, start.remaining),
        |(mut receiver, remaining)| async move {
            if remaining == 0 {
                return None;
            }
            let (frame, settles) = frame_of(receiver.next().await?);
            Some((frame, (receiver, remaining - usize::from(settles))))
        },
    );
    let tail = tail.filter_map(futures_util::future::ready);
    event_stream(head.chain(tail))
}

/// A JSON body written as a stream of pieces.
fn json_stream(
    pieces: impl futures_util::Stream<Item = String> + 'static,
) -> worker::Result<Response> {
    let body = pieces.map(|piece| Ok::<Vec<u8>, worker::Error>(piece.into_bytes()));
    let mut response = Response::from_stream(body)?;
    response
        .headers_mut()
        .set("content-type", "application/json")?;
    Ok(response)
}

/// Wraps a stream of SSE frames into a `text/event-stream` response.
pub fn event_stream(
    frames: impl futures_util::Stream<Item = String> + 'static,
) -> worker::Result<Response> {
    let body = frames.map(|frame| Ok::<Vec<u8>, worker::Error>(frame.into_bytes()));
    let mut response = Response::from_stream(body)?;
    let headers = response.headers_mut();
    headers.set("content-type", "text/event-stream")?;
    headers.set("cache-control", "no-cache, no-transform")?;
    headers.set("x-accel-buffering", "no")?;
    Ok(response)
}

/// The usual status of a JSON-RPC response: 200, whatever it says.
pub fn always_ok(_: &jsonrpc::Response) -> u16 {
    200
}
