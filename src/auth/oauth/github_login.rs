//! Signing in with GitHub's OAuth web flow: the redirect to GitHub (with PKCE),
//! and `/callback`, which checks the state and the browser, exchanges the code, learns who
//! signed in, applies `ALLOWED_GITHUB_USERS` (by numeric id), creates the grant's Durable
//! Object, and answers the client with our own code, which names that grant.

use serde::Deserialize;
use url::form_urlencoded;
use worker::{Fetch, Headers, Method, Request, RequestRedirect, Response};

use super::grant_protocol::{self, GrantAnswer, GrantInfo, GrantRequest, CODE_PREFIX};
use super::pages::{self, Cookie};
use super::store::{PendingSignIn, CODE_TTL};
use super::OAuth;
use crate::auth::caller::Secret;
use crate::auth::crypto;
use crate::github::fetch::FetchClient;
use crate::github::GitHub;

/// The URL that sends the person to GitHub, and the PKCE verifier to keep for the callback.
pub fn authorize_url(oauth: &OAuth<'_>, state: &str) -> worker::Result<(String, String)> {
    // 256 random bits, base64url: a verifier of 43 characters (RFC 7636 §4.1).
    let verifier = crypto::random_token("");
    let url = github_authorize_url(
        &oauth.github_web_url,
        oauth.github_client_id,
        &format!("{}/callback", oauth.origin),
        &oauth.github_scopes(),
        state,
        &crypto::pkce_s256(&verifier),
    );
    Ok((url, verifier))
}

