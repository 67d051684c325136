//! Authentication: who a request comes from, by the configured `AUTH_MODE`.
//!
//! - `bearer`: a token issued by `scripts/token`, looked up by its hash in KV.
//! - `none`: everyone is the local developer, but only on a loopback Host.
//! - `oauth`: our own OAuth access tokens, issued after sign-in with GitHub (`oauth`).
//!
//! A verified `bearer` or `oauth` token is kept in the isolate for a short time
//! ([`token_cache`], `TOKEN_CACHE_SECONDS`), so a run of calls with it pays one lookup.
//!
//! A failure is an HTTP response ready to send: 401 with `WWW-Authenticate` and an OAuth
//! error body, 429 for an address that presented too many unknown tokens
//! ([`unknown_tokens`]), or 403 for a non-loopback Host in `none` mode.

pub mod bearer;
pub mod caller;
pub mod crypto;
pub mod oauth;
pub mod token_cache;
pub mod unknown_tokens;

use serde_json::json;
use worker::{Env, Request, Response};

use crate::config::Config;
use crate::transport::{http, origin};
use caller::{AuthMode, Caller};
use token_cache::TokenHash;

/// The KV namespace binding that holds tokens, OAuth clients and grants.
pub const KV_BINDING: &str = "KV";

/// Who sent `req` to the MCP endpoint at `path` of the server at `origin`.
pub async fn authenticate(
    req: &Request,
    env: &Env,
    config: &Config,
    origin: &str,
    path: &str,
) -> Result<Caller, AuthFailure> {
    if config.auth_mode == AuthMode::None {
        return authenticate_local(req, config);
    }
    // Hashed once: the cache's key, and what storage knows the token by.
    let token = presented_token(req);
    let hash = token.as_deref().map(TokenHash::of);
    let cached = config.token_cache_ms > 0;
    if let (true, Some(hash)) = (cached, &hash) {
        if let Some(caller) = token_cache::lookup(hash, origin, crate::now_ms()) {
            return Ok(caller);
        }
    }
    // A token not verified here yet costs a lookup: refused at once from an address that
    // presented too many unknown ones, or has too many different tokens being looked up.
    let lookup = match &hash {
        Some(hash) => {
            let address = crate::limits::client_address(req);
            match admit(&address, hash, cached.then_some(origin)).await {
                Ok(Admitted::Lookup(lookup)) => Some(lookup),
                Ok(Admitted::Cached(caller)) => return Ok(caller),
                Err(not_now) => {
                    let seconds = not_now.retry_after();
                    return Err(AuthFailure::too_many_unknown_tokens(seconds));
                }
            }
        }
        None => None,
    };
    let verified = match config.auth_mode {
        AuthMode::Bearer => authenticate_bearer(req, env, config, hash.as_ref())
            .await
            .map(|caller| (caller, None)),
        // The token's own expiry, from the record just read, bounds the entry.
        _ => oauth::authenticate(
            token.as_deref().zip(hash.as_ref()),
            env,
            config,
            origin,
            path,
        )
        .await
        .map(|(caller, expires_ms)| (caller, Some(expires_ms))),
    };
    let (caller, token_expires_ms) = match verified {
        Ok(verified) => verified,
        Err(failure) => {
            // Refused after a lookup (unknown, expired, revoked, or no longer allowed).
            if let (Some(lookup), 401 | 403) = (&lookup, failure.status) {
                lookup.failed(env, crate::now_ms()).await;
            }
            return Err(failure);
        }
    };
    if let (true, Some(hash)) = (cached, hash) {
        token_cache::remember(
            hash,
            caller.clone(),
            origin,
            config.token_cache_ms,
            token_expires_ms,
            crate::now_ms(),
        );
    }
    Ok(caller)
}

/// What [`admit`] let a request with a token not verified here do.
enum Admitted {
    /// Look the token up.
    Lookup(unknown_tokens::Lookup),
    /// Nothing: the lookup it waited for put the token in the isolate's cache.
    Cached(Caller),
}

/// How long a request waits for a lookup of its own token by another request.
const SAME_TOKEN_WAIT_MS: u64 = 5_000;

/// Starts the lookup of `hash` from `address`. When the address has as many lookups
/// running as it may, but one of them is of this very token (a client's burst of calls with
/// one token), the request waits for it, and then takes the caller from the isolate's cache
/// (with the cache on: `origin`) or starts its own. Sixty such calls at once were refused
/// as unknown tokens for 26 to 38 of them.
async fn admit(
    address: &str,
    hash: &TokenHash,
    origin: Option<&str>,
) -> Result<Admitted, unknown_tokens::NotNow> {
    let mut waited_ms = 0;
    loop {
        match unknown_tokens::start(address, hash.as_hex(), crate::now_ms()) {
            Ok(lookup) => return Ok(Admitted::Lookup(lookup)),
            Err(unknown_tokens::NotNow::Busy)
                if waited_ms < SAME_TOKEN_WAIT_MS
                    && unknown_tokens::is_running(address, hash.as_hex()) =>
            {
                worker::Delay::from(std::time::Duration::from_millis(20)).await;
                waited_ms += 20;
                let found = origin.and_then(|o| token_cache::lookup(hash, o, crate::now_ms()));
                if let Some(caller) = found {
                    return Ok(Admitted::Cached(caller));
                }
            }
            Err(not_now) => return Err(not_now),
        }
    }
}

