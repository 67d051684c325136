//! The Workers implementation of [`HttpClient`]: `fetch`, with an upstream timeout so a
//! slow GitHub never holds a session's request open indefinitely, and bodies read as a
//! stream: only as far as a request wants, and past [`LARGE_BYTES`] only in the request's
//! turn ([`super::turns`]).

use std::time::Duration;

use futures_util::future::{select, Either};
use futures_util::StreamExt;
use worker::wasm_bindgen::JsValue;
use worker::{AbortController, Delay, Fetch, Headers, Method, Request, RequestRedirect, Response};

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

/// How long one upstream request may take.
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
            let controller = AbortController::default();
            let signal = controller.signal();
            let body_limit = request.body_limit;
            let turns = self.turns;
            let send = Box::pin(async move {
                let mut response = Fetch::Request(outgoing).send_with_signal(&signal).await?;
                let limit = body_limit.unwrap_or(usize::MAX);
                let body = read_limited(&mut response, limit, turns).await?;
                let headers = response.headers().entries().collect::<Vec<_>>();
                Ok::<_, worker::Error>(HttpResponse {
                    status: response.status_code(),
                    headers,
                    body,
                })
            });
            match select(send, Delay::from(UPSTREAM_TIMEOUT)).await {
                Either::Left((result, _)) => result.map_err(failed),
                Either::Right(_) => {
                    controller.abort();
                    Err(TransportError::Timeout {
                        seconds: UPSTREAM_TIMEOUT.as_secs(),
                    })
                }
            }
        })
    }
}

/// Reads `response`'s body chunk by chunk until it holds more than `limit` bytes, keeping at
/// most `limit + 1` of them; dropping the stream then cancels the rest of the download. Past
/// [`LARGE_BYTES`], it reads on only once the request holds its turn.
pub async fn read_limited(
    response: &mut Response,
    limit: usize,
    turns: &Turns,
) -> worker::Result<Vec<u8>> {
    // A fetched response's body is a stream, or there is none (a 304, for one).
    let Ok(mut stream) = response.stream() else {
        return Ok(Vec::new());
    };
    let keep = limit.saturating_add(1);
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        if body.len().saturating_add(chunk.len()) > LARGE_BYTES {
            turns.hold().await;
        }
        let room = keep.saturating_sub(body.len());
        body.extend_from_slice(chunk.get(..room).unwrap_or(&chunk));
        if body.len() >= keep {
            break;
        }
    }
    Ok(body)
}
