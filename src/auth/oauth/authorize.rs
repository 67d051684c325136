//! `/authorize`: check the client and its redirect URI, ask the person for consent, then
//! send them to GitHub.
//!
//! Until the client and the exact redirect URI are known good, errors are pages shown to
//! the person and never redirects. After that, errors go back to the client only if the
//! person approved that client in this browser before; otherwise a page says what went
//! wrong, so a registered redirect URI cannot be used as an open redirector (RFC 9700
//! §4.11.2). The consent form carries a CSRF token (cookie and field) and the request
//! itself, signed so it cannot be altered; its POST must come from our own page
//! (`Sec-Fetch-Site`, and an `Origin` that is ours or the `null` of a page that withholds
//! its referrer). The upstream `state` is minted only after consent; the sign-in waits for
//! GitHub's answer in a sealed cookie for ten minutes ([`super::pending`]), so starting one
//! writes nothing to storage. A signed `__Host-` cookie
//! remembers approved clients ([`super::approved`]), so a returning client skips consent.

use serde::{Deserialize, Serialize};
use worker::{Request, Response};

use super::approved::{Approved, APPROVED_TTL_SECONDS};
use super::client::ClientRecord;
use super::metadata::names_this_server;
use super::pages::{self, Cookie};
use super::pending::{self, PendingSignIn, PENDING_TTL_SECONDS};
use super::{github_login, OAuth};
use crate::auth::crypto;
use crate::transport::body::{read_text_limited, Unread};

/// How long a consent form stays valid.
const CONSENT_TTL_SECONDS: i64 = 10 * 60;
/// The consent form is two hidden fields and a button; nothing legitimate is larger.
const MAX_CONSENT_FORM_BYTES: usize = 8 * 1024;

/// A validated authorization request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthRequest {
    pub client_id: String,
    pub redirect_uri: String,
    /// True when the authorization request gave no `redirect_uri` (the client's one
    /// registered URI was used): `/token` may then leave it out too (RFC 6749, 4.1.3).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub redirect_uri_omitted: bool,
    pub state: Option<String>,
    pub code_challenge: String,
    pub scope: Option<String>,
    /// Seconds since the epoch after which the consent form is stale.
    pub expires_at: i64,
}

pub async fn get(oauth: &OAuth<'_>, req: &Request) -> worker::Result<Response> {
    let url = req.url()?;
    let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let approved = approved_clients(oauth, req);
    let (request, client) = match validate(oauth, &query, &approved).await? {
        Ok(valid) => valid,
        Err(response) => return Ok(response),
    };
    if approved.contains(&request.client_id) {
        return start_github(oauth, &request, None).await;
    }
    consent_page(oauth, &client, &request)
}

