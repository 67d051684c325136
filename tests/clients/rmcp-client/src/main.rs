//! A headless MCP client built on the official Rust SDK (`rmcp`), for tests/e2e/rmcp.test.mjs.
//! It uses the worker the way a Rust agent would: Streamable HTTP, a handshake, tools/list,
//! two tools/call (one that fails), prompts and resources; then prints one JSON line of results.
//!
//! Usage: rmcp-client URL [--bearer TOKEN | --oauth] [--lifecycle initialize|auto|discover]
//!
//! --oauth: the whole sign-in through rmcp's `OAuthState` (discovery, dynamic client
//! registration, PKCE, code exchange). The browser part is left to the caller: the client
//! prints `{"authorizeUrl": ...}` on stdout and reads the callback URL it was sent back to
//! (REDIRECT with code, state and iss) as one line on stdin. It then refreshes the token once
//! and reports both pairs as `tokens`, and goes on with the refreshed one.
//!
//! --lifecycle: `initialize` (default) is `ClientConfig::default().serve(..)`, the legacy
//! handshake; `auto` probes `server/discover` (2026-07-28) and falls back to `initialize`;
//! `discover` is 2026-07-28 only. The negotiated revision is reported as `protocolVersion`.
use anyhow::{bail, Context};
use rmcp::{
    model::{CallToolRequestParams, CallToolResult, ClientConfig, ProtocolVersion},
    service::{ClientLifecycleMode, RunningService},
    transport::{
        auth::{AuthClient, AuthorizationManager, AuthorizationRequest, OAuthState},
        streamable_http_client::StreamableHttpClientTransportConfig,
        StreamableHttpClientTransport,
    },
    ClientServiceExt, RoleClient, ServiceExt,
};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};

/// Where the authorization server sends the browser back to; nothing listens there: the
/// caller reads the URL off the sign-in and hands it to us on stdin.
const REDIRECT: &str = "http://127.0.0.1:53684/callback";

struct Args {
    url: String,
    bearer: Option<String>,
    oauth: bool,
    lifecycle: String,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut it = std::env::args().skip(1);
    let url = it.next().context(
        "usage: rmcp-client URL [--bearer TOKEN | --oauth] [--lifecycle initialize|auto|discover]",
    )?;
    let mut args = Args {
        url,
        bearer: None,
        oauth: false,
        lifecycle: "initialize".into(),
    };
    while let Some(a) = it.next() {
        match a.as_str() {
            "--bearer" => args.bearer = Some(it.next().context("--bearer needs a token")?),
            "--oauth" => args.oauth = true,
            "--lifecycle" => args.lifecycle = it.next().context("--lifecycle needs a value")?,
            other => bail!("unknown argument {other}"),
        }
    }
    Ok(args)
}

/// rmcp's OAuth flow up to an authorized manager, then one refresh (what rmcp does when the
/// access token expires). Returns the manager and the tokens it held, for the test to check.
async fn sign_in(url: &str) -> anyhow::Result<(AuthorizationManager, Value)> {
    let mut state = OAuthState::new(url, None)
        .await
        .context("OAuthState::new (metadata discovery)")?;
    state
        .start_authorization(AuthorizationRequest::new(REDIRECT).with_client_name("mcpw-e2e-rmcp"))
        .await
        .context("start_authorization (discovery and client registration)")?;
    let authorize_url = state.get_authorization_url().await?;
    println!("{}", json!({ "authorizeUrl": authorize_url }));

    let mut callback = String::new();
    BufReader::new(tokio::io::stdin())
        .read_line(&mut callback)
        .await?;
    let callback = callback.trim();
    if callback.is_empty() {
        bail!("no callback URL on stdin");
    }
    state
        .handle_callback_url(callback)
        .await
        .context("handle_callback_url (code exchange)")?;
    let manager = state
        .into_authorization_manager()
        .context("not authorized after the callback")?;
    let first = tokens(&manager).await?;
    manager.refresh_token().await.context("refresh_token")?;
    let refreshed = tokens(&manager).await?;
    Ok((manager, json!({ "first": first, "refreshed": refreshed })))
}

/// The access and refresh token the manager holds now.
async fn tokens(manager: &AuthorizationManager) -> anyhow::Result<Value> {
    let (_client_id, response) = manager.get_credentials().await?;
    let response = serde_json::to_value(response.context("no token response stored")?)?;
    Ok(
        json!({ "accessToken": response["access_token"], "refreshToken": response["refresh_token"] }),
    )
}

