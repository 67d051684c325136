//! `/token` (RFC 6749, OAuth 2.1) and `/revoke` (RFC 7009).
//!
//! - authorization_code: PKCE S256 is required, the redirect URI must match, and a code
//!   is single-use: a replayed code revokes the grant it made.
//! - refresh_token: every use rotates the token, and presenting an old one (a sign that
//!   it leaked) revokes the grant.
//!
//! Our tokens are opaque and random; KV keeps only their SHA-256, with TTLs.

use serde_json::json;
use worker::{Request, Response};

use super::client::{AuthMethod, ClientRecord};
use super::metadata::names_this_server;
use super::store::{
    AccessRecord, CodeRecord, Grant, RefreshRecord, ACCESS_TTL, CODE_TTL, REFRESH_TTL,
};
use super::{OAuth, OAuthError};
use crate::auth::crypto;
use crate::transport::body::read_text_limited;

/// The largest token or revocation request read.
const MAX_FORM_BYTES: usize = 16 * 1024;

/// A parsed token or revocation request: its form fields, and the authenticated client.
struct TokenRequest {
    fields: Vec<(String, String)>,
    client: ClientRecord,
}

impl TokenRequest {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
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
    let basic = req
        .headers()
        .get("authorization")?
        .and_then(|h| crate::auth::bearer::parse_basic(&h));
    let Ok(body) = read_text_limited(&mut req, MAX_FORM_BYTES).await? else {
        return Ok(Err(OAuthError::new(
            413,
            "invalid_request",
            format!(
                "the request body is larger than {} KiB",
                MAX_FORM_BYTES / 1024
            ),
        )));
    };
    let fields = super::pages::form_fields(&body);
    let mut names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    if names
        .windows(2)
        .any(|w| matches!(w, [a, b] if a == b && *a != "resource"))
    {
        return Ok(Err(OAuthError::invalid_request(
            "a parameter appears more than once",
        )));
    }
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let (client_id, secret, via_basic) = match (basic, field("client_id")) {
        (Some(_), Some(_)) if field("client_secret").is_some() => {
            return Ok(Err(OAuthError::invalid_request(
                "use one client authentication method, not two",
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
    let Some(client) = oauth.client(&client_id).await? else {
        return Ok(Err(OAuthError::invalid_client(
            "unknown client: register again",
            via_basic,
        )));
    };
    let authenticated = match (client.auth_method, &client.secret_hash, secret) {
        (AuthMethod::None, _, None) => true,
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
    let request = match read(oauth, req).await? {
        Ok(request) => request,
        Err(error) => return error.into_response(),
    };
    let outcome = match request.field("grant_type") {
        Some("authorization_code") => authorization_code(oauth, &request).await?,
        Some("refresh_token") => refresh(oauth, &request).await?,
        Some(other) => Err(OAuthError::new(
            400,
            "unsupported_grant_type",
            format!(
                "grant_type '{other}' is not supported; use authorization_code or refresh_token"
            ),
        )),
        None => Err(OAuthError::invalid_request("grant_type is required")),
    };
    match outcome {
        Ok(response) => Ok(response),
        Err(error) => error.into_response(),
    }
}

/// Each `resource` sent must name this server (RFC 8707).
fn check_resource(oauth: &OAuth<'_>, request: &TokenRequest) -> Result<(), OAuthError> {
    for (_, resource) in request.fields.iter().filter(|(k, _)| k == "resource") {
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

async fn authorization_code(
    oauth: &OAuth<'_>,
    request: &TokenRequest,
) -> worker::Result<Result<Response, OAuthError>> {
    let invalid = |why: &str| Ok(Err(OAuthError::new(400, "invalid_grant", why)));
    let (code, verifier, redirect_uri) = match (
        request.required("code"),
        request.required("code_verifier"),
        request.required("redirect_uri"),
    ) {
        (Ok(c), Ok(v), Ok(r)) => (c, v, r),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return Ok(Err(e)),
    };
    if let Err(e) = check_resource(oauth, request) {
        return Ok(Err(e));
    }
    let key = format!("code:{}", crypto::sha256_hex(code));
    let Some(mut record) = oauth.store.get::<CodeRecord>(&key).await? else {
        return invalid("the authorization code is invalid or has expired");
    };
    if record.used {
        // RFC 6749 §4.1.2: a replayed code revokes what it granted.
        oauth.store.revoke_grant(&record.grant_id).await?;
        return invalid("the authorization code was already used; its tokens have been revoked");
    }
    record.used = true;
    oauth.store.put(&key, &record, CODE_TTL).await?;
    if record.client_id != request.client.client_id {
        return invalid("the authorization code was issued to another client");
    }
    if record.redirect_uri != redirect_uri {
        return invalid("redirect_uri does not match the authorization request");
    }
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    if !well_formed || crypto::pkce_s256(verifier) != record.code_challenge {
        return invalid("the PKCE code_verifier does not match the code_challenge");
    }
    let Some(grant) = oauth.store.grant(&record.grant_id).await? else {
        return invalid("the authorization has been revoked");
    };
    issue(oauth, grant).await.map(Ok)
}

async fn refresh(
    oauth: &OAuth<'_>,
    request: &TokenRequest,
) -> worker::Result<Result<Response, OAuthError>> {
    let invalid = |why: &str| Ok(Err(OAuthError::new(400, "invalid_grant", why)));
    let presented = match request.required("refresh_token") {
        Ok(token) => token,
        Err(e) => return Ok(Err(e)),
    };
    if let Err(e) = check_resource(oauth, request) {
        return Ok(Err(e));
    }
    let hash = crypto::sha256_hex(presented);
    let Some(record) = oauth
        .store
        .get::<RefreshRecord>(&format!("refresh:{hash}"))
        .await?
    else {
        return invalid("the refresh token is invalid or has expired");
    };
    let Some(grant) = oauth.store.grant(&record.grant_id).await? else {
        return invalid("the authorization has been revoked; sign in again");
    };
    if grant.client_id != request.client.client_id {
        return invalid("the refresh token was issued to another client");
    }
    if grant.refresh_hash.as_deref() != Some(hash.as_str()) {
        // An already-rotated token came back: someone else may hold it. Revoke everything.
        oauth.store.revoke_grant(&grant.id).await?;
        return invalid(
            "the refresh token was already used; its authorization has been revoked, sign in again",
        );
    }
    issue(oauth, grant).await.map(Ok)
}

/// Issues an access token and a fresh refresh token under `grant`, rotating the old one.
async fn issue(oauth: &OAuth<'_>, mut grant: Grant) -> worker::Result<Response> {
    let access = crypto::random_token("mcpat_");
    let refresh = crypto::random_token("mcprt_");
    let record = AccessRecord {
        grant_id: grant.id.clone(),
        client_id: grant.client_id.clone(),
        audience: oauth.origin.clone(),
        expires_at: oauth.now + ACCESS_TTL as i64,
    };
    oauth
        .store
        .put(
            &format!("access:{}", crypto::sha256_hex(&access)),
            &record,
            ACCESS_TTL,
        )
        .await?;
    let refresh_hash = crypto::sha256_hex(&refresh);
    oauth
        .store
        .put(
            &format!("refresh:{refresh_hash}"),
            &RefreshRecord {
                grant_id: grant.id.clone(),
            },
            REFRESH_TTL,
        )
        .await?;
    grant.refresh_hash = Some(refresh_hash);
    oauth.store.put_grant(&grant).await?;
    let mut body = serde_json::Map::new();
    body.insert("access_token".into(), json!(access));
    body.insert("token_type".into(), json!("Bearer"));
    body.insert("expires_in".into(), json!(ACCESS_TTL));
    body.insert("refresh_token".into(), json!(refresh));
    if let Some(scope) = &grant.scope {
        body.insert("scope".into(), json!(scope));
    }
    super::no_store_json(200, &serde_json::Value::Object(body))
}

/// RFC 7009: revoking an access token ends that token; revoking a refresh token ends the
/// whole grant. The answer is 200 whether or not the token was known.
pub async fn revoke(oauth: &OAuth<'_>, req: Request) -> worker::Result<Response> {
    let request = match read(oauth, req).await? {
        Ok(request) => request,
        Err(error) => return error.into_response(),
    };
    let token = match request.required("token") {
        Ok(token) => token,
        Err(error) => return error.into_response(),
    };
    let hash = crypto::sha256_hex(token);
    let client_id = &request.client.client_id;
    if let Some(access) = oauth
        .store
        .get::<AccessRecord>(&format!("access:{hash}"))
        .await?
    {
        if &access.client_id == client_id {
            oauth.store.delete(&format!("access:{hash}")).await?;
        }
    } else if let Some(refresh) = oauth
        .store
        .get::<RefreshRecord>(&format!("refresh:{hash}"))
        .await?
    {
        if oauth
            .store
            .grant(&refresh.grant_id)
            .await?
            .is_some_and(|g| &g.client_id == client_id)
        {
            oauth.store.revoke_grant(&refresh.grant_id).await?;
        }
    }
    super::no_store_json(200, &json!({}))
}
