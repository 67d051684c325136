//! Getting each isolate's counts to the one place that adds them up.
//!
//! A Worker runs in many short-lived isolates, so each keeps its counts in memory
//! ([`record`]) and sends them, as one batch, to the `McpMetrics` Durable Object, always
//! from `waitUntil` after the response is out: when [`BATCH_REQUESTS`] requests are
//! waiting, or [`FLUSH_DELAY`] after the first of a batch. A request therefore never waits
//! for the object, and the object sees at most one request per batch. `/metrics` sends
//! its own isolate's batch first, then reads the object's totals.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use worker::{
    durable_object, AnalyticsEngineDataPointBuilder, AnalyticsEngineDataset, DurableObject, Env,
    Method, Request, Response, State,
};

use super::metrics::Totals;
use super::record::{Level, Record};

/// The Durable Object binding in `wrangler.toml`.
pub const BINDING: &str = "METRICS";
/// The one object that holds the totals.
const OBJECT_NAME: &str = "metrics";
/// The object's storage key for the totals.
const TOTALS_KEY: &str = "totals";
/// Send a batch once this many MCP requests are waiting in it…
pub const BATCH_REQUESTS: u64 = 100;
/// …or this long after its first request.
pub const FLUSH_DELAY: Duration = Duration::from_secs(5);

thread_local! {
    static PENDING: RefCell<Totals> = RefCell::new(Totals::default());
    static TIMER: Cell<bool> = const { Cell::new(false) };
    /// Batches on their way to the object.
    static IN_FLIGHT: Cell<u32> = const { Cell::new(0) };
}

/// A future to hand to `waitUntil`.
pub type Deferred = Pin<Box<dyn Future<Output = ()>>>;

/// Counts one finished request in this isolate's batch.
pub fn record(record: &Record) {
    PENDING.with(|p| p.borrow_mut().add(record));
}

/// A legacy-era session began (`opened`) or ended.
pub fn session(opened: bool) {
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        if opened {
            p.sessions_opened += 1;
        } else {
            p.sessions_closed += 1;
        }
    });
}

fn take() -> Totals {
    PENDING.with(|p| std::mem::take(&mut *p.borrow_mut()))
}

/// Arranges for the batch to be sent, through `wait_until` (the request's or the
/// object's). Called as each request's handler returns; costs nothing when a send is
/// already arranged.
pub fn schedule(env: &Env, wait_until: impl FnOnce(Deferred)) {
    let (empty, waiting) = PENDING.with(|p| {
        let p = p.borrow();
        (p.is_empty(), p.request_count())
    });
    if empty {
        return;
    }
    if waiting >= BATCH_REQUESTS {
        wait_until(Box::pin(send(env.clone(), take())));
        return;
    }
    if TIMER.with(|t| t.replace(true)) {
        return;
    }
    let env = env.clone();
    wait_until(Box::pin(async move {
        worker::Delay::from(FLUSH_DELAY).await;
        TIMER.with(|t| t.set(false));
        let batch = take();
        if !batch.is_empty() {
            send(env, batch).await;
        }
    }));
}

/// Sends a batch; if the object cannot be reached, the counts go back into the next one.
async fn send(env: Env, batch: Totals) {
    IN_FLIGHT.with(|n| n.set(n.get() + 1));
    let sent = post(&env, "/add", Some(&batch)).await;
    IN_FLIGHT.with(|n| n.set(n.get().saturating_sub(1)));
    if let Err(error) = sent {
        PENDING.with(|p| p.borrow_mut().merge(&batch));
        super::event(Level::Warn, &|| {
            format!("metrics batch not delivered, kept for the next one: {error}")
        });
    }
}

async fn post(env: &Env, path: &str, batch: Option<&Totals>) -> worker::Result<Response> {
    let (method, body) = match batch {
        Some(batch) => (Method::Post, Some(batch.encode().into())),
        None => (Method::Get, None),
    };
    let request = crate::github::fetch::outgoing(
        &format!("https://metrics{path}"),
        method,
        &worker::Headers::new(),
        body,
        worker::RequestRedirect::Follow,
    )?;
    let stub = env.durable_object(BINDING)?.get_by_name(OBJECT_NAME)?;
    let response = stub.fetch_with_request(request).await?;
    if response.status_code() >= 300 {
        return Err(worker::Error::RustError(format!(
            "the metrics object answered {}",
            response.status_code()
        )));
    }
    Ok(response)
}