async fn connect<T, E, A>(
    transport: T,
    lifecycle: &str,
) -> anyhow::Result<RunningService<RoleClient, ClientConfig>>
where
    T: rmcp::transport::IntoTransport<RoleClient, E, A>,
    E: std::error::Error + Send + Sync + 'static,
{
    let config = ClientConfig::default();
    let preferred_versions = vec![ProtocolVersion::V_2026_07_28];
    let client = match lifecycle {
        "initialize" => config.serve(transport).await?,
        "auto" => {
            let mode = ClientLifecycleMode::Auto {
                preferred_versions,
                legacy_version: None,
            };
            config.serve_with_lifecycle(transport, mode).await?
        }
        "discover" => {
            config
                .serve_with_lifecycle(
                    transport,
                    ClientLifecycleMode::Discover { preferred_versions },
                )
                .await?
        }
        other => bail!("unknown lifecycle {other}"),
    };
    Ok(client)
}

/// A tools/call result as the test wants it: isError and the text of its text blocks.
fn summarize(r: &CallToolResult) -> Value {
    let text: Vec<&str> = r
        .content
        .iter()
        .filter_map(|c| c.as_text())
        .map(|t| t.text.as_str())
        .collect();
    json!({ "isError": r.is_error.unwrap_or(false), "text": text.join("\n"), "structuredContent": r.structured_content })
}

async fn call(
    client: &RunningService<RoleClient, ClientConfig>,
    repository_url: &str,
) -> anyhow::Result<Value> {
    let args = json!({ "repositoryUrl": repository_url });
    let params = CallToolRequestParams::new("getGithubReadme")
        .with_arguments(args.as_object().cloned().unwrap_or_default());
    Ok(summarize(
        &client
            .call_tool(params)
            .await
            .with_context(|| format!("tools/call {repository_url}"))?,
    ))
}

async fn exercise(args: &Args) -> anyhow::Result<Value> {
    let mut out = json!({ "ok": true, "lifecycle": args.lifecycle });
    let config = StreamableHttpClientTransportConfig::with_uri(args.url.as_str());
    let client = if args.oauth {
        let (manager, tokens) = sign_in(&args.url).await?;
        // Handed back so the test can check them and that no log line holds them (recordSecret).
        out["tokens"] = tokens;
        let transport = StreamableHttpClientTransport::with_client(
            AuthClient::new(reqwest::Client::default(), manager),
            config,
        );
        connect(transport, &args.lifecycle).await?
    } else {
        let config = match &args.bearer {
            Some(token) => config.auth_header(token.as_str()),
            None => config,
        };
        connect(
            StreamableHttpClientTransport::from_config(config),
            &args.lifecycle,
        )
        .await?
    };

    let info = client
        .peer_info()
        .context("no server info after the handshake")?;
    out["protocolVersion"] = json!(info.protocol_version.as_str());
    out["serverName"] = json!(info.server_info.as_ref().map(|s| s.name.clone()));
    out["capabilities"] = serde_json::to_value(&info.capabilities)?;

    let tools = client.list_all_tools().await.context("tools/list")?;
    out["tools"] = tools
        .iter()
        .map(|t| json!({ "name": t.name, "inputSchema": *t.input_schema }))
        .collect();

    out["readme"] = call(&client, "https://github.com/octocat/Hello-World").await?;
    out["missing"] = call(&client, "octocat/does-not-exist").await?;

    if info.capabilities.prompts.is_some() {
        let prompts = client.list_all_prompts().await.context("prompts/list")?;
        out["prompts"] = prompts.iter().map(|p| json!(p.name)).collect();
    }
    if info.capabilities.resources.is_some() {
        let resources = client
            .list_all_resources()
            .await
            .context("resources/list")?;
        out["resources"] = resources.iter().map(|r| json!(r.uri)).collect();
    }

    client.cancel().await?;
    Ok(out)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let result = match parse_args() {
        Ok(args) => exercise(&args).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(out) => println!("{out}"),
        Err(e) => {
            println!("{}", json!({ "ok": false, "error": format!("{e:#}") }));
            std::process::exit(1);
        }
    }
}
