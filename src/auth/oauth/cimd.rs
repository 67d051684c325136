//! Client ID Metadata Documents: a `client_id` that is an https URL names a JSON document
//! describing the client, which we fetch instead of requiring registration.
//!
//! Fetching a URL a stranger chose is a server-side request forgery risk, so: https only;
//! the `client_id` must be exactly its URL's serialization; no IP literal outside the
//! public unicast ranges and no local names (Workers cannot reach private networks anyway);
//! no redirects; 5 seconds; 16 KiB counted while reading; the document must name itself
//! exactly; network fetches are rate limited per client address. Documents are cached in
//! the isolate's memory for an hour, so a new URL costs no storage write.
//! `CIMD_ALLOW_LOOPBACK=true` lets the tests serve documents from 127.0.0.1.

use std::cell::RefCell;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use futures_util::future::{select, Either};
use futures_util::StreamExt;
use serde_json::Value;
use url::{Host, Url};
use worker::{AbortController, Delay, Fetch, Headers, Method, RequestRedirect};

use super::client::{
    validate_redirect_uri, AuthMethod, ClientRecord, MAX_CLIENT_NAME, MAX_REDIRECT_URIS,
};
use super::OAuth;
use crate::limits::{self, Limit};
use crate::transport::origin::is_loopback_host;

const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_DOCUMENT_BYTES: usize = 16 * 1024;
/// How long a fetched document is used before it is fetched again.
const CACHE_SECONDS: i64 = 3600;
/// The most documents one isolate keeps.
const CACHE_ENTRIES: usize = 128;

thread_local! {
    /// `(client_id, record, fetched at)`, oldest first.
    static CACHE: RefCell<Vec<(String, ClientRecord, i64)>> = const { RefCell::new(Vec::new()) };
}

pub async fn client(oauth: &OAuth<'_>, client_id: &str) -> worker::Result<Option<ClientRecord>> {
    let url = match fetchable(client_id, oauth.cimd_allows_loopback()) {
        Ok(url) => url,
        Err(why) => {
            worker::console_log!(
                "client metadata document {:?} refused: {why}",
                mcp_core::jsonrpc::echoed(client_id)
            );
            return Ok(None);
        }
    };
    if let Some(cached) = cached(client_id, oauth.now) {
        return Ok(Some(cached));
    }
    if let Err(retry) = limits::check(&oauth.env, Limit::MetadataFetch, &oauth.client_address).await
    {
        oauth.metadata_limited.set(Some(retry));
        return Ok(None);
    }
    let record = match fetch(&url)
        .await
        .and_then(|doc| parse(client_id, &doc, oauth.now))
    {
        Ok(record) => record,
        Err(why) => {
            worker::console_log!(
                "client metadata document {:?} not used: {why}",
                mcp_core::jsonrpc::echoed(client_id)
            );
            return Ok(None);
        }
    };
    remember(&record, oauth.now);
    Ok(Some(record))
}

fn cached(client_id: &str, now: i64) -> Option<ClientRecord> {
    CACHE.with(|cache| {
        cache
            .borrow()
            .iter()
            .find(|(id, _, at)| id == client_id && now - at < CACHE_SECONDS)
            .map(|(_, record, _)| record.clone())
    })
}

fn remember(record: &ClientRecord, now: i64) {
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        cache.retain(|(id, _, at)| *id != record.client_id && now - at < CACHE_SECONDS);
        if cache.len() >= CACHE_ENTRIES {
            cache.remove(0);
        }
        cache.push((record.client_id.clone(), record.clone(), now));
    });
}

