//! The Workers implementation of [`HttpClient`]: `fetch`, with an upstream timeout so a
//! slow GitHub never holds a session's request open indefinitely, and bodies read as a
//! stream: only as far as a request wants, and past [`LARGE_BYTES`] only in the request's
//! turn ([`super::turns`]).

use std::future::Future;
use std::time::Duration;

use futures_util::future::{select, Either};
use futures_util::StreamExt;
use worker::wasm_bindgen::JsValue;
use worker::{
    AbortController, ByteStream, Delay, Fetch, Headers, Method, Request, RequestRedirect, Response,
};

use super::http::{HttpClient, HttpRequest, HttpResponse, TransportError};
use super::turns::{Turns, LARGE_BYTES};
use mcp_core::exchange::BoxFuture;

/// A request to send with `fetch` or to a Durable Object, built with `web_sys` directly:
/// `worker::Request::new_with_init` converts a `worker::RequestInit`, whose Cloudflare `cf`
/// options alone link about 11 KB into the wasm. Every outgoing request is made here.
pub fn outgoing(
    url: &str,
    method: Method,
    headers: &Headers,
    body: Option<JsValue>,
    redirect: RequestRedirect,
) -> worker::Result<Request> {
    let init = worker::web_sys::RequestInit::new();
    init.set_method(method.as_ref());
    init.set_headers(headers.as_ref());
    init.set_redirect(redirect.into());
    if let Some(body) = &body {
        init.set_body(body);
    }
    worker::web_sys::Request::new_with_str_and_init(url, &init)
        .map(Request::from)
        .map_err(|e| {
            worker::Error::JsError(
                e.as_string()
                    .unwrap_or_else(|| "invalid URL or options for Request".to_string()),
            )
        })
}

/// How long GitHub may take to answer, and again to send the rest of a large answer once the
/// request holds its turn (the wait for the turn does not count).
pub const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(20);

/// `fetch` for one request, whose large answers wait for its turn.
pub struct FetchClient<'a> {
    pub turns: &'a Turns,
}

impl HttpClient for FetchClient<'_> {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            let failed = |e: worker::Error| TransportError::Failed(e.to_string());
            let headers = Headers::new();
            for (name, value) in &request.headers {
                headers.set(name, value).map_err(failed)?;
            }
            let outgoing = outgoing(
                &request.url,
                Method::from(request.method.to_string()),
                &headers,
                None,
                // Redirects are the GitHub client's to follow, or not ([`super::client`]).
                RequestRedirect::Manual,
            )
            .map_err(failed)?;
            let controller = AbortController::default();
            let signal = controller.signal();
            let _abort_when_dropped = AbortOnDrop(Some(controller));
            let fetch = Fetch::Request(outgoing);
            let response = fetch.send_with_signal(&signal);
            let limit = request.body_limit.unwrap_or(usize::MAX);
            let (response, body) =
                match answer(self.turns, response, limit, Some(UPSTREAM_TIMEOUT)).await {
                    Ok(answered) => answered,
                    // Returning aborts the fetch (`_abort_when_dropped`).
                    Err(Unanswered::Late) => {
                        return Err(TransportError::Timeout {
                            seconds: UPSTREAM_TIMEOUT.as_secs(),
                        })
                    }
                    Err(Unanswered::Failed(e)) => return Err(failed(e)),
                };
            let headers = response.headers().entries().collect::<Vec<_>>();
            Ok(HttpResponse {
                status: response.status_code(),
                headers,
                body,
            })
        })
    }
}

/// A fetch's controller that aborts it when dropped: when the fetch took too long, or when
/// the request it is for was cancelled and its future dropped mid-way. Aborting a fetch
/// that ended does nothing.
struct AbortOnDrop(Option<AbortController>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(controller) = self.0.take() {
            controller.abort();
        }
    }
}

/// Why [`answer`] has none.
pub enum Unanswered {
    /// It took longer than it was given.
    Late,
    Failed(worker::Error),
}

impl From<worker::Error> for Unanswered {
    fn from(e: worker::Error) -> Self {
        Unanswered::Failed(e)
    }
}

/// `response` (GitHub's, or the ETag cache's) with what is wanted of its body (see [`Body`]),
/// counted against the request's room ([`Turns::room`], waited for before `response` is
/// asked for) or read in its turn once it is large. With a `time`, the response and the first
/// [`LARGE_BYTES`] of its body must come within it, and the rest within it again once the
/// request holds its turn: neither wait counts.
pub async fn answer(
    turns: &Turns,
    response: impl Future<Output = worker::Result<Response>>,
    limit: usize,
    time: Option<Duration>,
) -> Result<(Response, Vec<u8>), Unanswered> {
    turns.room().await;
    let start = async move {
        let mut response = response.await?;
        let mut body = Body::of(&mut response, limit);
        let large = body.read(turns).await?;
        Ok::<_, worker::Error>((response, body, large))
    };
    let (response, mut body, large) = within(time, start).await.ok_or(Unanswered::Late)??;
    if large {
        turns.hold().await;
        within(time, body.read(turns))
            .await
            .ok_or(Unanswered::Late)??;
    }
    turns.read_answer(body.bytes.len());
    Ok((response, body.bytes))
}

/// What `work` came to within `time`, or nothing past it; without a `time`, what it came to.
async fn within<T>(time: Option<Duration>, work: impl Future<Output = T>) -> Option<T> {
    let Some(time) = time else {
        return Some(work.await);
    };
    match select(Box::pin(work), Delay::from(time)).await {
        Either::Left((result, _)) => Some(result),
        Either::Right(_) => None,
    }
}

/// A response body read chunk by chunk, only as far as it is wanted: at most `limit + 1`
/// bytes (so that a longer body shows as longer; dropping the stream cancels the rest of the
/// download), and past [`LARGE_BYTES`] (the room set aside for it) only once the request
/// holds its turn.
struct Body {
    stream: Option<ByteStream>,
    bytes: Vec<u8>,
    /// A chunk read but not kept yet, since it makes the body large.
    held_back: Option<Vec<u8>>,
    keep: usize,
}

impl Body {
    fn of(response: &mut Response, limit: usize) -> Body {
        Body {
            // A fetched response's body is a stream, or there is none (a 304, for one).
            stream: response.stream().ok(),
            bytes: Vec::new(),
            held_back: None,
            keep: limit.saturating_add(1),
        }
    }

    /// Reads on until the body ends or is as long as wanted; or, unless the request holds
    /// its turn, until it needs one to read on: then it returns true.
    async fn read(&mut self, turns: &Turns) -> worker::Result<bool> {
        if let Some(chunk) = self.held_back.take() {
            self.keep_part(&chunk);
        }
        while self.bytes.len() < self.keep {
            let Some(stream) = &mut self.stream else {
                break;
            };
            let Some(chunk) = stream.next().await else {
                break;
            };
            let chunk = chunk?;
            if !turns.holds() && self.bytes.len().saturating_add(chunk.len()) > LARGE_BYTES {
                self.held_back = Some(chunk);
                return Ok(true);
            }
            self.keep_part(&chunk);
        }
        self.stream = None;
        Ok(false)
    }

    fn keep_part(&mut self, chunk: &[u8]) {
        let room = self.keep.saturating_sub(self.bytes.len());
        self.bytes
            .extend_from_slice(chunk.get(..room).unwrap_or(chunk));
    }
}
