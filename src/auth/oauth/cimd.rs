//! Client ID Metadata Documents: a `client_id` that is an https URL names a JSON document
//! describing the client, which we fetch instead of requiring registration.
//!
//! Fetching a URL a stranger chose is a server-side request forgery risk, so: https only;
//! no IP literal in a private, loopback or link-local range and no local names (Workers
//! cannot reach private networks anyway); no redirects; 5 seconds; 16 KiB; the document
//! must name itself exactly; and results are cached in KV for an hour.
//! `CIMD_ALLOW_LOOPBACK=true` lets the tests serve documents from 127.0.0.1.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use futures_util::future::{select, Either};
use serde_json::Value;
use url::{Host, Url};
use worker::{
    AbortController, Delay, Fetch, Headers, Method, Request, RequestInit, RequestRedirect,
};

use super::client::{
    validate_redirect_uri, AuthMethod, ClientRecord, MAX_CLIENT_NAME, MAX_REDIRECT_URIS,
};
use super::store::CIMD_TTL;
use super::OAuth;
use crate::auth::crypto;
use crate::transport::origin::is_loopback_host;

const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_DOCUMENT_BYTES: usize = 16 * 1024;

pub async fn client(oauth: &OAuth<'_>, client_id: &str) -> worker::Result<Option<ClientRecord>> {
    let url = match fetchable(client_id, oauth.cimd_allows_loopback()) {
        Ok(url) => url,
        Err(why) => {
            worker::console_log!("client metadata document refused: {why}");
            return Ok(None);
        }
    };
    let key = format!("cimd:{}", crypto::sha256_hex(client_id));
    if let Some(cached) = oauth.store.get::<ClientRecord>(&key).await? {
        return Ok(Some(cached));
    }
    let record = match fetch(&url)
        .await
        .and_then(|doc| parse(client_id, &doc, oauth.now))
    {
        Ok(record) => record,
        Err(why) => {
            worker::console_log!("client metadata document at {client_id} not used: {why}");
            return Ok(None);
        }
    };
    oauth.store.put(&key, &record, CIMD_TTL).await?;
    Ok(Some(record))
}

/// The URL, if it is one we are willing to fetch.
pub fn fetchable(client_id: &str, allow_loopback: bool) -> Result<Url, String> {
    let url = Url::parse(client_id).map_err(|_| "not a URL".to_string())?;
    if client_id.len() > 2000
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err("malformed client_id URL".into());
    }
    if url.path() == "/" || url.path().is_empty() {
        return Err("a client_id URL must have a path".into());
    }
    let host = url.host().ok_or("no host")?;
    let loopback = is_loopback_host(url.host_str().unwrap_or_default());
    match url.scheme() {
        "https" if is_public(&host) => Ok(url),
        "https" | "http" if allow_loopback && loopback => Ok(url),
        "https" => Err(format!("{host} is not a public host")),
        _ => Err("a client_id URL must use https".into()),
    }
}

/// False for IP literals in non-public ranges and for local names.
pub fn is_public(host: &Host<&str>) -> bool {
    match host {
        Host::Ipv4(ip) => is_public_v4(ip),
        Host::Ipv6(ip) => match ip.to_ipv4_mapped() {
            Some(v4) => is_public_v4(&v4),
            None => is_public_v6(ip),
        },
        Host::Domain(name) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            let local = [
                "localhost",
                ".localhost",
                ".local",
                ".internal",
                ".home.arpa",
                ".lan",
            ];
            name.contains('.')
                && !local
                    .iter()
                    .any(|l| name == l.trim_start_matches('.') || name.ends_with(l))
        }
    }
}

fn is_public_v4(ip: &Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)))
}

fn is_public_v6(ip: &Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80)
}

