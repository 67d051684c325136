//! Measuring GitHub requests: an [`HttpClient`] wrapper that sends the request's
//! `traceparent` along and notes each call's status, duration, ETag-cache hit (a 304) and
//! `x-ratelimit-remaining` into the request's [`GitHubStats`].

use std::cell::RefCell;
use std::rc::Rc;

use super::record::{GitHubCall, GitHubStats, Level};
use crate::github::http::{HttpClient, HttpRequest, HttpResponse, TransportError};
use mcp_core::exchange::BoxFuture;

pub struct Metered<'a> {
    pub inner: &'a dyn HttpClient,
    pub stats: Rc<RefCell<GitHubStats>>,
    /// Sent as the `traceparent` header.
    pub traceparent: String,
    /// Milliseconds since the epoch (the Workers clock, which moves on at each I/O).
    pub now: fn() -> i64,
}

impl HttpClient for Metered<'_> {
    fn send(
        &self,
        mut request: HttpRequest,
    ) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        request
            .headers
            .push(("traceparent".to_string(), self.traceparent.clone()));
        // For the debug line: the path only, never the query (it holds the caller's input).
        let path = request
            .url
            .split('?')
            .next()
            .unwrap_or_default()
            .to_string();
        let trace = self.traceparent.clone();
        Box::pin(async move {
            let started = (self.now)();
            let result = self.inner.send(request).await;
            let duration_ms = (self.now)() - started;
            let mut stats = self.stats.borrow_mut();
            let status = result.as_ref().ok().map(|r| r.status);
            super::event(Level::Debug, &|| {
                let status = status.map_or_else(|| "no answer".into(), |s| s.to_string());
                format!("github GET {path} -> {status} in {duration_ms} ms, trace {trace}")
            });
            stats.calls.push(GitHubCall {
                status,
                duration_ms,
            });
            if let Ok(response) = &result {
                if response.status == 304 {
                    stats.cache_hits += 1;
                }
                if let Some(remaining) = response
                    .header("x-ratelimit-remaining")
                    .and_then(|v| v.trim().parse().ok())
                {
                    stats.rate_limit_remaining = Some(remaining);
                }
            }
            result
        })
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use futures_executor::block_on;

    use super::*;

    struct Fixed(u16);

    impl HttpClient for Fixed {
        fn send(
            &self,
            request: HttpRequest,
        ) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
            let status = self.0;
            Box::pin(async move {
                assert!(request
                    .headers
                    .iter()
                    .any(|(k, v)| k == "traceparent" && v.starts_with("00-")));
                if status == 0 {
                    return Err(TransportError::Timeout { seconds: 20 });
                }
                Ok(HttpResponse {
                    status,
                    headers: vec![("X-RateLimit-Remaining".into(), "4321".into())],
                    body: vec![],
                })
            })
        }
    }

    thread_local!(static CLOCK: Cell<i64> = const { Cell::new(0) });

    fn tick() -> i64 {
        CLOCK.with(|c| {
            c.set(c.get() + 7);
            c.get()
        })
    }

    #[test]
    fn each_call_is_noted_with_its_status_time_and_cache_hit() {
        let stats = Rc::new(RefCell::new(GitHubStats::default()));
        for status in [200, 304, 0] {
            let inner = Fixed(status);
            let metered = Metered {
                inner: &inner,
                stats: stats.clone(),
                traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into(),
                now: tick,
            };
            let request = HttpRequest {
                method: "GET",
                url: "https://api.github.com/x".into(),
                headers: vec![],
                body_limit: None,
            };
            let _ = block_on(metered.send(request));
        }
        let stats = stats.borrow();
        assert_eq!(stats.calls.len(), 3);
        assert_eq!(stats.calls[2].status, None);
        assert_eq!(stats.total_ms(), 21);
        assert_eq!(stats.cache_hits, 1);
        assert_eq!(stats.rate_limit_remaining, Some(4321));
    }
}
