//! The leanest Worker worker-rs makes, built like the server (the same `#[event(fetch)]` entry,
//! worker-build shim and `wasm-opt` run) and doing nothing else: no configuration, no routing
//! table, no observation. `scripts/bench` measures it beside the server and the TypeScript
//! fixture, which splits each of the server's figures into what the platform costs any Rust
//! Worker and what the server's own code adds:
//! - `GET /healthz`: a small JSON body, what the server's `/healthz` answers;
//! - `GET /healthz?log=1`: the same, and one `console.log` of a line shaped like the server's
//!   per-request log line (what `LOG_LEVEL=info` writes);
//! - `GET /object`: the same body, answered by a Durable Object (one per name, like a legacy
//!   MCP session), so the Worker pays one hop to an object and back; `?log=1` as above.

use worker::{
    durable_object, event, Context, DurableObject, Env, Request, Response, Result, State,
};

const BODY: &str = r#"{"ok":true,"name":"mcpw-bench-rust-floor","version":"0.0.0"}"#;

/// A line of the server's shape and length (about 330 bytes).
const LOG_LINE: &str = r#"{"ts":"2026-11-30T09:53:28.205Z","level":"info","msg":"request","requestId":"0afb1d62bf192d8a","traceId":"738ec2c5dc8f637f2ef0e7358b7ba6f4","spanId":"57b4dd4218c2f4e3","traceSource":"generated","httpMethod":"GET","path":"/healthz","httpStatus":200,"transport":"none","outcome":"ok","isError":false,"durationMs":1,"githubCalls":0,"githubMs":0,"githubWaitMs":0,"githubCacheHits":0}"#;

fn json_body() -> Result<Response> {
    let mut response = Response::ok(BODY)?;
    response
        .headers_mut()
        .set("content-type", "application/json")?;
    Ok(response)
}

#[event(fetch)]
async fn fetch(req: web_sys::Request, env: Env, _ctx: Context) -> Result<Response> {
    let url = web_sys::Url::new(&req.url())?;
    if url.search() == "?log=1" {
        worker::console_log!("{LOG_LINE}");
    }
    match url.pathname().as_str() {
        "/healthz" => json_body(),
        "/object" => {
            let stub = env
                .durable_object("FLOOR")?
                .id_from_name("bench")?
                .get_stub()?;
            stub.fetch_with_str("https://object/").await
        }
        _ => Response::error("not found", 404),
    }
}

/// The object behind `GET /object`: answers the body, and keeps nothing.
#[durable_object(fetch)]
pub struct Floor {
    _state: State,
}

impl DurableObject for Floor {
    fn new(state: State, _env: Env) -> Self {
        Self { _state: state }
    }

    async fn fetch(&self, _req: Request) -> Result<Response> {
        json_body()
    }
}
