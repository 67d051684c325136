//! `/token` (RFC 6749, OAuth 2.1) and `/revoke` (RFC 7009).
//!
//! - authorization_code: PKCE S256 is required, the redirect URI must match, and a code
//!   is single-use: a replayed code revokes the grant it made.
//! - refresh_token: every use rotates the token, and presenting an old one (a sign that
//!   it leaked) revokes the grant. A retry of the same refresh within
//!   [`super::grant_state::REFRESH_RETRY_WINDOW_SECONDS`] gets the same token pair instead.
//!
//! Codes, refresh and access tokens name their grant, whose Durable Object decides
//! ([`super::grant_protocol`]). The Worker mints the tokens; the object keeps only their
//! hashes, and the retry answer sealed under a key derived from the presented refresh
//! token. Nothing here writes to KV (but the one rewrite of a client registered before ids
//! carried their registration: [`super::store::Store::keep_client`]).

use serde::{Deserialize, Serialize};
use serde_json::json;
use worker::{Request, Response};

use super::client::{AuthMethod, ClientRecord};
use super::grant_protocol::{
    self, grant_of, signed_grant, GrantAnswer, GrantInfo, GrantRequest, Issue, ACCESS_PREFIX,
    CODE_PREFIX, REFRESH_PREFIX,
};
use super::metadata::names_this_server;
use super::pages::Form;
use super::store::ACCESS_TTL;
use super::{OAuth, OAuthError};
use crate::auth::crypto;
use crate::auth::unknown_tokens::{self, Lookup};
use crate::limits::RetryAfter;
use crate::transport::body::{read_text_limited, Unread};

/// The largest token or revocation request read.
const MAX_FORM_BYTES: usize = 16 * 1024;

/// A parsed token or revocation request: its form fields, and the authenticated client.
struct TokenRequest {
    fields: Form,
    client: ClientRecord,
}

impl TokenRequest {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name)
    }

    fn required(&self, name: &str) -> Result<&str, OAuthError> {
        self.field(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| OAuthError::invalid_request(format!("{name} is required")))
    }
}

/// Reads the form and authenticates the client (RFC 6749 §2.3, §3.2.1).
async fn read(
    oauth: &OAuth<'_>,
    mut req: Request,
) -> worker::Result<Result<TokenRequest, OAuthError>> {
    let content_type = req.headers().get("content-type")?.unwrap_or_default();
    if !content_type
        .to_ascii_lowercase()
        .starts_with("application/x-www-form-urlencoded")
    {
        return Ok(Err(OAuthError::invalid_request(
            "send the request as application/x-www-form-urlencoded",
        )));
    }
    let authorization = req.headers().get("authorization")?;
    let basic = match authorization.as_deref() {
        Some(header) if crate::auth::bearer::is_basic(header) => {
            match crate::auth::bearer::parse_basic(header) {
                Some(credentials) => Some(credentials),
                None => {
                    return Ok(Err(OAuthError::invalid_client(
                        "the Authorization header's Basic credentials do not decode: send base64 of client_id:client_secret, each form-urlencoded UTF-8 (RFC 6749 §2.3.1)",
                        true,
                    )))
                }
            }
        }
        _ => None,
    };
    let body = match read_text_limited(&mut req, MAX_FORM_BYTES).await? {
        Ok(body) => body,
        Err(Unread::TooLarge { .. }) => {
            return Ok(Err(OAuthError::new(
                413,
                "invalid_request",
                format!(
                    "the request body is larger than {} KiB",
                    MAX_FORM_BYTES / 1024
                ),
            )))
        }
        Err(Unread::Broken) => return Ok(Err(super::broken_body())),
    };
    let fields = Form::parse(&body);
    // `resource` may be given more than once (RFC 8707); nothing else may.
    if fields.repeats(|name| name != "resource") {
        return Ok(Err(OAuthError::invalid_request(
            "a parameter appears more than once",
        )));
    }
    let field = |name: &str| fields.get(name).map(str::to_owned);
    let (client_id, secret, via_basic) = match (basic, field("client_id")) {
        (Some(_), Some(_)) if field("client_secret").is_some() => {
            return Ok(Err(OAuthError::invalid_request(
                "use one client authentication method, not two",
            )))
        }
        // A form's client_id beside Basic credentials must name the same client: the
        // request may not say one client and authenticate as another (review 29).
        (Some((id, _)), Some(named)) if named != id => {
            return Ok(Err(OAuthError::invalid_request(
                "client_id names another client than the Basic credentials",
            )))
        }
        (Some((id, secret)), _) => (id, Some(secret), true),
        (None, Some(id)) => (id, field("client_secret"), false),
        (None, None) => {
            return Ok(Err(OAuthError::invalid_client(
                "client_id is required",
                false,
            )))
        }
    };
    let Some(client) = oauth.known_client(&client_id).await? else {
        return Ok(Err(OAuthError::invalid_client(
            "unknown client: register again",
            via_basic,
        )));
    };
    let authenticated = match (client.auth_method, &client.secret_hash, secret) {
        (AuthMethod::None, _, None) => true,
        // A public client has no secret: an empty one (Go's oauth2 sends `Basic id:`, and
        // forms send `client_secret=`) authenticates nothing and reads as none. PKCE still
        // binds the code to the client that asked for it.
        (AuthMethod::None, _, Some(secret)) => secret.is_empty(),
        (_, Some(hash), Some(secret)) => crypto::sha256_hex(&secret) == *hash,
        _ => false,
    };
    if !authenticated {
        return Ok(Err(OAuthError::invalid_client(
            "client authentication failed",
            via_basic,
        )));
    }
    Ok(Ok(TokenRequest { fields, client }))
}

