//! The OAuth 2.1 authorization server in front of the MCP endpoints (`AUTH_MODE=oauth`).
//!
//! Clients discover us (RFC 8414, RFC 9728), register (RFC 7591, or a Client ID Metadata
//! Document), send the person to `/authorize` (consent, then GitHub login), and exchange
//! the code at `/token` for our own opaque token, bound to this server. Codes and refresh
//! tokens are decided by each grant's Durable Object ([`grant`]); MCP requests present the
//! access token, which names its grant and which that object vouches for, and the GitHub
//! token behind it stays encrypted and is handed to tools fresh on every request. Nothing a
//! sign-in or a refresh does writes to KV.
//!
//! `docs/security.md` says what each check defends against.

pub mod approved;
mod authorize;
mod blocked;
pub mod cimd;
pub mod client;
mod github_login;
pub mod grant;
mod grant_protocol;
mod grant_state;
pub mod metadata;
pub mod pages;
mod pending;
mod registered;
mod store;
mod token;

use std::cell::Cell;

use serde_json::{json, Value};
use worker::{Env, Method, Request, Response};

use super::caller::{AuthMode, Caller, Secret};
use super::token_cache::TokenHash;
use super::{crypto, AuthFailure, KV_BINDING};
use crate::config::Config;
use crate::limits::{self, Limit, RetryAfter};
use crate::transport::body::{read_limited, Unread};
use client::{registration_response, ClientRecord};
use grant_protocol::{GrantAnswer, GrantRequest, ACCESS_PREFIX};
use store::Store;

/// What the key that signs codes and tokens is derived for.
const TOKEN_KEY_PURPOSE: &str = "token-signature";

/// The largest registration request read.
const MAX_REGISTRATION_BYTES: usize = 64 * 1024;

/// Keys derived from `COOKIE_ENCRYPTION_KEY`, one per purpose.
pub struct Keys {
    pub cookie: [u8; 32],
    /// Seals the sign-in in progress into the login cookie ([`pending`]).
    pub login: [u8; 32],
    /// Signs registered clients' ids and derives their secrets ([`registered`]).
    pub registration: registered::RegistrationKeys,
    pub consent: [u8; 32],
    pub upstream: [u8; 32],
    /// Signs the codes and tokens we mint ([`grant_protocol::mint`]).
    pub tokens: [u8; 32],
}

/// What the key that signs registered clients' ids is derived for.
const CLIENT_ID_KEY_PURPOSE: &str = "client-id";

/// Everything the endpoints need for one request.
pub struct OAuth<'a> {
    /// Our origin: the issuer, and the audience of every token.
    pub origin: String,
    pub env: Env,
    /// Where the request came from, for rate limits.
    pub client_address: String,
    /// Set when a Client ID Metadata Document was not fetched because this address is over
    /// its limit; the endpoint's answer then becomes a 429.
    pub metadata_limited: Cell<Option<RetryAfter>>,
    pub store: Store,
    pub keys: Keys,
    /// Seconds since the epoch.
    pub now: i64,
    pub github_client_id: &'a str,
    pub github_client_secret: &'a str,
    pub github_web_url: String,
    pub github_api_url: String,
    /// The root of the keys that seal a refresh's answer for its retry window (each one
    /// derived from the presented refresh token).
    pub refresh_retry_key: [u8; 32],
    config: &'a Config,
}

