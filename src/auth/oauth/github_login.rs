//! Signing in with GitHub, through the `oauth2` crate: the redirect to GitHub (with PKCE),
//! and `/callback`, which checks the state and the browser, exchanges the code, learns who
//! signed in, applies `ALLOWED_GITHUB_USERS` (by numeric id), creates the grant's Durable
//! Object, and answers the client with our own code, which names that grant.

use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse, TokenUrl,
};
use serde::Deserialize;
use worker::{Fetch, Headers, Method, Request, RequestRedirect, Response};

use super::grant_protocol::{self, GrantAnswer, GrantInfo, GrantRequest, CODE_PREFIX};
use super::pages::{self, Cookie};
use super::pending;
use super::store::CODE_TTL;
use super::OAuth;
use crate::auth::caller::Secret;
use crate::auth::crypto;
use crate::github::fetch::FetchClient;
use crate::github::turns::Turns;
use crate::github::GitHub;

fn misconfigured(what: &str) -> worker::Error {
    worker::Error::RustError(format!("GitHub sign-in is misconfigured: {what}"))
}

/// The URL that sends the person to GitHub, and the PKCE verifier to keep for the callback.
pub fn authorize_url(oauth: &OAuth<'_>, state: &str) -> worker::Result<(String, String)> {
    let web = &oauth.github_web_url;
    let client = BasicClient::new(ClientId::new(oauth.github_client_id.to_string()))
        .set_auth_uri(
            AuthUrl::new(format!("{web}/login/oauth/authorize"))
                .map_err(|_| misconfigured("GITHUB_WEB_URL"))?,
        )
        .set_redirect_uri(
            RedirectUrl::new(format!("{}/callback", oauth.origin))
                .map_err(|_| misconfigured("the callback URL"))?,
        );
    // 32 bytes from the platform's generator, base64url (43 characters), as the crate's own
    // `new_random_sha256` makes it; drawing them here keeps its `rand` generator out of the
    // bundle.
    let verifier = PkceCodeVerifier::new(crypto::random_token(""));
    let challenge = PkceCodeChallenge::from_code_verifier_sha256(&verifier);
    let state = state.to_string();
    let mut request = client
        .authorize_url(move || CsrfToken::new(state))
        .set_pkce_challenge(challenge);
    for scope in oauth
        .github_scopes()
        .split([' ', ','])
        .filter(|s| !s.is_empty())
    {
        request = request.add_scope(Scope::new(scope.to_string()));
    }
    let (url, _) = request.url();
    Ok((url.to_string(), verifier.secret().to_string()))
}

/// What GitHub's `GET /user` tells us.
#[derive(Deserialize)]
struct GitHubUser {
    id: u64,
    login: String,
}

pub async fn callback(oauth: &OAuth<'_>, req: &Request) -> worker::Result<Response> {
    let url = req.url()?;
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let Some(state) = param("state") else {
        return pages::error(
            400,
            "GitHub returned without a state",
            "Start signing in again from the application.",
        );
    };
    // Our states are `crypto::random_token("")`s. Any other text was never issued, and is
    // refused before the login cookie is opened.
    if !crypto::is_random_token(&state) {
        return pages::error(
            400,
            "This sign-in link was not made by this server",
            "Start signing in again from the application.",
        );
    }
    let clear_login = Cookie {
        name: pages::LOGIN_COOKIE,
        value: String::new(),
        max_age: 0,
    };
    let cookie = pages::cookie(req, pages::LOGIN_COOKIE);
    let pending = match cookie {
        Some(cookie) => pending::open(&oauth.keys.login, &cookie, &state, oauth.now).await,
        None => None,
    };
    let Some(pending) = pending else {
        return pages::error(
            400,
            "This sign-in has expired, was already used, or was started in another browser",
            "Sign-ins must finish within ten minutes, in the browser that started them. Start again from the application.",
        );
    };
    // Blocked since the sign-in started: no one is sent back to the client, and its GitHub
    // code is not exchanged.
    if let Some(why) = oauth.why_grant_blocked(&pending.client_id, &pending.redirect_uri) {
        return pages::blocked(&why);
    }
    let back = |params: &[(&str, &str)]| {
        pages::redirect_to_client(
            &pending.redirect_uri,
            params,
            pending.client_state.as_deref(),
            &oauth.origin,
            std::slice::from_ref(&clear_login),
        )
    };
    if let Some(error) = param("error") {
        let description = format!(
            "GitHub sign-in failed: {}",
            mcp_core::jsonrpc::echoed(&error)
        );
        return back(&[
            ("error", "access_denied"),
            ("error_description", &description),
        ]);
    }
    let Some(code) = param("code") else {
        return pages::error(
            400,
            "GitHub returned without a code",
            "Start signing in again from the application.",
        );
    };
    let github_token = match exchange_code(oauth, &code, &pending.github_verifier).await {
        Ok(token) => token,
        Err(failure) => {
            worker::console_error!("GitHub code exchange failed: {}", failure.why);
            return back(&[
                ("error", "server_error"),
                ("error_description", failure.description()),
            ]);
        }
    };
    let user = match github_user(oauth, &github_token).await {
        Ok(user) => user,
        Err(why) => {
            worker::console_error!("GitHub /user failed: {why}");
            return back(&[
                ("error", "server_error"),
                (
                    "error_description",
                    "Could not read your GitHub profile; try again",
                ),
            ]);
        }
    };
    if !oauth.user_allowed(user.id) {
        return pages::error(
            403,
            &format!("GitHub user {} is not allowed on this server", user.login),
            &format!(
                "This server is private. Ask its operator to add your GitHub id, {}, to ALLOWED_GITHUB_USERS.",
                user.id
            ),
        );
    }
    let grant_id = pending.grant_id(&oauth.keys.login);
    let code = grant_protocol::mint(&oauth.keys.tokens, CODE_PREFIX, &grant_id);
    let create = GrantRequest::Create {
        grant: GrantInfo {
            client_id: pending.client_id.clone(),
            github_user_id: user.id,
            github_login: user.login,
            scope: pending.scope.clone(),
            github_token: crypto::encrypt(&oauth.keys.upstream, &github_token).await?,
            created_at: oauth.now,
        },
        code_hash: crypto::sha256_hex(&code),
        redirect_uri: pending.redirect_uri.clone(),
        redirect_uri_omitted: pending.redirect_uri_omitted,
        code_challenge: pending.code_challenge.clone(),
        code_expires_at: oauth.now + CODE_TTL as i64,
        sign_in_expires_at: pending.expires_at,
    };
    match grant_protocol::call(&oauth.env, &grant_id, &create).await {
        Ok(GrantAnswer::Created) => back(&[("code", &code)]),
        // This sign-in created its grant already (its cookie was copied and used again), or
        // it ended while GitHub answered.
        Ok(GrantAnswer::Refused { .. }) => pages::error(
            400,
            "This sign-in was already used or has expired",
            "Sign-ins must finish within ten minutes. Start again from the application.",
        ),
        _ => back(&[
            ("error", "temporarily_unavailable"),
            (
                "error_description",
                "The sign-in could not be stored; try again",
            ),
        ]),
    }
}

