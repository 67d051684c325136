//! The Workers implementation of [`HttpClient`]: `fetch`, with an upstream timeout so a
//! slow GitHub never holds a session's request open indefinitely.

use std::time::Duration;

use futures_util::future::{select, Either};
use worker::{
    AbortController, Delay, Fetch, Headers, Method, Request, RequestInit, RequestRedirect,
};

use super::http::{HttpClient, HttpRequest, HttpResponse, TransportError};
use crate::mcp::exchange::BoxFuture;

/// How long one upstream request may take.
pub const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(20);

pub struct FetchClient;

impl HttpClient for FetchClient {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            let failed = |e: worker::Error| TransportError::Failed(e.to_string());
            let headers = Headers::new();
            for (name, value) in &request.headers {
                headers.set(name, value).map_err(failed)?;
            }
            let mut init = RequestInit::new();
            init.with_method(Method::from(request.method.to_string()))
                .with_headers(headers)
                .with_redirect(RequestRedirect::Follow);
            let outgoing = Request::new_with_init(&request.url, &init).map_err(failed)?;
            let controller = AbortController::default();
            let signal = controller.signal();
            let send = Box::pin(async move {
                let mut response = Fetch::Request(outgoing).send_with_signal(&signal).await?;
                let body = response.bytes().await?;
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