impl<'a> OAuth<'a> {
    /// Sets up sign-in, or says which secret is missing.
    fn new(
        env: &Env,
        config: &'a Config,
        origin: String,
        client_address: String,
    ) -> Result<OAuth<'a>, String> {
        let (Some(client_id), Some(client_secret), Some(key)) = (
            &config.github_client_id,
            &config.github_client_secret,
            &config.signing_secret,
        ) else {
            return Err("AUTH_MODE=oauth needs the secrets GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET and COOKIE_ENCRYPTION_KEY (wrangler secret put NAME)".into());
        };
        let kv = env.kv(KV_BINDING).map_err(|_| {
            "the KV namespace bound as KV is missing from wrangler.toml: create one with `npx wrangler kv namespace create KV` and put its id in [[kv_namespaces]] (binding = \"KV\")".to_string()
        })?;
        let secret = key.expose().as_bytes();
        Ok(OAuth {
            origin,
            env: env.clone(),
            client_address,
            metadata_limited: Cell::new(None),
            store: Store::new(kv),
            keys: Keys {
                cookie: crypto::derive_key(secret, "cookie"),
                login: crypto::derive_key(secret, "login"),
                registration: registered::RegistrationKeys {
                    id: crypto::derive_key(secret, CLIENT_ID_KEY_PURPOSE),
                    secret: crypto::derive_key(secret, "client-secret"),
                },
                consent: crypto::derive_key(secret, "consent"),
                upstream: crypto::derive_key(secret, "upstream-token"),
                tokens: crypto::derive_key(secret, TOKEN_KEY_PURPOSE),
            },
            now: crate::now_ms() / 1000,
            github_client_id: client_id,
            github_client_secret: client_secret.expose(),
            github_web_url: config.github_web_url.clone(),
            github_api_url: config.github_api_url.clone(),
            refresh_retry_key: crypto::derive_key(secret, "refresh-retry"),
            config,
        })
    }

    /// A client that may start a sign-in (`/authorize`): [`OAuth::known_client`], unless its
    /// registration lapsed.
    pub async fn client(&self, client_id: &str) -> worker::Result<Option<ClientRecord>> {
        let client = self.known_client(client_id).await?;
        Ok(client.filter(|c| !registered::lapsed(c, self.now)))
    }

    /// A client by id, for `/token` and `/revoke`: registered ones from the id itself, URL
    /// ids from their metadata document, and ids registered before ids carried their
    /// registration from KV.
    pub async fn known_client(&self, client_id: &str) -> worker::Result<Option<ClientRecord>> {
        if client_id.starts_with("https://") || client_id.starts_with("http://") {
            return cimd::client(self, client_id).await;
        }
        if client_id.starts_with(registered::ID_PREFIX) {
            return Ok(registered::open(&self.keys.registration, client_id));
        }
        if client_id.len() > 64
            || !client_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Ok(None);
        }
        self.store.client(client_id).await
    }

    /// Why the operator has blocked `client` ([`blocked`]), if it has.
    pub fn why_blocked(&self, client: &ClientRecord) -> Option<String> {
        blocked::why_blocked(self.config, client)
    }

    /// Why the operator has blocked a grant of `client_id` made through `redirect_uri`.
    pub fn why_grant_blocked(&self, client_id: &str, redirect_uri: &str) -> Option<String> {
        let id_key = || self.keys.registration.id;
        blocked::why_grant_blocked(self.config, id_key, client_id, redirect_uri)
    }

    pub fn github_scopes(&self) -> String {
        self.config.github_scopes.clone()
    }

    /// `ALLOWED_GITHUB_USERS`, by the numeric GitHub id (logins can change hands).
    pub fn user_allowed(&self, github_id: u64) -> bool {
        self.config.github_user_allowed(github_id)
    }

    pub fn cimd_allows_loopback(&self) -> bool {
        self.config.cimd_allow_loopback
    }
}

/// An OAuth error response (RFC 6749 §5.2).
#[derive(Debug, Clone, PartialEq)]
pub struct OAuthError {
    pub status: u16,
    pub error: &'static str,
    pub description: String,
    /// Answer a failed HTTP Basic client authentication with a Basic challenge.
    pub basic_challenge: bool,
    /// Seconds for `Retry-After`, on a 429.
    pub retry_after: Option<u32>,
    /// The methods for `Allow`, on a 405.
    pub allow: Option<&'static str>,
}

impl OAuthError {
    pub fn new(status: u16, error: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            status,
            error,
            description: description.into(),
            basic_challenge: false,
            retry_after: None,
            allow: None,
        }
    }

    /// 405: `path` serves only the methods in `allow`.
    pub fn method_not_allowed(path: &str, allow: &'static str) -> Self {
        OAuthError {
            allow: Some(allow),
            ..Self::new(
                405,
                "invalid_request",
                format!("{path} takes {allow}, not this method."),
            )
        }
    }

    /// 429: this address sent too many requests to this endpoint.
    pub fn rate_limited(RetryAfter(seconds): RetryAfter) -> Self {
        OAuthError {
            retry_after: Some(seconds),
            ..Self::new(
                429,
                "temporarily_unavailable",
                format!("Too many requests from your address; retry after {seconds} seconds."),
            )
        }
    }

    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(400, "invalid_request", description)
    }

    pub fn invalid_client(description: impl Into<String>, basic: bool) -> Self {
        OAuthError {
            basic_challenge: basic,
            ..Self::new(401, "invalid_client", description)
        }
    }

    pub fn into_response(self) -> worker::Result<Response> {
        let mut response = no_store_json(
            self.status,
            &json!({ "error": self.error, "error_description": self.description }),
        )?;
        if self.basic_challenge {
            response
                .headers_mut()
                .set("www-authenticate", "Basic realm=\"github-mcp-worker\"")?;
        }
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .set("retry-after", &seconds.to_string())?;
        }
        if let Some(allow) = self.allow {
            response.headers_mut().set("allow", allow)?;
        }
        Ok(response)
    }
}