/// A failed code exchange: what the log says, and whether GitHub blamed the server's OAuth
/// App settings (the operator's to fix) rather than this sign-in.
struct ExchangeFailure {
    why: String,
    settings: bool,
}

impl ExchangeFailure {
    fn other(why: String) -> ExchangeFailure {
        ExchangeFailure {
            why,
            settings: false,
        }
    }

    /// What the person is told: a fault of the OAuth App's settings is not something to try
    /// again.
    fn description(&self) -> &'static str {
        match self.settings {
            true => "GitHub refused this server's OAuth App settings; its operator must fix them (see the server's log)",
            false => "GitHub did not accept the sign-in; try again",
        }
    }
}

async fn exchange_code(
    oauth: &OAuth<'_>,
    code: &str,
    verifier: &str,
) -> Result<String, ExchangeFailure> {
    let web = &oauth.github_web_url;
    let url_error = |e: oauth2::url::ParseError| ExchangeFailure::other(e.to_string());
    let client = BasicClient::new(ClientId::new(oauth.github_client_id.to_string()))
        .set_client_secret(ClientSecret::new(oauth.github_client_secret.to_string()))
        .set_token_uri(TokenUrl::new(format!("{web}/login/oauth/access_token")).map_err(url_error)?)
        .set_redirect_uri(
            RedirectUrl::new(format!("{}/callback", oauth.origin)).map_err(url_error)?,
        );
    let token = client
        .exchange_code(AuthorizationCode::new(code.to_string()))
        .set_pkce_verifier(PkceCodeVerifier::new(verifier.to_string()))
        .request_async(&http_client)
        .await
        .map_err(|e| exchange_error(&e))?;
    Ok(token.access_token().secret().to_string())
}

/// A failed code exchange as the log tells it: GitHub's refusal when it sent one, the error
/// otherwise, on one line.
fn exchange_error<RE: std::error::Error + 'static>(
    e: &oauth2::RequestTokenError<RE, oauth2::basic::BasicErrorResponse>,
) -> ExchangeFailure {
    match e {
        // GitHub reports errors with status 200, which oauth2 sees as a parse failure: its
        // `error` and `error_description` say what went wrong (never a token).
        oauth2::RequestTokenError::Parse(_, body) => github_refusal(body),
        // A 4xx refusal (a GitHub Enterprise or a proxy in front of it), which oauth2 would
        // print whole: its description cut and escaped the same way.
        oauth2::RequestTokenError::ServerResponse(answer) => serde_json::to_vec(answer)
            .ok()
            .and_then(|body| github_refusal(&body)),
        _ => None,
    }
    .unwrap_or_else(|| ExchangeFailure::other(mcp_core::jsonrpc::escape_unseen(&e.to_string())))
}

