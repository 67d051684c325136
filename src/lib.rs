//! github-mcp-worker: a remote MCP server for GitHub on Cloudflare Workers.

pub mod auth;
pub mod github;
pub mod mcp;

use worker::*;

#[event(fetch)]
async fn fetch(_req: Request, _env: Env, _ctx: Context) -> Result<Response> {
    Response::ok("hi")
}