pub async fn token(oauth: &OAuth<'_>, req: Request) -> worker::Result<Response> {
    match answer_token(oauth, req).await {
        Ok(Ok(response)) => Ok(response),
        Ok(Err(error)) => error.into_response(),
        Err(error) => storage_failed("/token", &error).into_response(),
    }
}

/// A failure of KV or the runtime: a 503 with an OAuth error body, and a log line (which
/// holds no token: storage sees only hashes).
fn storage_failed(endpoint: &str, error: &worker::Error) -> OAuthError {
    worker::console_error!("{endpoint} failed: {error}");
    OAuthError::new(
        503,
        "temporarily_unavailable",
        "Token storage could not be reached. Try again shortly.",
    )
}

async fn answer_token(
    oauth: &OAuth<'_>,
    req: Request,
) -> worker::Result<Result<Response, OAuthError>> {
    let request = match read(oauth, req).await? {
        Ok(request) => request,
        Err(error) => return Ok(Err(error)),
    };
    if let Some(why) = oauth.why_blocked(&request.client) {
        return Ok(Err(OAuthError::new(400, "unauthorized_client", why)));
    }
    match request.field("grant_type") {
        Some("authorization_code") => authorization_code(oauth, &request).await,
        Some("refresh_token") => refresh(oauth, &request).await,
        Some(other) => Ok(Err(OAuthError::new(
            400,
            "unsupported_grant_type",
            format!(
                "grant_type '{other}' is not supported; use authorization_code or refresh_token"
            ),
        ))),
        None => Ok(Err(OAuthError::invalid_request("grant_type is required"))),
    }
}

/// Each `resource` sent must name this server (RFC 8707).
fn check_resource(oauth: &OAuth<'_>, request: &TokenRequest) -> Result<(), OAuthError> {
    for resource in request.fields.all("resource") {
        if !names_this_server(resource, &oauth.origin) {
            return Err(OAuthError::new(
                400,
                "invalid_target",
                "resource must be this server (its origin, /mcp or /sse)",
            ));
        }
    }
    Ok(())
}

fn invalid_grant(why: &str) -> OAuthError {
    OAuthError::new(400, "invalid_grant", why)
}

/// The tokens of one answer, minted by the Worker.
struct Minted {
    access: String,
    refresh: String,
    access_expires_at: i64,
}

