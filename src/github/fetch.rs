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
                RequestRedirect::Follow,
            )
            .map_err(failed)?;
            // Not GitHub's time either: the wait for room to read the answer in.
            self.turns.room().await;
            let controller = AbortController::default();
            let signal = controller.signal();
            let limit = request.body_limit.unwrap_or(usize::MAX);
            let turns = self.turns;
            let start = async move {
                let mut response = Fetch::Request(outgoing).send_with_signal(&signal).await?;
                let mut body = Body::of(&mut response, limit);
                let large = body.read(turns).await?;
                Ok::<_, worker::Error>((response, body, large))
            };
            let Some(started) = within(start).await else {
                controller.abort();
                return Err(TIMEOUT);
            };
            let (response, mut body, large) = started.map_err(failed)?;
            if large {
                // The wait for the turn is not GitHub's time: the timeout starts again.
                self.turns.hold().await;
                let Some(read) = within(body.read(turns)).await else {
                    controller.abort();
                    return Err(TIMEOUT);
                };
                read.map_err(failed)?;
            }
            turns.read_answer(body.bytes.len());
            let headers = response.headers().entries().collect::<Vec<_>>();
            Ok(HttpResponse {
                status: response.status_code(),
                headers,
                body: body.bytes,
            })
        })
    }
}

const TIMEOUT: TransportError = TransportError::Timeout {
    seconds: UPSTREAM_TIMEOUT.as_secs(),
};

/// What `work` came to within [`UPSTREAM_TIMEOUT`], or nothing past it.
async fn within<T>(work: impl Future<Output = T>) -> Option<T> {
    match select(Box::pin(work), Delay::from(UPSTREAM_TIMEOUT)).await {
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

/// Reads what is wanted of `response`'s body (see [`Body`]), waiting for the request's turn
/// if it becomes large.
pub async fn read_limited(
    response: &mut Response,
    limit: usize,
    turns: &Turns,
) -> worker::Result<Vec<u8>> {
    turns.room().await;
    let mut body = Body::of(response, limit);
    if body.read(turns).await? {
        turns.hold().await;
        body.read(turns).await?;
    }
    turns.read_answer(body.bytes.len());
    Ok(body.bytes)
}
