//! The GitHub REST client that tools use: builds requests against the configured API base
//! URL, sends them through an [`HttpClient`], and turns GitHub's failures into errors that
//! tell the user what happened and what to do.

use serde_json::Value;

use super::http::{HttpClient, HttpRequest, HttpResponse, TransportError};
use crate::auth::caller::Secret;

/// The REST API version we were written against.
const API_VERSION: &str = "2022-11-28";
const USER_AGENT: &str = concat!("github-mcp-worker/", env!("CARGO_PKG_VERSION"));

/// Everything a tool needs to reach GitHub for one caller.
pub struct GitHub<'a> {
    api_url: &'a str,
    web_url: &'a str,
    token: Option<&'a Secret>,
    http: &'a dyn HttpClient,
}

/// A GitHub failure, already phrased for the person reading the tool result.
#[derive(Debug, Clone, PartialEq)]
pub enum GitHubError {
    /// 404, or a private repository the token cannot see (GitHub answers 404 for both).
    NotFound { what: String, authenticated: bool },
    /// 401: the token GitHub was given is invalid or expired.
    BadCredentials,
    /// Primary rate limit exhausted; `reset` is the epoch second it resets.
    RateLimited {
        reset: Option<i64>,
        authenticated: bool,
    },
    /// Secondary (abuse) rate limit; wait `retry_after` seconds.
    SecondaryRateLimit { retry_after: Option<u64> },
    /// 403 for another reason, with GitHub's message and the scopes the call needs.
    Forbidden {
        message: String,
        needed_scopes: Option<String>,
    },
    /// Any other non-success status.
    Upstream { status: u16, message: String },
    /// No response at all.
    Unreachable(TransportError),
    /// A success status with a body we could not read.
    InvalidResponse(String),
}

impl std::fmt::Display for GitHubError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GitHubError::NotFound { what, authenticated: true } => write!(
                f,
                "GitHub says {what} was not found. Check the spelling; if it is private, the GitHub token in use has no access to it."
            ),
            GitHubError::NotFound { what, authenticated: false } => write!(
                f,
                "GitHub says {what} was not found. Check the spelling; private repositories need a GitHub token (set the GITHUB_TOKEN secret, or sign in with GitHub)."
            ),
            GitHubError::BadCredentials => write!(
                f,
                "GitHub rejected the token (401 Bad credentials): it is invalid, expired or revoked. Replace it, or sign in again."
            ),
            GitHubError::RateLimited { reset, authenticated } => {
                write!(f, "GitHub's API rate limit is exhausted")?;
                if let Some(reset) = reset.and_then(|r| chrono::DateTime::from_timestamp(r, 0)) {
                    // RFC 3339 needs no strftime parser, which keeps the bundle small.
                    write!(f, "; it resets at {}", reset.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))?;
                }
                if *authenticated {
                    write!(f, ". Try again after the reset.")
                } else {
                    write!(f, ". Unauthenticated calls get 60 an hour: set a GitHub token to get 5,000.")
                }
            }
            GitHubError::SecondaryRateLimit { retry_after } => match retry_after {
                Some(s) => write!(f, "GitHub's secondary rate limit was hit: too many requests in a short time. Retry in {s} seconds."),
                None => write!(f, "GitHub's secondary rate limit was hit: too many requests in a short time. Wait a minute and retry."),
            },
            GitHubError::Forbidden { message, needed_scopes: Some(scopes) } if !scopes.is_empty() => write!(
                f,
                "GitHub refused the request (403: {message}). The token needs the scope(s): {scopes}."
            ),
            GitHubError::Forbidden { message, .. } => {
                write!(f, "GitHub refused the request (403: {message}).")
            }
            GitHubError::Upstream { status, message } => {
                write!(f, "GitHub answered {status}: {message}")
            }
            GitHubError::Unreachable(TransportError::Timeout { seconds }) => write!(
                f,
                "GitHub did not answer within {seconds} seconds. Try again later."
            ),
            GitHubError::Unreachable(TransportError::Failed(why)) => {
                write!(f, "Could not reach GitHub: {why}")
            }
            GitHubError::InvalidResponse(why) => {
                write!(f, "GitHub sent a response we could not read: {why}")
            }
        }
    }
}

impl<'a> GitHub<'a> {
    pub fn new(
        api_url: &'a str,
        web_url: &'a str,
        token: Option<&'a Secret>,
        http: &'a dyn HttpClient,
    ) -> Self {
        GitHub {
            api_url: api_url.trim_end_matches('/'),
            web_url: web_url.trim_end_matches('/'),
            token,
            http,
        }
    }

    pub fn web_url(&self) -> &str {
        self.web_url
    }

    pub fn is_authenticated(&self) -> bool {
        self.token.is_some()
    }

    /// GETs `path` (which must start with `/` and be built from validated parts) and parses
    /// the JSON answer. `what` names the thing for a not-found message.
    pub async fn get_json(&self, path: &str, what: &str) -> Result<Value, GitHubError> {
        let response = self.get(path).await?;
        let response = self.check(response, what)?;
        serde_json::from_slice(&response.body)
            .map_err(|e| GitHubError::InvalidResponse(format!("not JSON ({e})")))
    }

    async fn get(&self, path: &str) -> Result<HttpResponse, GitHubError> {
        let mut headers = vec![
            (
                "accept".to_string(),
                "application/vnd.github+json".to_string(),
            ),
            ("x-github-api-version".to_string(), API_VERSION.to_string()),
            ("user-agent".to_string(), USER_AGENT.to_string()),
        ];
        if let Some(token) = self.token {
            headers.push((
                "authorization".to_string(),
                format!("Bearer {}", token.expose()),
            ));
        }
        let request = HttpRequest {
            method: "GET",
            url: format!("{}{}", self.api_url, path),
            headers,
        };
        self.http
            .send(request)
            .await
            .map_err(GitHubError::Unreachable)
    }

    /// Maps a GitHub status to an error, following GitHub's documented rate-limit headers.
    fn check(&self, response: HttpResponse, what: &str) -> Result<HttpResponse, GitHubError> {
        if (200..300).contains(&response.status) {
            return Ok(response);
        }
        let message = serde_json::from_slice::<Value>(&response.body)
            .ok()
            .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_else(|| "no message".to_string());
        let authenticated = self.is_authenticated();
        let remaining_zero = response.header("x-ratelimit-remaining") == Some("0");
        let retry_after = response
            .header("retry-after")
            .and_then(|v| v.trim().parse::<u64>().ok());
        Err(match response.status {
            404 => GitHubError::NotFound {
                what: what.to_string(),
                authenticated,
            },
            401 => GitHubError::BadCredentials,
            403 | 429 if remaining_zero => GitHubError::RateLimited {
                reset: response
                    .header("x-ratelimit-reset")
                    .and_then(|v| v.trim().parse().ok()),
                authenticated,
            },
            403 | 429
                if retry_after.is_some()
                    || message
                        .to_ascii_lowercase()
                        .contains("secondary rate limit") =>
            {
                GitHubError::SecondaryRateLimit { retry_after }
            }
            403 => GitHubError::Forbidden {
                message,
                needed_scopes: response
                    .header("x-accepted-oauth-scopes")
                    .map(str::to_string),
            },
            status => GitHubError::Upstream { status, message },
        })
    }
}