impl Minted {
    fn new(key: &[u8; 32], grant_id: &str, now: i64) -> Self {
        Minted {
            access: grant_protocol::mint(key, ACCESS_PREFIX, grant_id),
            refresh: grant_protocol::mint(key, REFRESH_PREFIX, grant_id),
            access_expires_at: now + ACCESS_TTL as i64,
        }
    }

    /// The hashes the grant's object keeps; the access token is for the server at `origin`.
    fn issue(&self, origin: &str) -> Issue {
        Issue {
            access_hash: crypto::sha256_hex(&self.access),
            refresh_hash: crypto::sha256_hex(&self.refresh),
            access_expires_at: self.access_expires_at,
            audience: grant_protocol::audience(origin),
        }
    }
}

/// A token pair, as sealed for the retry window.
#[derive(Serialize, Deserialize)]
struct Pair {
    access_token: String,
    refresh_token: String,
}

async fn authorization_code(
    oauth: &OAuth<'_>,
    request: &TokenRequest,
) -> worker::Result<Result<Response, OAuthError>> {
    let (code, verifier) = match (request.required("code"), request.required("code_verifier")) {
        (Ok(c), Ok(v)) => (c, v),
        (Err(e), _) | (_, Err(e)) => return Ok(Err(e)),
    };
    // Required when the authorization request gave one, which the grant knows.
    let redirect_uri = request.field("redirect_uri").filter(|r| !r.is_empty());
    if let Err(e) = check_resource(oauth, request) {
        return Ok(Err(e));
    }
    let Some(grant_id) = signed_grant(&oauth.keys.tokens, code, CODE_PREFIX) else {
        return Ok(Err(invalid_grant(
            "the authorization code is invalid or has expired; start the authorization again",
        )));
    };
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    let minted = Minted::new(&oauth.keys.tokens, grant_id, oauth.now);
    let redeem = GrantRequest::Redeem {
        code_hash: crypto::sha256_hex(code),
        client_id: request.client.client_id.clone(),
        redirect_uri: redirect_uri.map(str::to_string),
        verifier_s256: well_formed.then(|| crypto::pkce_s256(verifier)),
        issue: minted.issue(&oauth.origin),
        allowed: oauth.config.allowed_github_ids(),
    };
    match grant_protocol::call(&oauth.env, grant_id, &redeem).await {
        Err(error) => Ok(Err(error)),
        Ok(GrantAnswer::Issued {
            grant,
            redirect_uri,
        }) => {
            // The grant has accepted the code and its tokens: failing to extend a client kept
            // in KV must not lose them (the client's retry of the code would be a replay,
            // which revokes the grant). Logged; the client lives its 24 hours.
            if let Err(error) = oauth.store.keep_client(&request.client, oauth.now).await {
                worker::console_error!("could not extend a client kept in KV: {error}");
            }
            deliver(oauth, &grant, &redirect_uri, &minted)
        }
        Ok(other) => refusal(oauth, other).await,
    }
}