/// The token of an `Authorization: Bearer` header, if it has one that could be a token.
fn presented_token(req: &Request) -> Option<String> {
    let header = req.headers().get("authorization").ok().flatten()?;
    bearer::parse_authorization(&header).map(str::to_string)
}

fn authenticate_local(req: &Request, config: &Config) -> Result<Caller, AuthFailure> {
    let host = req.headers().get("host").ok().flatten().unwrap_or_default();
    if origin::is_loopback_host(&host) {
        return Ok(Caller::local(config.github_token.clone()));
    }
    Err(AuthFailure::refused(
        403,
        "access_denied",
        format!(
            "AUTH_MODE=none serves only loopback hosts (localhost, 127.0.0.1, [::1]), and this request was for '{host}'. To serve other hosts, set AUTH_MODE=bearer or AUTH_MODE=oauth."
        ),
    ))
}

/// `hash`: of the token in the request's `Authorization: Bearer` header, if it has one.
async fn authenticate_bearer(
    req: &Request,
    env: &Env,
    config: &Config,
    hash: Option<&TokenHash>,
) -> Result<Caller, AuthFailure> {
    let Some(hash) = hash else {
        let header = req.headers().get("authorization").ok().flatten();
        return Err(AuthFailure::unauthorized(match header {
            None => "This server needs `Authorization: Bearer <token>`. Ask its operator for a token (they issue one with `scripts/token create --name NAME`).",
            Some(_) => "The Authorization header must be `Bearer <token>`.",
        })
        .without_credentials());
    };
    let kv = env.kv(KV_BINDING).map_err(|_| {
        AuthFailure::refused(
            503,
            "temporarily_unavailable",
            "The KV namespace bound as KV is missing from wrangler.toml: create one with `npx wrangler kv namespace create KV` and put its id in [[kv_namespaces]] (binding = \"KV\")."
                .into(),
        )
    })?;
    let record = kv
        .get(&bearer::key_for(hash))
        .json::<bearer::TokenRecord>()
        .await
        .map_err(|_| {
            AuthFailure::refused(
                503,
                "temporarily_unavailable",
                "Token storage could not be read. Try again shortly.".into(),
            )
        })?;
    match record {
        Some(record) => Ok(Caller {
            auth_mode: AuthMode::Bearer,
            subject: format!("bearer:{}", record.id),
            display_name: record.name,
            github_token: config.github_token.clone(),
            client_id: None,
        }),
        None => Err(AuthFailure::unauthorized(
            "The bearer token is unknown or has been revoked. Ask the server's operator for a new one.",
        )),
    }
}

/// Why a request was not authenticated, ready to become an HTTP response.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthFailure {
    pub status: u16,
    /// The OAuth error code (`invalid_token`, `access_denied`, …).
    pub error: &'static str,
    pub description: String,
    /// In `oauth` mode, where the protected resource metadata is (RFC 9728 §5.1).
    pub resource_metadata: Option<String>,
    /// A 429's `Retry-After`, in seconds.
    pub retry_after: Option<u32>,
    /// False when the request presented no credentials: its 401 challenge then carries no
    /// error code (RFC 6750, 3.1); it was not wrong, only not signed in.
    pub presented: bool,
}

impl AuthFailure {
    /// 401 with the RFC 6750 challenge and an OAuth-style JSON body.
    fn unauthorized(description: &str) -> Self {
        AuthFailure {
            status: 401,
            error: "invalid_token",
            description: description.to_string(),
            resource_metadata: None,
            retry_after: None,
            presented: true,
        }
    }

    /// The same failure, for a request that presented no credentials (no `Authorization`,
    /// or a scheme other than `Bearer`).
    pub fn without_credentials(self) -> Self {
        AuthFailure {
            presented: false,
            ..self
        }
    }

    /// 401 whose challenge points clients at our OAuth discovery.
    pub fn oauth_unauthorized(description: &str, resource_metadata: &str) -> Self {
        AuthFailure {
            resource_metadata: Some(resource_metadata.to_string()),
            ..Self::unauthorized(description)
        }
    }

    pub fn refused(status: u16, error: &'static str, description: String) -> Self {
        AuthFailure {
            status,
            error,
            description,
            resource_metadata: None,
            retry_after: None,
            presented: true,
        }
    }

    /// 429: this address presented too many tokens this server does not know
    /// ([`unknown_tokens`]).
    fn too_many_unknown_tokens(seconds: u32) -> Self {
        AuthFailure {
            retry_after: Some(seconds),
            ..AuthFailure::refused(
                429,
                "too_many_requests",
                format!("Too many requests with tokens this server does not know came from your address. Retry after {seconds} seconds with a valid token."),
            )
        }
    }

    pub fn into_response(self) -> worker::Result<Response> {
        let body = json!({ "error": self.error, "error_description": self.description });
        let mut response = http::json(self.status, &body)?;
        let headers = response.headers_mut();
        headers.set("cache-control", "no-store")?;
        if let Some(seconds) = self.retry_after {
            headers.set("retry-after", &seconds.to_string())?;
        }
        if self.status == 401 {
            let mut challenge = String::from("Bearer realm=\"github-mcp-worker\"");
            if let Some(url) = self.resource_metadata {
                challenge.push_str(&format!(", resource_metadata=\"{url}\""));
            }
            if self.presented {
                challenge.push_str(&format!(
                    ", error=\"{}\", error_description=\"{}\"",
                    self.error,
                    self.description.replace(['"', '\\'], "'")
                ));
            }
            headers.set("www-authenticate", &challenge)?;
        }
        Ok(response)
    }
}