pub async fn post(oauth: &OAuth<'_>, mut req: Request) -> worker::Result<Response> {
    let from_elsewhere = req
        .headers()
        .get("sec-fetch-site")?
        .is_some_and(|site| !site.eq_ignore_ascii_case("same-origin"));
    if from_elsewhere {
        return pages::error(
            403,
            "This consent form was not sent from this server's own page",
            "Go back to the application and start signing in again.",
        );
    }
    let body = match read_text_limited(&mut req, MAX_CONSENT_FORM_BYTES).await? {
        Ok(body) => body,
        Err(Unread::TooLarge { .. }) => {
            return pages::error(
                413,
                "This consent form is far larger than the one this server shows",
                "Go back to the application and start signing in again.",
            )
        }
        Err(Unread::Broken) => {
            return pages::error(
                400,
                "This consent form arrived incomplete",
                "Go back to the application and start signing in again.",
            )
        }
    };
    let form = pages::Form::parse(&body);
    // Each field once: `decision=approve&decision=deny` is no answer (review 29).
    if form.repeats(|name| ["csrf", "request", "decision"].contains(&name)) {
        return pages::error(
            400,
            "This consent form gave a field twice",
            "Go back to the application and start signing in again.",
        );
    }
    let field = |name: &str| form.get(name);
    let csrf_cookie = pages::cookie(&req, pages::CSRF_COOKIE);
    if csrf_cookie.is_none() || csrf_cookie.as_deref() != field("csrf") {
        return pages::error(
            403,
            "This consent form has expired or did not come from this server",
            "Go back to the application and start signing in again.",
        );
    }
    let request: Option<AuthRequest> = field("request")
        .and_then(|signed| crypto::unsign(&oauth.keys.consent, signed))
        .and_then(|json| serde_json::from_str(&json).ok())
        .filter(|r: &AuthRequest| r.expires_at >= oauth.now);
    let Some(request) = request else {
        return pages::error(
            400,
            "This consent form is invalid or has expired",
            "Go back to the application and start signing in again.",
        );
    };
    // The client or its redirect URIs may have changed since the form was shown.
    let client = oauth.client(&request.client_id).await?;
    if let Some(why) = client.as_ref().and_then(|c| oauth.why_blocked(c)) {
        return pages::blocked(&why);
    }
    let still_valid = client.is_some_and(|c| c.redirect_matches(&request.redirect_uri));
    if !still_valid {
        return pages::error(
            400,
            "This application is no longer registered with this redirect URI",
            "Go back to the application and start again.",
        );
    }
    if field("decision") != Some("approve") {
        return pages::redirect_to_client(
            &request.redirect_uri,
            &[
                ("error", "access_denied"),
                ("error_description", "The user denied access"),
            ],
            request.state.as_deref(),
            &oauth.origin,
            &[],
        );
    }
    let approved = approved_clients(oauth, &req).with(&request.client_id, oauth.now);
    let approved_cookie = Cookie {
        name: pages::APPROVED_COOKIE,
        value: approved.to_cookie_value(&oauth.keys.cookie),
        max_age: APPROVED_TTL_SECONDS,
    };
    start_github(oauth, &request, Some(approved_cookie)).await
}

/// Checks the request: first the client and redirect URI (errors are pages), then the
/// rest (errors go back to the client's redirect URI).
async fn validate(
    oauth: &OAuth<'_>,
    query: &[(String, String)],
    approved: &Approved,
) -> worker::Result<Result<(AuthRequest, ClientRecord), Response>> {
    let one = |name: &str| -> Result<Option<&str>, ()> {
        let mut values = query
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str());
        let first = values.next();
        if values.next().is_some() {
            Err(())
        } else {
            Ok(first)
        }
    };
    let page = |title: &str, hint: &str| pages::error(400, title, hint).map(Err);
    let Ok(Some(client_id)) = one("client_id") else {
        return page(
            "The sign-in request has no client_id (or has it twice)",
            "The application that sent you here is misbehaving; tell its developers.",
        );
    };
    let Some(client) = oauth.client(client_id).await? else {
        return page(
            "This application is not registered with this server",
            "It may have been registered with a server that was reset. Remove its saved credentials (for mcp-remote: ~/.mcp-auth) and connect again.",
        );
    };
    if let Some(why) = oauth.why_blocked(&client) {
        return pages::blocked(&why).map(Err);
    }
    let (redirect_uri, redirect_uri_omitted) =
        match (one("redirect_uri"), client.redirect_uris.as_slice()) {
            (Ok(Some(uri)), _) => (uri.to_string(), false),
            (Ok(None), [only]) => (only.clone(), true),
            _ => {
                return page(
                    "The sign-in request has no single redirect_uri",
                    "The application must say where to return.",
                )
            }
        };
    if !client.redirect_matches(&redirect_uri) {
        return page(
            "The redirect URI is not registered for this application",
            "For your safety you are not being sent there. The application must register this redirect URI first.",
        );
    }
    let state = one("state").ok().flatten().map(str::to_string);
    let trusted = approved.contains(&client.client_id);
    let back = |error: &str, description: &str| {
        if !trusted {
            return pages::error(
                400,
                &format!("This sign-in request is invalid: {description} ({error})"),
                "You have not approved this application in this browser, so you are not being sent back to it. Tell its developers.",
            )
            .map(Err);
        }
        pages::redirect_to_client(
            &redirect_uri,
            &[("error", error), ("error_description", description)],
            state.as_deref(),
            &oauth.origin,
            &[],
        )
        .map(Err)
    };
    // RFC 6749, 3.1: no parameter twice. A second state would be dropped, and the client's
    // own check of it fail with no word why.
    if one("state").is_err() || one("scope").is_err() {
        return back("invalid_request", "state and scope may each be given once");
    }
    if one("response_type") != Ok(Some("code")) {
        return back("unsupported_response_type", "response_type must be code");
    }
    let challenge = match (one("code_challenge"), one("code_challenge_method")) {
        (Ok(Some(c)), Ok(Some("S256")))
            if c.len() == 43
                && c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            c.to_string()
        }
        (Ok(Some(_)), Ok(Some("S256"))) => {
            return back(
                "invalid_request",
                "code_challenge must be a base64url SHA-256 (43 characters)",
            )
        }
        (Ok(Some(_)), _) => return back("invalid_request", "code_challenge_method must be S256"),
        _ => {
            return back(
                "invalid_request",
                "PKCE is required: send code_challenge with code_challenge_method=S256",
            )
        }
    };
    for (_, resource) in query.iter().filter(|(k, _)| k == "resource") {
        if !names_this_server(resource, &oauth.origin) {
            return back(
                "invalid_target",
                "resource must be this server (its origin, /mcp or /sse)",
            );
        }
    }
    let scope = one("scope").ok().flatten();
    let carried = pending::request_bytes(&client.client_id, &redirect_uri, state.as_deref(), scope);
    if carried > pending::MAX_REQUEST_BYTES {
        let description = format!(
            "client_id, redirect_uri, state and scope take {carried} bytes together, over the {} this server allows: it keeps a sign-in in a browser cookie",
            pending::MAX_REQUEST_BYTES
        );
        return back("invalid_request", &description);
    }
    let request = AuthRequest {
        client_id: client.client_id.clone(),
        redirect_uri,
        redirect_uri_omitted,
        state,
        code_challenge: challenge,
        scope: scope.map(str::to_string),
        expires_at: oauth.now + CONSENT_TTL_SECONDS,
    };
    Ok(Ok((request, client)))
}