/// The deployment's totals, after sending this isolate's batch (and waiting, up to a
/// second, for batches already on their way).
pub async fn read(env: &Env) -> worker::Result<Totals> {
    let batch = take();
    if !batch.is_empty() {
        send(env.clone(), batch).await;
    }
    for _ in 0..50 {
        if IN_FLIGHT.with(Cell::get) == 0 {
            break;
        }
        worker::Delay::from(Duration::from_millis(20)).await;
    }
    let mut response = post(env, "/read", None).await?;
    Ok(Totals::decode(&response.text().await?))
}

/// One request as an Analytics Engine data point. Index: the caller's pseudonym. Blobs:
/// transport, method, tool, outcome, protocol, trace id, path. Doubles: duration ms, HTTP
/// status, GitHub calls, GitHub ms, ETag cache hits, JSON-RPC error code (0 if none).
pub fn analytics(dataset: &AnalyticsEngineDataset, r: &Record) {
    let point = AnalyticsEngineDataPointBuilder::new()
        .indexes([r.caller.as_deref().unwrap_or("")])
        .add_blob(r.transport.as_str())
        .add_blob(r.method.as_deref().unwrap_or(""))
        .add_blob(r.tool.as_deref().unwrap_or(""))
        .add_blob(r.outcome().as_str())
        .add_blob(r.protocol.as_deref().unwrap_or(""))
        .add_blob(r.trace.trace_id.as_str())
        .add_blob(r.path.as_str())
        .add_double(r.duration_ms as f64)
        .add_double(f64::from(r.http_status))
        .add_double(r.github.calls.len() as f64)
        .add_double(r.github.total_ms() as f64)
        .add_double(f64::from(r.github.cache_hits))
        .add_double(r.rpc_error.unwrap_or(0) as f64)
        .add_double(r.github.waited_ms as f64)
        .build();
    if let Err(error) = dataset.write_data_point(&point) {
        super::event(Level::Warn, &|| {
            format!("analytics data point not written: {error}")
        });
    }
}

/// `McpMetrics`: the one object that adds up every isolate's batches. Its storage holds the
/// totals under [`TOTALS_KEY`], written once per batch.
#[durable_object]
pub struct McpMetrics {
    state: State,
    totals: RefCell<Option<Totals>>,
}

impl DurableObject for McpMetrics {
    fn new(state: State, _env: Env) -> Self {
        McpMetrics {
            state,
            totals: RefCell::new(None),
        }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        self.load().await?;
        match (req.method(), req.path().as_str()) {
            (Method::Post, "/add") => {
                let mut batch = Totals::decode(&req.text().await?);
                batch.flushes = 1;
                let encoded = {
                    let mut totals = self.totals.borrow_mut();
                    let totals = totals.get_or_insert_with(Totals::default);
                    totals.merge(&batch);
                    totals.encode()
                };
                self.state.storage().put(TOTALS_KEY, encoded).await?;
                Ok(Response::empty()?.with_status(204))
            }
            (Method::Get, "/read") => {
                let encoded = self.totals.borrow().clone().unwrap_or_default().encode();
                Response::ok(encoded)
            }
            _ => Ok(Response::empty()?.with_status(404)),
        }
    }
}

impl McpMetrics {
    async fn load(&self) -> worker::Result<()> {
        if self.totals.borrow().is_some() {
            return Ok(());
        }
        let stored = self.state.storage().get::<String>(TOTALS_KEY).await?;
        let totals = stored.map(|text| Totals::decode(&text)).unwrap_or_default();
        let mut slot = self.totals.borrow_mut();
        if slot.is_none() {
            *slot = Some(totals);
        }
        Ok(())
    }
}