async fn fetch(url: &Url) -> Result<Value, String> {
    let headers = Headers::new();
    headers
        .set("accept", "application/json")
        .map_err(|e| e.to_string())?;
    let mut init = RequestInit::new();
    init.with_method(Method::Get)
        .with_headers(headers)
        .with_redirect(RequestRedirect::Manual);
    let request = Request::new_with_init(url.as_str(), &init).map_err(|e| e.to_string())?;
    let controller = AbortController::default();
    let signal = controller.signal();
    let send = Box::pin(async move {
        let mut response = Fetch::Request(request).send_with_signal(&signal).await?;
        let status = response.status_code();
        let declared = response
            .headers()
            .get("content-length")?
            .and_then(|l| l.parse::<usize>().ok());
        if declared.is_some_and(|l| l > MAX_DOCUMENT_BYTES) {
            return Ok((status, Vec::new(), true));
        }
        let body = response.bytes().await?;
        Ok::<_, worker::Error>((status, body, false))
    });
    let (status, body, too_large) = match select(send, Delay::from(FETCH_TIMEOUT)).await {
        Either::Left((result, _)) => result.map_err(|e| e.to_string())?,
        Either::Right(_) => {
            controller.abort();
            return Err(format!(
                "no answer within {} seconds",
                FETCH_TIMEOUT.as_secs()
            ));
        }
    };
    if status != 200 {
        return Err(format!("status {status} (redirects are not followed)"));
    }
    if too_large || body.len() > MAX_DOCUMENT_BYTES {
        return Err(format!("larger than {MAX_DOCUMENT_BYTES} bytes"));
    }
    serde_json::from_slice(&body).map_err(|_| "not JSON".to_string())
}

/// Checks a fetched document and turns it into a (public) client.
pub fn parse(client_id: &str, document: &Value, now: i64) -> Result<ClientRecord, String> {
    if document.get("client_id").and_then(Value::as_str) != Some(client_id) {
        return Err("its client_id is not exactly its own URL".into());
    }
    let client_name = document
        .get("client_name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty() && n.chars().count() <= MAX_CLIENT_NAME)
        .ok_or("client_name is missing or too long")?;
    let uris = document
        .get("redirect_uris")
        .and_then(Value::as_array)
        .filter(|u| !u.is_empty() && u.len() <= MAX_REDIRECT_URIS)
        .ok_or("redirect_uris is missing")?;
    let mut redirect_uris = Vec::new();
    for uri in uris {
        let uri = uri.as_str().ok_or("redirect_uris must be strings")?;
        validate_redirect_uri(uri).map_err(|r| r.description)?;
        redirect_uris.push(uri.to_string());
    }
    match document
        .get("token_endpoint_auth_method")
        .and_then(Value::as_str)
    {
        None | Some("none") => {}
        Some(other) => {
            return Err(format!(
                "token_endpoint_auth_method {other} is not supported for metadata documents"
            ))
        }
    }
    Ok(ClientRecord {
        client_id: client_id.to_string(),
        secret_hash: None,
        redirect_uris,
        client_name: Some(client_name.to_string()),
        client_uri: document
            .get("client_uri")
            .and_then(Value::as_str)
            .map(str::to_string),
        auth_method: AuthMethod::None,
        created_at: now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_public_https_urls_are_fetched() {
        assert!(fetchable("https://app.example/client.json", false).is_ok());
        for bad in [
            "http://app.example/client.json",
            "https://app.example/",
            "https://127.0.0.1/c.json",
            "https://10.0.0.8/c.json",
            "https://192.168.1.1/c.json",
            "https://169.254.169.254/latest",
            "https://[::1]/c.json",
            "https://[fd00::1]/c.json",
            "https://[::ffff:10.0.0.1]/c.json",
            "https://localhost/c.json",
            "https://printer.local/c.json",
            "https://x.internal/c.json",
            "https://100.64.0.1/c.json",
            "https://0.0.0.0/c.json",
            "https://intranet/c.json",
            "https://u:p@app.example/c.json",
            "https://app.example/c.json#x",
            "file:///etc/passwd",
        ] {
            assert!(fetchable(bad, false).is_err(), "{bad}");
        }
        assert!(fetchable("http://127.0.0.1:9000/c.json", true).is_ok());
        assert!(fetchable("http://10.0.0.1:9000/c.json", true).is_err());
    }

    #[test]
    fn documents_must_name_themselves_and_have_valid_redirects() {
        let id = "https://app.example/client.json";
        let good = json!({"client_id": id, "client_name": "App", "redirect_uris": ["http://127.0.0.1:3000/cb"]});
        let client = parse(id, &good, 5).unwrap();
        assert_eq!(
            (client.auth_method, client.client_name.as_deref()),
            (AuthMethod::None, Some("App"))
        );
        for bad in [
            json!({"client_id": "https://other.example/c.json", "client_name": "App", "redirect_uris": ["https://a.example/cb"]}),
            json!({"client_id": id, "redirect_uris": ["https://a.example/cb"]}),
            json!({"client_id": id, "client_name": "App", "redirect_uris": ["javascript:x"]}),
            json!({"client_id": id, "client_name": "App", "redirect_uris": ["https://a.example/cb"], "token_endpoint_auth_method": "private_key_jwt"}),
        ] {
            assert!(parse(id, &bad, 5).is_err(), "{bad}");
        }
    }
}