/// JSON that must not be cached (tokens, registrations, errors).
pub fn no_store_json(status: u16, body: &Value) -> worker::Result<Response> {
    let mut response = crate::transport::http::json(status, body)?;
    let headers = response.headers_mut();
    headers.set("cache-control", "no-store")?;
    headers.set("pragma", "no-cache")?;
    Ok(response)
}

/// The OAuth endpoints. `None` when `path` is not one of them.
pub async fn route(
    req: Request,
    env: &Env,
    config: &Config,
    origin: String,
    path: &str,
    obs: &crate::observe::Observation,
) -> Option<worker::Result<Response>> {
    let is_oauth_path = matches!(
        path,
        "/authorize" | "/callback" | "/token" | "/revoke" | "/register"
    ) || path.starts_with("/.well-known/oauth-authorization-server")
        || path.starts_with("/.well-known/oauth-protected-resource");
    if !is_oauth_path {
        return None;
    }
    // Boxed: the request handler's own future then holds a pointer, not every endpoint's
    // state machine.
    Some(Box::pin(serve(req, env, config, origin, path, obs)).await)
}

async fn serve(
    req: Request,
    env: &Env,
    config: &Config,
    origin: String,
    path: &str,
    obs: &crate::observe::Observation,
) -> worker::Result<Response> {
    let method = req.method();
    if path.starts_with("/.well-known/") {
        if !matches!(method, Method::Get | Method::Head) {
            return OAuthError::method_not_allowed(path, "GET, HEAD, OPTIONS").into_response();
        }
        return match path.strip_prefix("/.well-known/oauth-protected-resource") {
            Some(suffix)
                if suffix.is_empty() || crate::transport::mcp_path::is_resource_path(suffix) =>
            {
                let suffix = crate::transport::mcp_path::canonical(suffix);
                crate::transport::http::json(200, &metadata::protected_resource(&origin, suffix))
            }
            Some(_) => OAuthError::new(
                404,
                "invalid_request",
                "no protected resource there; try /.well-known/oauth-protected-resource",
            )
            .into_response(),
            None if path == "/.well-known/oauth-authorization-server" => {
                crate::transport::http::json(200, &metadata::authorization_server(&origin))
            }
            None => OAuthError::new(
                404,
                "invalid_request",
                "the metadata is at /.well-known/oauth-authorization-server",
            )
            .into_response(),
        };
    }
    let limit = match path {
        "/register" => Limit::Registration,
        "/authorize" => Limit::SignIn("authorize"),
        "/callback" => Limit::SignIn("callback"),
        "/token" => Limit::SignIn("token"),
        _ => Limit::SignIn("revoke"),
    };
    let client_address = limits::client_address(&req);
    if let Err(retry) = limits::check(env, limit, &client_address).await {
        return OAuthError::rate_limited(retry).into_response();
    }
    let oauth = match OAuth::new(env, config, origin, client_address) {
        Ok(oauth) => oauth,
        Err(problem) => {
            obs.set_error(format!("sign-in: {problem}"));
            return OAuthError::new(
                503,
                "temporarily_unavailable",
                format!("Sign-in is not configured on this server: {problem}"),
            )
            .into_response();
        }
    };
    let response = match (path, method) {
        // Each endpoint's future boxed: one state machine per endpoint, not one holding all.
        ("/register", Method::Post) => Box::pin(register(&oauth, req)).await,
        ("/authorize", Method::Get) => Box::pin(authorize::get(&oauth, &req)).await,
        ("/authorize", Method::Post) => Box::pin(authorize::post(&oauth, req)).await,
        ("/callback", Method::Get) => Box::pin(github_login::callback(&oauth, &req)).await,
        ("/token", Method::Post) => Box::pin(token::token(&oauth, req)).await,
        ("/revoke", Method::Post) => Box::pin(token::revoke(&oauth, req)).await,
        (path, _) => {
            let allow = match path {
                "/authorize" => "GET, POST, OPTIONS",
                "/callback" => "GET, OPTIONS",
                _ => "POST, OPTIONS",
            };
            OAuthError::method_not_allowed(path, allow).into_response()
        }
    };
    match oauth.metadata_limited.get() {
        Some(retry) => OAuthError::rate_limited(retry).into_response(),
        None => response,
    }
}

/// The answer to a form or registration whose body broke off before it was complete.
pub(crate) fn broken_body() -> OAuthError {
    OAuthError::new(
        400,
        "invalid_request",
        "the request body broke off before it was complete; send it again",
    )
}

