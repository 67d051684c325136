//! `GET /metrics`: the Prometheus text exposition of the deployment's totals, for a scraper
//! that presents `Authorization: Bearer <METRICS_TOKEN>`. With no `METRICS_TOKEN`
//! configured the endpoint does not exist (404, as for any unknown path).

use worker::{Env, Method, Request, Response};

use super::Observation;
use crate::auth::{bearer, crypto};
use crate::transport::http;

/// Answers `/metrics`, or `None` when the endpoint is switched off.
pub async fn serve(
    req: &Request,
    env: &Env,
    obs: &Observation,
) -> Option<worker::Result<Response>> {
    let token = crate::env_value(env, "METRICS_TOKEN").filter(|t| !t.trim().is_empty())?;
    Some(answer(req, env, obs, token.trim()).await)
}

async fn answer(
    req: &Request,
    env: &Env,
    obs: &Observation,
    token: &str,
) -> worker::Result<Response> {
    let presented = req.headers().get("authorization")?;
    let presented = presented.as_deref().and_then(bearer::parse_authorization);
    if !presented.is_some_and(|p| same_secret(p, token)) {
        obs.set_auth_failure("metrics_token");
        let mut response = http::json(
            401,
            &serde_json::json!({
                "error": "invalid_token",
                "error_description": "GET /metrics needs Authorization: Bearer <METRICS_TOKEN>.",
            }),
        )?;
        response
            .headers_mut()
            .set("www-authenticate", "Bearer realm=\"metrics\"")?;
        return Ok(response);
    }
    if !matches!(req.method(), Method::Get | Method::Head) {
        return http::method_not_allowed(
            "GET, HEAD, OPTIONS",
            "/metrics takes GET or HEAD.".into(),
        );
    }
    match super::flush::read(env).await {
        Ok(totals) => {
            let mut response = Response::ok(totals.render())?;
            let headers = response.headers_mut();
            headers.set("content-type", "text/plain; version=0.0.4; charset=utf-8")?;
            headers.set("cache-control", "no-store")?;
            Ok(response)
        }
        Err(error) => {
            obs.set_error(format!("metrics object unreachable: {error}"));
            http::json(
                503,
                &serde_json::json!({
                    "error": "temporarily_unavailable",
                    "error_description": "The metrics store could not be read. Try again shortly.",
                }),
            )
        }
    }
}

/// Compares two secrets in constant time (through HMAC tags of both).
fn same_secret(presented: &str, expected: &str) -> bool {
    const KEY: &[u8] = b"github-mcp-worker/metrics-token";
    let tag = crypto::hmac(KEY, presented.as_bytes());
    crypto::hmac_verify(KEY, expected.as_bytes(), &tag)
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_compare_exactly() {
        assert!(super::same_secret("abc", "abc"));
        assert!(!super::same_secret("abc", "abd"));
        assert!(!super::same_secret("", "abc"));
    }
}