async fn refresh(
    oauth: &OAuth<'_>,
    request: &TokenRequest,
) -> worker::Result<Result<Response, OAuthError>> {
    let presented = match request.required("refresh_token") {
        Ok(token) => token,
        Err(e) => return Ok(Err(e)),
    };
    if let Err(e) = check_resource(oauth, request) {
        return Ok(Err(e));
    }
    let presented_hash = crypto::sha256_hex(presented);
    let (grant_id, unsigned) = match refresh_grant(oauth, presented, &presented_hash) {
        Ok(found) => found,
        Err(e) => return Ok(Err(e)),
    };
    let minted = Minted::new(&oauth.keys.tokens, grant_id, oauth.now);
    // Only someone holding the presented token (and the deployment's secret) can open it.
    let retry_key = crypto::derive_key(&oauth.refresh_retry_key, presented);
    let pair = Pair {
        access_token: minted.access.clone(),
        refresh_token: minted.refresh.clone(),
    };
    let rotate = GrantRequest::Refresh {
        refresh_hash: presented_hash,
        client_id: request.client.client_id.clone(),
        issue: minted.issue(&oauth.origin),
        sealed_answer: crypto::encrypt(&retry_key, &serde_json::to_string(&pair)?).await?,
        allowed: oauth.config.allowed_github_ids(),
    };
    match grant_protocol::call(&oauth.env, grant_id, &rotate).await {
        Err(error) => Ok(Err(error)),
        Ok(GrantAnswer::Issued {
            grant,
            redirect_uri,
        }) => deliver(oauth, &grant, &redirect_uri, &minted),
        Ok(GrantAnswer::Replayed {
            grant,
            access_hash,
            access_expires_at,
            sealed_answer,
            redirect_uri,
        }) => {
            let given = crypto::decrypt(&retry_key, &sealed_answer)
                .await
                .and_then(|json| serde_json::from_str::<Pair>(&json).ok())
                .filter(|pair| crypto::sha256_hex(&pair.access_token) == access_hash);
            let Some(given) = given else {
                worker::console_error!(
                    "a refresh retry of grant {grant_id} could not be answered: its sealed answer does not open (was COOKIE_ENCRYPTION_KEY changed?)"
                );
                return Ok(Err(invalid_grant(
                    "the refresh token was just used, and its answer cannot be repeated; sign in again",
                )));
            };
            let minted = Minted {
                access: given.access_token,
                refresh: given.refresh_token,
                access_expires_at,
            };
            deliver(oauth, &grant, &redirect_uri, &minted)
        }
        Ok(other) => {
            if matches!(other, GrantAnswer::Refused { .. }) {
                looked_up_in_vain(oauth, unsigned).await;
            }
            refusal(oauth, other).await
        }
    }
}

/// The grant a presented refresh token names. A signed one is ours ([`signed_grant`]). One
/// of the shape alone may have been minted before tokens were signed (and be valid for up
/// to 30 days from then), so its grant's object is asked, as a token this server may not
/// know: by the rules of unknown tokens at the MCP endpoints ([`unknown_tokens`]), an
/// address whose such tokens were refused too often is refused without asking (429), and
/// the returned lookup counts this one if it is refused too ([`looked_up_in_vain`]). A
/// token that refreshes costs its address nothing, so many clients behind one address all
/// refresh after an upgrade. `hash`: the token's SHA-256.
fn refresh_grant<'t>(
    oauth: &OAuth<'_>,
    token: &'t str,
    hash: &str,
) -> Result<(&'t str, Option<Lookup>), OAuthError> {
    if let Some(grant_id) = signed_grant(&oauth.keys.tokens, token, REFRESH_PREFIX) {
        return Ok((grant_id, None));
    }
    let Some(grant_id) = grant_of(token, REFRESH_PREFIX) else {
        return Err(invalid_grant("the refresh token is invalid or has expired"));
    };
    Ok((grant_id, Some(unsigned_lookup(oauth, hash)?)))
}

/// Starts the lookup of a token with the shape of ours but not our signature, whose
/// SHA-256 is `hash`.
fn unsigned_lookup(oauth: &OAuth<'_>, hash: &str) -> Result<Lookup, OAuthError> {
    unknown_tokens::start(&oauth.client_address, hash, crate::now_ms())
        .map_err(|not_now| OAuthError::rate_limited(RetryAfter(not_now.retry_after())))
}

/// Counts an unsigned token that storage did not know against its address.
async fn looked_up_in_vain(oauth: &OAuth<'_>, lookup: Option<Lookup>) {
    if let Some(lookup) = lookup {
        lookup.failed(&oauth.env, crate::now_ms()).await;
    }
}

/// A refusal from the grant (which may have revoked it: then none of its tokens works, and
/// the KV records of its tokens from before tokens named their grant are deleted).
async fn refusal(
    oauth: &OAuth<'_>,
    answer: GrantAnswer,
) -> worker::Result<Result<Response, OAuthError>> {
    match answer {
        GrantAnswer::Refused { reason } => Ok(Err(invalid_grant(&reason))),
        GrantAnswer::Revoked {
            reason,
            legacy_access,
        } => {
            oauth.store.delete_legacy_access(&legacy_access).await?;
            Ok(Err(invalid_grant(&reason)))
        }
        _ => {
            worker::console_error!("a grant object gave an answer that does not fit the request");
            Ok(Err(OAuthError::new(
                503,
                "temporarily_unavailable",
                "The authorization store gave an unexpected answer. Try again shortly.",
            )))
        }
    }
}