/// GitHub's authorization URL (docs.github.com, "Authorizing OAuth apps", step 1), with a
/// PKCE S256 challenge. `scopes` is `GITHUB_SCOPES`, separated by spaces or commas.
fn github_authorize_url(
    web: &str,
    client_id: &str,
    redirect_uri: &str,
    scopes: &str,
    state: &str,
    challenge: &str,
) -> String {
    let scope = scopes
        .split([' ', ','])
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let mut query = form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("state", state)
        .append_pair("code_challenge", challenge)
        .append_pair("code_challenge_method", "S256")
        .append_pair("redirect_uri", redirect_uri);
    if !scope.is_empty() {
        query.append_pair("scope", &scope);
    }
    format!("{web}/login/oauth/authorize?{}", query.finish())
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
    let key = format!("pending:{state}");
    let Some(pending) = oauth.store.get::<PendingSignIn>(&key).await? else {
        return pages::error(
            400,
            "This sign-in has expired or was already used",
            "Sign-ins must finish within ten minutes. Start again from the application.",
        );
    };
    oauth.store.delete(&key).await?;
    let clear_login = Cookie {
        name: pages::LOGIN_COOKIE,
        value: String::new(),
        max_age: 0,
    };
    let bound = pages::cookie(req, pages::LOGIN_COOKIE)
        .is_some_and(|b| crypto::sha256_hex(&b) == pending.browser_binding);
    if !bound {
        return pages::error(
            400,
            "This sign-in was started in another browser",
            "Start signing in again from the application, in this browser.",
        );
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
        let description = format!("GitHub sign-in failed: {error}");
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
        Err(why) => {
            worker::console_error!("GitHub code exchange failed: {why}");
            return back(&[
                ("error", "server_error"),
                (
                    "error_description",
                    "GitHub did not accept the sign-in; try again",
                ),
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
    let grant_id = grant_protocol::new_grant_id();
    let code = grant_protocol::mint(CODE_PREFIX, &grant_id);
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
        code_challenge: pending.code_challenge.clone(),
        code_expires_at: oauth.now + CODE_TTL as i64,
    };
    match grant_protocol::call(&oauth.env, &grant_id, &create).await {
        Ok(GrantAnswer::Created) => back(&[("code", &code)]),
        _ => back(&[
            ("error", "temporarily_unavailable"),
            (
                "error_description",
                "The sign-in could not be stored; try again",
            ),
        ]),
    }
}

/// Exchanges GitHub's code for its token (step 2 of the web flow): a form POST with our
/// client credentials, the PKCE verifier and the same redirect URI.
async fn exchange_code(oauth: &OAuth<'_>, code: &str, verifier: &str) -> Result<String, String> {
    let body = token_request_body(
        oauth.github_client_id,
        oauth.github_client_secret,
        code,
        verifier,
        &format!("{}/callback", oauth.origin),
    );
    let url = format!("{}/login/oauth/access_token", oauth.github_web_url);
    let (status, answer) = post_form(&url, &body).await.map_err(|e| e.to_string())?;
    parse_token_response(status, &answer)
}

/// The form body of GitHub's token request.
fn token_request_body(
    client_id: &str,
    client_secret: &str,
    code: &str,
    verifier: &str,
    redirect_uri: &str,
) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("client_id", client_id)
        .append_pair("client_secret", client_secret)
        .append_pair("code", code)
        .append_pair("code_verifier", verifier)
        .append_pair("redirect_uri", redirect_uri)
        .finish()
}

/// What GitHub's token endpoint answers (JSON, as asked by `Accept`).
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    token_type: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// GitHub's token, or why there is none. GitHub reports errors with status 200 and an
/// `error` field, so the field is checked whatever the status.
fn parse_token_response(status: u16, body: &[u8]) -> Result<String, String> {
    let answer: TokenAnswer = serde_json::from_slice(body)
        .map_err(|_| format!("the token endpoint answered {status} without a JSON token"))?;
    if let Some(error) = answer.error {
        let description = answer.error_description.unwrap_or_default();
        return Err(format!("{error}: {description}"));
    }
    if !(200..300).contains(&status) {
        return Err(format!("the token endpoint answered {status}"));
    }
    match (answer.access_token, answer.token_type) {
        (Some(token), Some(kind)) if !token.is_empty() && kind.eq_ignore_ascii_case("bearer") => {
            Ok(token)
        }
        _ => Err("the token endpoint answered without a bearer access_token".into()),
    }
}

/// POSTs a form with `fetch`, never following redirects: the status and the body.
async fn post_form(url: &str, body: &str) -> worker::Result<(u16, Vec<u8>)> {
    let headers = Headers::new();
    headers.set("accept", "application/json")?;
    headers.set("content-type", "application/x-www-form-urlencoded")?;
    let outgoing = crate::github::fetch::outgoing(
        url,
        Method::Post,
        &headers,
        Some(body.into()),
        RequestRedirect::Manual,
    )?;
    let mut response = Fetch::Request(outgoing).send().await?;
    Ok((response.status_code(), response.bytes().await?))
}

/// Who signed in: `GET /user` through the same GitHub client the tools use (its headers,
/// upstream timeout and error messages).
async fn github_user(oauth: &OAuth<'_>, token: &str) -> Result<GitHubUser, String> {
    let token = Secret::new(token);
    let github = GitHub::new(
        &oauth.github_api_url,
        &oauth.github_web_url,
        Some(&token),
        &FetchClient,
    );
    let user = github
        .get_json("/user", "your GitHub profile")
        .await
        .map_err(|e| e.to_string())?;
    serde_json::from_value(user).map_err(|e| format!("unexpected /user answer: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(url: &str) -> Vec<(String, String)> {
        let (_, query) = url.split_once('?').unwrap();
        form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect()
    }

    #[test]
    fn the_authorize_url_carries_the_client_state_challenge_and_scopes() {
        let url = github_authorize_url(
            "https://github.com",
            "Ov23li",
            "https://mcp.example/callback",
            "repo, read:org",
            "st&te",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        );
        assert!(url.starts_with("https://github.com/login/oauth/authorize?"));
        let pairs = query(&url);
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("response_type"), Some("code"));
        assert_eq!(get("client_id"), Some("Ov23li"));
        assert_eq!(get("state"), Some("st&te"));
        assert_eq!(
            get("code_challenge"),
            Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        );
        assert_eq!(get("code_challenge_method"), Some("S256"));
        assert_eq!(get("redirect_uri"), Some("https://mcp.example/callback"));
        assert_eq!(get("scope"), Some("repo read:org"));
        let none = github_authorize_url("https://g", "c", "https://r", " , ", "s", "x");
        assert!(!none.contains("scope="));
    }

    #[test]
    fn the_token_request_is_a_form_with_the_verifier() {
        let body = token_request_body("id", "se+cret", "code 1", "verifier", "https://r/cb");
        assert_eq!(
            body,
            "grant_type=authorization_code&client_id=id&client_secret=se%2Bcret&code=code+1&code_verifier=verifier&redirect_uri=https%3A%2F%2Fr%2Fcb"
        );
    }

    #[test]
    fn token_answers_are_read_like_github_sends_them() {
        let ok = br#"{"access_token":"gho_x","token_type":"bearer","scope":"repo"}"#;
        assert_eq!(parse_token_response(200, ok), Ok("gho_x".into()));
        let upper = br#"{"access_token":"gho_x","token_type":"Bearer"}"#;
        assert_eq!(parse_token_response(200, upper), Ok("gho_x".into()));
        // GitHub's errors come with status 200.
        let refused = br#"{"error":"bad_verification_code","error_description":"The code passed is incorrect or expired."}"#;
        assert_eq!(
            parse_token_response(200, refused),
            Err("bad_verification_code: The code passed is incorrect or expired.".into())
        );
        assert!(parse_token_response(502, b"<html>bad gateway</html>").is_err());
        assert!(parse_token_response(500, ok).is_err());
        assert!(parse_token_response(200, br#"{"token_type":"bearer"}"#).is_err());
        assert!(
            parse_token_response(200, br#"{"access_token":"","token_type":"bearer"}"#).is_err()
        );
        assert!(parse_token_response(200, br#"{"access_token":"t","token_type":"mac"}"#).is_err());
        assert!(parse_token_response(200, b"").is_err());
    }
}