/// The clients this browser approved before, from the signed cookie.
fn approved_clients(oauth: &OAuth<'_>, req: &Request) -> Approved {
    let cookie = pages::cookie(req, pages::APPROVED_COOKIE);
    Approved::read(&oauth.keys.cookie, cookie.as_deref(), oauth.now)
}

fn consent_page(
    oauth: &OAuth<'_>,
    client: &ClientRecord,
    request: &AuthRequest,
) -> worker::Result<Response> {
    let csrf = crypto::random_token("");
    let signed = crypto::sign(&oauth.keys.consent, &serde_json::to_string(request)?);
    let html = pages::consent(
        client,
        &request.redirect_uri,
        &oauth.github_scopes(),
        &signed,
        &csrf,
    );
    pages::html(
        200,
        &html,
        &[Cookie {
            name: pages::CSRF_COOKIE,
            value: csrf,
            max_age: CONSENT_TTL_SECONDS,
        }],
        &pages::consent_form_action(&oauth.github_web_url, &request.redirect_uri),
    )
}

/// Mints the upstream state, seals the sign-in into this browser's login cookie, and sends
/// the person to GitHub.
async fn start_github(
    oauth: &OAuth<'_>,
    request: &AuthRequest,
    approved: Option<Cookie>,
) -> worker::Result<Response> {
    let upstream_state = crypto::random_token("");
    let (github_url, verifier) = github_login::authorize_url(oauth, &upstream_state)?;
    let pending = PendingSignIn {
        upstream_state,
        expires_at: oauth.now + PENDING_TTL_SECONDS,
        client_id: request.client_id.clone(),
        redirect_uri: request.redirect_uri.clone(),
        redirect_uri_omitted: request.redirect_uri_omitted,
        client_state: request.state.clone(),
        code_challenge: request.code_challenge.clone(),
        scope: request.scope.clone(),
        github_verifier: verifier,
    };
    let Some(sealed) = pending::seal(&oauth.keys.login, &pending).await? else {
        return pages::error(
            400,
            "This sign-in request is too long to finish",
            "Go back to the application and start signing in again.",
        );
    };
    let mut cookies = vec![Cookie {
        name: pages::LOGIN_COOKIE,
        value: sealed,
        max_age: PENDING_TTL_SECONDS,
    }];
    cookies.extend(approved);
    pages::redirect(&github_url, &cookies)
}