/// Answers with the token pair the grant's object accepted.
/// The tokens, unless the grant was made through a redirect URI on a host the operator has
/// blocked since (a metadata document may no longer list it): then they are not given.
fn deliver(
    oauth: &OAuth<'_>,
    grant: &GrantInfo,
    redirect_uri: &str,
    minted: &Minted,
) -> worker::Result<Result<Response, OAuthError>> {
    if let Some(why) = oauth.why_grant_blocked(&grant.client_id, redirect_uri) {
        return Ok(Err(OAuthError::new(400, "unauthorized_client", why)));
    }
    let mut body = json!({
        "access_token": minted.access,
        "token_type": "Bearer",
        "expires_in": minted.access_expires_at.saturating_sub(oauth.now).max(1),
        "refresh_token": minted.refresh,
    });
    if let (Some(scope), Some(fields)) = (&grant.scope, body.as_object_mut()) {
        fields.insert("scope".into(), json!(scope));
    }
    super::no_store_json(200, &body).map(Ok)
}

/// RFC 7009: revoking an access token ends that token; revoking a refresh token ends the
/// whole grant. The answer is 200 whether or not the token was known.
pub async fn revoke(oauth: &OAuth<'_>, req: Request) -> worker::Result<Response> {
    match answer_revoke(oauth, req).await {
        Ok(Ok(())) => super::no_store_json(200, &json!({})),
        Ok(Err(error)) => error.into_response(),
        Err(error) => storage_failed("/revoke", &error).into_response(),
    }
}

async fn answer_revoke(oauth: &OAuth<'_>, req: Request) -> worker::Result<Result<(), OAuthError>> {
    let request = match read(oauth, req).await? {
        Ok(request) => request,
        Err(error) => return Ok(Err(error)),
    };
    let token = match request.required("token") {
        Ok(token) => token,
        Err(error) => return Ok(Err(error)),
    };
    let hash = crypto::sha256_hex(token);
    let client_id = request.client.client_id.clone();
    let mut unsigned = None;
    let (grant_id, revoke) = if grant_of(token, REFRESH_PREFIX).is_some() {
        let grant_id = match refresh_grant(oauth, token, &hash) {
            Ok((grant_id, lookup)) => {
                unsigned = lookup;
                grant_id
            }
            Err(error) => return Ok(Err(error)),
        };
        let revoke = GrantRequest::Revoke {
            refresh_hash: hash,
            client_id,
        };
        (grant_id, revoke)
    } else if let Some(grant_id) = signed_grant(&oauth.keys.tokens, token, ACCESS_PREFIX) {
        let revoke = GrantRequest::RevokeAccess {
            access_hash: hash,
            client_id,
        };
        (grant_id, revoke)
    } else {
        // Perhaps an access token from before tokens named their grant (`mcpat_` and 43
        // characters); else not a token of ours (RFC 7009 §2.2: answered 200 all the same).
        if token.starts_with(ACCESS_PREFIX) && token.len() == ACCESS_PREFIX.len() + 43 {
            let lookup = match unsigned_lookup(oauth, &hash) {
                Ok(lookup) => lookup,
                Err(error) => return Ok(Err(error)),
            };
            if !oauth.store.revoke_legacy_access(&hash, &client_id).await? {
                looked_up_in_vain(oauth, Some(lookup)).await;
            }
        }
        return Ok(Ok(()));
    };
    // Refused (unknown, or another client's) or revoked: 200 either way.
    match grant_protocol::call(&oauth.env, grant_id, &revoke).await {
        Err(error) => Ok(Err(error)),
        Ok(GrantAnswer::Revoked { legacy_access, .. }) => {
            oauth.store.delete_legacy_access(&legacy_access).await?;
            Ok(Ok(()))
        }
        Ok(_) => {
            looked_up_in_vain(oauth, unsigned).await;
            Ok(Ok(()))
        }
    }
}
