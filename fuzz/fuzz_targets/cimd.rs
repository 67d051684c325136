//! Client ID Metadata Documents: `cimd::fetchable` (the `client_id` URL we would fetch),
//! `cimd::is_public` (IP classification) through it and directly, and `cimd::parse` (the
//! fetched document).
//!
//! Input: line 1 is a `client_id`; the rest, a metadata document (JSON). The first 4 and 16
//! bytes are also read as an IPv4 and an IPv6 address.
//!
//! Asserts: no panic; a fetchable URL serializes to exactly the `client_id`, is at most
//! 2000 bytes, https, with a path, no fragment or credentials, and a public host: an IP
//! literal in none of the non-public blocks of the IANA special-purpose registries (an
//! oracle written here), a name with a dot that is not local; with loopback allowed (the
//! tests' setting) the only extra URLs are http(s) on loopback. `is_public` agrees exactly
//! with the IPv4 oracle and never calls a non-public IPv6 address public (IPv4-mapped,
//! -compatible, NAT64, 6to4, Teredo...). An accepted document names itself, has a 1 to 200
//! character name, 1 to 10 valid redirect URIs, and makes a public client.
#![no_main]

use std::net::{Ipv4Addr, Ipv6Addr};

use github_mcp_worker::auth::oauth::cimd::{fetchable, is_public, parse};
use github_mcp_worker::auth::oauth::client::{
    validate_redirect_uri, AuthMethod, MAX_CLIENT_NAME, MAX_REDIRECT_URIS,
};
use github_mcp_worker_fuzz::{check_oracles, fields, loopback_url_host, public_v4, public_v6};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use url::Host;

const NOW: i64 = 1_700_000_000;
/// Names only a local network resolves.
const LOCAL_SUFFIXES: [&str; 5] = [".localhost", ".local", ".internal", ".home.arpa", ".lan"];

fuzz_target!(|data: &[u8]| {
    check_oracles();
    if let Some(v4) = data.first_chunk::<4>() {
        let ip = Ipv4Addr::from(*v4);
        assert_eq!(is_public(&Host::Ipv4(ip)), public_v4(ip), "{ip}");
        let mapped = ip.to_ipv6_mapped();
        assert!(!is_public(&Host::Ipv6(mapped)), "{mapped}");
        let compatible = ip.to_ipv6_compatible();
        assert!(!is_public(&Host::Ipv6(compatible)), "{compatible}");
    }
    if let Some(v6) = data.first_chunk::<16>() {
        let ip = Ipv6Addr::from(*v6);
        if is_public(&Host::Ipv6(ip)) {
            assert!(public_v6(ip), "{ip} is called public");
        }
    }

    let fields = fields(data, 2);
    let client_id = fields.first().map(String::as_str).unwrap_or_default();
    check_fetchable(client_id);

    let Some(document) = fields.get(1) else {
        return;
    };
    let Ok(document) = serde_json::from_str::<Value>(document) else {
        return;
    };
    check_parse(client_id, &document);
    if let Value::Object(mut object) = document {
        // The same document, naming itself, to get past the first check.
        object.insert("client_id".into(), json!(client_id));
        check_parse(client_id, &Value::Object(object));
    }
});

fn check_fetchable(client_id: &str) {
    let strict = fetchable(client_id, false);
    if let Ok(url) = &strict {
        assert_eq!(url.as_str(), client_id);
        assert!(client_id.len() <= 2000);
        assert_eq!(url.scheme(), "https", "{client_id:?}");
        assert!(url.fragment().is_none(), "{client_id:?}");
        assert!(
            url.username().is_empty() && url.password().is_none(),
            "{client_id:?}"
        );
        assert!(!url.path().is_empty() && url.path() != "/", "{client_id:?}");
        match url.host() {
            Some(Host::Ipv4(ip)) => assert!(public_v4(ip), "{client_id:?}"),
            Some(Host::Ipv6(ip)) => assert!(public_v6(ip), "{client_id:?}"),
            Some(Host::Domain(name)) => {
                let name = name.trim_end_matches('.').to_ascii_lowercase();
                assert!(name.contains('.'), "{client_id:?}");
                assert!(name != "localhost", "{client_id:?}");
                assert!(
                    !LOCAL_SUFFIXES.iter().any(|s| name.ends_with(s)),
                    "{client_id:?}"
                );
            }
            None => panic!("{client_id:?} has no host"),
        }
    }
    if let Ok(url) = fetchable(client_id, true) {
        assert_eq!(url.as_str(), client_id);
        if strict.is_err() {
            assert!(matches!(url.scheme(), "http" | "https"), "{client_id:?}");
            assert!(loopback_url_host(url.host()), "{client_id:?}");
        }
    }
}

fn check_parse(client_id: &str, document: &Value) {
    let Ok(record) = parse(client_id, document, NOW) else {
        return;
    };
    assert_eq!(document["client_id"], client_id);
    assert_eq!(record.client_id, client_id);
    let name = record
        .client_name
        .as_deref()
        .expect("a document client has a name");
    assert!((1..=MAX_CLIENT_NAME).contains(&name.chars().count()));
    assert!((1..=MAX_REDIRECT_URIS).contains(&record.redirect_uris.len()));
    for uri in &record.redirect_uris {
        assert!(validate_redirect_uri(uri).is_ok(), "{uri:?}");
    }
    assert_eq!(record.auth_method, AuthMethod::None);
    assert_eq!(record.secret_hash, None);
    assert_eq!(record.created_at, NOW);
}