/// The URL, if it is one we are willing to fetch. The `client_id` must be exactly its own
/// URL serialization: a parser would quietly percent-encode spaces and other characters,
/// and two different strings must never name the same client.
pub fn fetchable(client_id: &str, allow_loopback: bool) -> Result<Url, String> {
    if client_id.len() > 2000 {
        return Err("the client_id URL is too long".into());
    }
    let url = Url::parse(client_id).map_err(|_| "not a URL".to_string())?;
    if url.as_str() != client_id {
        return Err(
            "the client_id is not a normalized URL (spaces, uppercase host, escapes)".into(),
        );
    }
    if url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
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

/// False for IP literals outside the public unicast ranges, and for local names.
pub fn is_public(host: &Host<&str>) -> bool {
    match host {
        Host::Ipv4(ip) => is_public_v4(ip),
        Host::Ipv6(ip) => is_public_v6(ip),
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

/// Public unicast IPv4: not private, shared (CGN), loopback, link-local, benchmarking,
/// documentation, IETF protocol, 6to4 relay, multicast or reserved (240/4, broadcast).
fn is_public_v4(ip: &Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || a >= 240
        || (a == 100 && (64..128).contains(&b))
        || (a == 198 && (b == 18 || b == 19))
        || (a == 192 && b == 0 && c == 0)
        || (a == 192 && b == 88 && c == 99))
}

/// Public unicast IPv6: inside 2000::/3, and not one of the blocks inside it that reach
/// IPv4 or nowhere: 2001::/23 (Teredo, benchmarking, ORCHID and other IETF assignments),
/// 2001:db8::/32 and 3fff::/20 (documentation), 2002::/16 (6to4). Everything outside
/// 2000::/3 is refused, which takes care of IPv4-mapped and IPv4-compatible addresses,
/// NAT64 (64:ff9b::/96, 64:ff9b:1::/48), unique-local, link-local, loopback and multicast.
fn is_public_v6(ip: &Ipv6Addr) -> bool {
    let [first, second, ..] = ip.segments();
    (first & 0xe000) == 0x2000
        && !(first == 0x2001 && second < 0x0200)
        && !(first == 0x2001 && second == 0x0db8)
        && first != 0x2002
        && !(first == 0x3fff && second < 0x1000)
}

async fn fetch(url: &Url) -> Result<Value, String> {
    let headers = Headers::new();
    headers
        .set("accept", "application/json")
        .map_err(|e| e.to_string())?;
    let request = crate::github::fetch::outgoing(
        url.as_str(),
        Method::Get,
        &headers,
        None,
        RequestRedirect::Manual,
    )
    .map_err(|e| e.to_string())?;
    let controller = AbortController::default();
    let signal = controller.signal();
    let send = Box::pin(async move {
        let mut response = Fetch::Request(request).send_with_signal(&signal).await?;
        let status = response.status_code();
        let declared = response
            .headers()
            .get("content-length")?
            .and_then(|l| l.parse::<usize>().ok());
        if status != 200 || declared.is_some_and(|l| l > MAX_DOCUMENT_BYTES) {
            return Ok((status, Vec::new(), status == 200));
        }
        // Counted while reading: a chunked or compressed body declares nothing useful.
        let mut stream = response.stream()?;
        let mut body = Vec::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
                return Ok((status, Vec::new(), true));
            }
            body.extend_from_slice(&chunk);
        }
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
                "token_endpoint_auth_method {} is not supported for metadata documents",
                mcp_core::jsonrpc::echoed(other)
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
        for good in [
            "https://app.example/client.json",
            "https://8.8.8.8/c.json",
            "https://[2606:4700::1111]/c.json",
            "https://[2001:4860::8888]/c.json",
        ] {
            assert!(fetchable(good, false).is_ok(), "{good}");
        }
        for bad in [
            "https://app.example/c.json mcpcl_victim",
            "https://app.example/c%20.json x",
            "https://APP.example/c.json",
            "https://app.example/./c.json",
            "https://[::127.0.0.1]/c.json",
            "https://[::ffff:127.0.0.1]/c.json",
            "https://[64:ff9b::a00:1]/c.json",
            "https://[64:ff9b:1::a00:1]/c.json",
            "https://[2002:a00:1::1]/c.json",
            "https://[2001:0:4136:e378::1]/c.json",
            "https://[2001:db8::1]/c.json",
            "https://[fe80::1]/c.json",
            "https://[fc00::1]/c.json",
            "https://[ff02::1]/c.json",
            "https://198.18.0.1/c.json",
            "https://198.19.255.255/c.json",
            "https://240.0.0.1/c.json",
            "https://255.255.255.255/c.json",
            "https://192.0.0.8/c.json",
            "https://192.88.99.1/c.json",
            "https://203.0.113.9/c.json",
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