/// GitHub's answer to a refused code exchange (`{"error": …, "error_description": …}`), as
/// text for the operator; `None` for anything else. Only those two fields are read, and
/// each is shortened, so nothing else of the answer is logged.
fn github_refusal(body: &[u8]) -> Option<ExchangeFailure> {
    #[derive(serde::Deserialize)]
    struct Refusal {
        error: String,
        #[serde(default)]
        error_description: String,
    }
    let refusal: Refusal = serde_json::from_slice(body).ok()?;
    let error = mcp_core::jsonrpc::echoed_line(&refusal.error);
    let description = mcp_core::jsonrpc::echoed_line(&refusal.error_description);
    let fix = match refusal.error.as_str() {
        "incorrect_client_credentials" => Some(" Check the secrets GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET against the GitHub OAuth App (npx wrangler secret put NAME)."),
        "redirect_uri_mismatch" => Some(" The GitHub OAuth App's authorization callback URL must be this server's /callback."),
        _ => None,
    };
    Some(ExchangeFailure {
        why: format!(
            "GitHub refused the code exchange: {error} ({description}).{}",
            fix.unwrap_or_default()
        ),
        settings: fix.is_some(),
    })
}

/// Who signed in: `GET /user` through the same GitHub client the tools use (its headers,
/// upstream timeout and error messages).
async fn github_user(oauth: &OAuth<'_>, token: &str) -> Result<GitHubUser, String> {
    let token = Secret::new(token);
    let turns = Turns::of("sign-in");
    let fetch = FetchClient { turns: &turns };
    let github = GitHub::new(
        &oauth.github_api_url,
        &oauth.github_web_url,
        Some(&token),
        &fetch,
    );
    let user = github
        .get_json("/user", "your GitHub profile")
        .await
        .map_err(|e| e.to_string())?;
    serde_json::from_value(user).map_err(|e| format!("unexpected /user answer: {e}"))
}

/// The `oauth2` crate's HTTP client, over `fetch`, never following redirects.
async fn http_client(request: oauth2::HttpRequest) -> Result<oauth2::HttpResponse, worker::Error> {
    let headers = Headers::new();
    for (name, value) in request.headers() {
        headers.set(name.as_str(), value.to_str().unwrap_or_default())?;
    }
    let body = (!request.body().is_empty())
        .then(|| worker::js_sys::Uint8Array::from(request.body().as_slice()).into());
    let outgoing = crate::github::fetch::outgoing(
        &request.uri().to_string(),
        Method::from(request.method().to_string()),
        &headers,
        body,
        RequestRedirect::Manual,
    )?;
    let mut response = Fetch::Request(outgoing).send().await?;
    let mut builder = oauth2::http::Response::builder().status(response.status_code());
    for (name, value) in response.headers().entries() {
        builder = builder.header(name, value);
    }
    builder
        .body(response.bytes().await?)
        .map_err(|e| worker::Error::RustError(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_code_exchange_says_what_github_said_and_what_to_fix() {
        let body = br#"{"error":"incorrect_client_credentials","error_description":"The client_id and/or client_secret passed are incorrect.","error_uri":"https://docs.github.com"}"#;
        let failure = github_refusal(body).unwrap();
        let why = &failure.why;
        assert!(why.contains("incorrect_client_credentials"), "{why}");
        assert!(why.contains("GITHUB_CLIENT_SECRET"), "{why}");
        assert!(failure.description().contains("operator"));
        let mismatch = github_refusal(br#"{"error":"redirect_uri_mismatch"}"#).unwrap();
        assert!(mismatch.description().contains("operator"));
        let code = github_refusal(br#"{"error":"bad_verification_code"}"#).unwrap();
        assert!(code.description().contains("try again"));
        // Named in a description, not as the error: not the settings' fault.
        let named = github_refusal(
            br#"{"error":"bad_verification_code","error_description":"not incorrect_client_credentials"}"#,
        )
        .unwrap();
        assert!(named.description().contains("try again"));
        // A body that is not GitHub's refusal (a token answer oauth2 could not read) is not
        // quoted.
        assert!(github_refusal(br#"{"access_token":"gho_x"}"#).is_none());
        assert!(github_refusal(b"<html>").is_none());
    }

    #[test]
    fn a_refusal_with_an_error_status_is_cut_and_kept_on_one_line() {
        use oauth2::basic::{BasicErrorResponse, BasicErrorResponseType};
        let description = format!(
            "bad\n{{\"level\":\"info\",\"msg\":\"forged\"}}{}",
            "x".repeat(5000)
        );
        let answer = BasicErrorResponse::new(
            BasicErrorResponseType::InvalidClient,
            Some(description),
            None,
        );
        let e = oauth2::RequestTokenError::<std::io::Error, _>::ServerResponse(answer);
        let why = exchange_error(&e).why;
        assert!(
            why.starts_with("GitHub refused the code exchange: invalid_client"),
            "{why}"
        );
        assert!(!why.contains('\n') && why.len() < 400, "{why}");
        let other = oauth2::RequestTokenError::<std::io::Error, BasicErrorResponse>::Other(
            "line\nbreak".into(),
        );
        assert!(!exchange_error(&other).why.contains('\n'));
    }
}