/// Dynamic client registration (RFC 7591).
async fn register(oauth: &OAuth<'_>, mut req: Request) -> worker::Result<Response> {
    let body = match read_limited(&mut req, MAX_REGISTRATION_BYTES).await? {
        Ok(body) => body,
        Err(Unread::TooLarge { .. }) => {
            return OAuthError::new(
                413,
                "invalid_client_metadata",
                "the registration is larger than 64 KiB",
            )
            .into_response()
        }
        Err(Unread::Broken) => return broken_body().into_response(),
    };
    let value = match serde_json::from_slice::<Value>(&crate::transport::body::without_bom(body)) {
        Ok(value) => value,
        // serde_json says what it could not read, and where (a lone surrogate escape, or
        // nesting past its 128 levels, is valid JSON that it does not read).
        Err(error) => {
            let description = format!("the registration is not JSON this server reads: {error}");
            return OAuthError::new(400, "invalid_client_metadata", description).into_response();
        }
    };
    let issued = client::parse_registration(&value).and_then(|registration| {
        registered::issue(&oauth.keys.registration, registration, oauth.now)
    });
    let (client, secret) = match issued {
        Ok(issued) => issued,
        Err(refusal) => {
            return OAuthError::new(400, refusal.error, refusal.description).into_response()
        }
    };
    no_store_json(201, &registration_response(&client, secret.as_deref()))
}

/// Authenticates an MCP request by our access token: one request to the object of the
/// grant the token names, which answers what the token stands for while it is live.
/// Returns the caller and when the token expires (ms since the epoch), which bounds the
/// token cache. `token`: the request's `Authorization: Bearer` token, if it has one, and
/// its hash.
pub async fn authenticate(
    token: Option<(&str, &TokenHash)>,
    env: &Env,
    config: &Config,
    origin: &str,
    path: &str,
) -> Result<(Caller, i64), AuthFailure> {
    let challenge = metadata::resource_metadata_url(origin, path);
    let unauthorized = |why: &str| AuthFailure::oauth_unauthorized(why, &challenge);
    let Some((token, hash)) = token else {
        return Err(
            unauthorized("Sign in first: this server needs an OAuth access token (Authorization: Bearer <token>).")
                .without_credentials(),
        );
    };
    let Some(key) = &config.signing_secret else {
        return Err(AuthFailure::refused(
            503,
            "temporarily_unavailable",
            "Sign-in is not configured on this server (COOKIE_ENCRYPTION_KEY is missing).".into(),
        ));
    };
    const UNKNOWN: &str =
        "The access token is unknown, expired or revoked. Refresh it, or sign in again.";
    // A token this deployment did not mint costs no request to any object.
    let token_key = crypto::derive_key(key.expose().as_bytes(), TOKEN_KEY_PURPOSE);
    let Some(grant_id) = grant_protocol::signed_grant(&token_key, token, ACCESS_PREFIX) else {
        return Err(unauthorized(UNKNOWN));
    };
    let check = GrantRequest::Check {
        access_hash: hash.as_hex().to_string(),
    };
    let record = match grant_protocol::call(env, grant_id, &check).await {
        Ok(GrantAnswer::Access(record)) => record,
        Ok(_) => return Err(unauthorized(UNKNOWN)),
        Err(_) => {
            return Err(AuthFailure::refused(
                503,
                "temporarily_unavailable",
                "The authorization store could not be reached. Try again shortly.".into(),
            ))
        }
    };
    if record.expires_at < crate::now_ms() / 1000 {
        return Err(unauthorized("The access token has expired. Refresh it."));
    }
    if record.audience != grant_protocol::audience(origin) {
        return Err(unauthorized(
            "The access token was issued for another server.",
        ));
    }
    if !config.github_user_allowed(record.github_user_id) {
        return Err(AuthFailure::refused(
            403,
            "access_denied",
            format!(
                "GitHub user {} (id {}) is not allowed on this server: it is not in ALLOWED_GITHUB_USERS. Ask the server's operator.",
                record.github_login, record.github_user_id
            ),
        ));
    }
    let id_key = || crypto::derive_key(key.expose().as_bytes(), CLIENT_ID_KEY_PURPOSE);
    let blocked =
        blocked::why_grant_blocked(config, id_key, &record.client_id, &record.redirect_uri);
    if let Some(why) = blocked {
        return Err(unauthorized(&format!(
            "The access token's application is refused: {why}."
        )));
    }
    let github_token = crypto::decrypt(
        &crypto::derive_key(key.expose().as_bytes(), "upstream-token"),
        &record.github_token,
    )
    .await;
    let caller = Caller {
        auth_mode: AuthMode::Oauth,
        subject: format!("github:{}", record.github_user_id),
        display_name: record.github_login,
        github_token: github_token.map(Secret::new),
        client_id: Some(record.client_id),
    };
    Ok((caller, record.expires_at.saturating_mul(1000)))
}
