//! Clients the server's operator has blocked: `BLOCKED_CLIENTS` lists client ids (a
//! registered client whose secret leaked, say), and `BLOCKED_REDIRECT_HOSTS` hosts, which
//! block every client that registered an `https` or `http` redirect URI there or on a
//! subdomain (a phishing application that registers again under a new id each time), every
//! grant made through such a redirect URI, and every client whose id is a metadata
//! document's URL on such a host. A metadata-document client chooses its own id (any path on
//! its host), so it is blocked by host. A private-use scheme's "host" (`myapp://x`) is not
//! where a browser goes: such a client is blocked by id.
//!
//! A blocked client starts no sign-in (`/authorize` and the GitHub callback show a page that
//! says so, and send no one to the client), exchanges no code and refreshes nothing
//! (`/token` answers `unauthorized_client`), and the next request with one of its access
//! tokens is refused (401 `invalid_token`), so blocking a client ends its sessions at once.
//! It may still revoke its tokens.

use std::net::{IpAddr, Ipv4Addr};

use url::{Host, Url};

use super::client::ClientRecord;
use super::registered;
use crate::config::Config;

/// Why `client` may not sign in, exchange a code or refresh; `None` if it is not blocked.
pub fn why_blocked(config: &Config, client: &ClientRecord) -> Option<String> {
    why_blocked_by(config, &client.client_id, &client.redirect_uris)
}

fn why_blocked_by(config: &Config, client_id: &str, redirect_uris: &[String]) -> Option<String> {
    if config.blocked_clients.iter().any(|id| id == client_id) {
        return Some(by_id());
    }
    if config.blocked_redirect_hosts.is_empty() {
        return None;
    }
    let id_as_url = Some(client_id).filter(|id| id.starts_with("https://"));
    let host = id_as_url
        .into_iter()
        .chain(redirect_uris.iter().map(String::as_str))
        .find_map(|uri| blocked_host(config, uri))?;
    Some(format!(
        "the server's operator has blocked the applications that sign in through {host} (BLOCKED_REDIRECT_HOSTS)"
    ))
}

/// [`why_blocked`] for a grant, known by its client's id and the redirect URI it was made
/// through (a sign-in under way, or an access token's grant): the redirect URIs a
/// registered client's id carries are read too (with `id_key`, the key that signs ids),
/// only when hosts are blocked.
pub fn why_grant_blocked(
    config: &Config,
    id_key: impl FnOnce() -> [u8; 32],
    client_id: &str,
    redirect_uri: &str,
) -> Option<String> {
    if config.blocked_redirect_hosts.is_empty() {
        return why_blocked_by(config, client_id, &[]);
    }
    let mut redirect_uris = vec![redirect_uri.to_string()];
    if client_id.starts_with(registered::ID_PREFIX) {
        redirect_uris.extend(registered::redirect_uris(&id_key(), client_id).unwrap_or_default());
    }
    why_blocked_by(config, client_id, &redirect_uris)
}

fn by_id() -> String {
    "the server's operator has blocked this application (BLOCKED_CLIENTS)".into()
}

/// The entry of `BLOCKED_REDIRECT_HOSTS` that an `https` or `http` `uri`'s host is (an IP
/// address, compared as one: an IPv4 address written as IPv6 is the IPv4 address), or is
/// a subdomain of (a name).
fn blocked_host<'c>(config: &'c Config, uri: &str) -> Option<&'c str> {
    let url = Url::parse(uri).ok()?;
    if !matches!(url.scheme(), "https" | "http") {
        return None;
    }
    let blocked = config.blocked_redirect_hosts.iter().map(String::as_str);
    let mut blocked = blocked.filter(|entry| match url.host() {
        Some(Host::Domain(name)) => {
            let name = name.to_ascii_lowercase();
            let name = name.trim_end_matches('.');
            name.strip_suffix(*entry)
                .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
        }
        Some(Host::Ipv4(ip)) => address(entry) == Some(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => address(entry) == Some(canonical(IpAddr::V6(ip))),
        None => false,
    });
    blocked.next()
}

/// An entry's IP address (`1.2.3.4`, `[2001:db8::1]`), as [`canonical`] writes it (read
/// by the URL parser, as a redirect URI's host is).
fn address(entry: &str) -> Option<IpAddr> {
    match Host::parse(entry).ok()? {
        Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
        Host::Ipv6(v6) => Some(canonical(IpAddr::V6(v6))),
        Host::Domain(_) => None,
    }
}

/// An IPv4 address written as IPv6 (mapped, `::ffff:1.2.3.4`, or NAT64's well-known
/// prefix, `64:ff9b::1.2.3.4`) is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            let [a, b, c, d, e, f, g, h] = v6.segments();
            let embedded = || {
                let [g1, g2] = g.to_be_bytes();
                let [h1, h2] = h.to_be_bytes();
                IpAddr::V4(Ipv4Addr::new(g1, g2, h1, h2))
            };
            match (a, b, c, d, e, f) {
                (0, 0, 0, 0, 0, 0xffff) | (0x64, 0xff9b, 0, 0, 0, 0) => embedded(),
                _ => ip,
            }
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::crypto;
    use crate::auth::oauth::client::{AuthMethod, Registration};

    fn config(clients: &str, hosts: &str) -> Config {
        let vars = [
            ("BLOCKED_CLIENTS", clients),
            ("BLOCKED_REDIRECT_HOSTS", hosts),
        ];
        Config::from_lookup(|name| {
            let found = vars.iter().find(|(k, _)| *k == name);
            found.map(|(_, v)| v.to_string())
        })
        .unwrap()
    }

    fn client(id: &str, redirect_uris: &[&str]) -> ClientRecord {
        ClientRecord {
            client_id: id.into(),
            secret_hash: None,
            redirect_uris: redirect_uris.iter().map(|u| u.to_string()).collect(),
            client_name: Some("Claude Desktop".into()),
            client_uri: None,
            auth_method: AuthMethod::None,
            created_at: 0,
        }
    }

    #[test]
    fn clients_are_blocked_by_id_or_by_a_redirect_host_and_its_subdomains() {
        let blocked = config(
            "legacy-id, mcpcr_leaked",
            "Evil.Example, 1.2.3.4, [2001:db8::1]",
        );
        let why = |c: &ClientRecord| why_blocked(&blocked, c);
        let by_id = why(&client("legacy-id", &["http://127.0.0.1/cb"]));
        assert!(by_id.is_some_and(|w| w.contains("BLOCKED_CLIENTS")));
        assert!(why(&client("mcpcr_leaked", &[])).is_some());
        for uri in [
            "https://evil.example/cb",
            "https://login.EVIL.example./cb",
            "http://evil.example:8080/cb",
            "https://1.2.3.4/cb",
            "https://0x01020304/cb",
            "https://[::ffff:1.2.3.4]/cb",
            "https://[::ffff:102:304]/cb",
            "https://[64:ff9b::102:304]/cb",
            "https://[2001:DB8:0::1]/cb",
        ] {
            let why = why(&client("x", &["https://good.example/cb", uri]));
            assert!(
                why.is_some_and(|w| w.contains("BLOCKED_REDIRECT_HOSTS")),
                "{uri}"
            );
        }
        let metadata_document = client(
            "https://app.evil.example/c.json",
            &["https://good.example/cb"],
        );
        assert!(why(&metadata_document).is_some());
        for uri in [
            "https://notevil.example/cb",
            "https://evil.example.com/cb",
            "https://10.1.2.3.4.example/cb",
            "https://11.2.3.4/cb",
            "https://[2001:db8::2]/cb",
            "myapp://evil.example/cb",
            "com.evil.example:/cb",
            "http://127.0.0.1:3334/cb",
        ] {
            assert_eq!(why(&client("legacy-other", &[uri])), None, "{uri}");
        }
        let nothing = config("", "");
        let anyone = client("legacy-id", &["https://evil.example/cb"]);
        assert_eq!(why_blocked(&nothing, &anyone), None);
    }

    #[test]
    fn a_grant_is_known_by_its_client_its_redirect_uri_and_what_a_registered_id_carries() {
        let keys = registered::RegistrationKeys {
            id: crypto::derive_key(b"secret", "client-id"),
            secret: crypto::derive_key(b"secret", "client-secret"),
        };
        let registration = |uris: &[&str]| Registration {
            redirect_uris: uris.iter().map(|u| u.to_string()).collect(),
            client_name: None,
            client_uri: None,
            auth_method: AuthMethod::None,
        };
        let loopback = "http://127.0.0.1:3334/cb";
        let two = registration(&[loopback, "https://evil.example/cb"]);
        let (evil, _) = registered::issue(&keys, two, 1).unwrap();
        let (good, _) = registered::issue(&keys, registration(&[loopback]), 1).unwrap();
        let by_host = config("", "evil.example");
        let mut opened = 0;
        let mut why = |id: &str, through: &str| {
            let id_key = || {
                opened += 1;
                keys.id
            };
            why_grant_blocked(&by_host, id_key, id, through)
        };
        assert!(
            why(&evil.client_id, loopback).is_some(),
            "what the id carries"
        );
        assert_eq!(why(&good.client_id, loopback), None);
        let document = "https://app.example/c.json";
        assert!(
            why(document, "https://evil.example/cb").is_some(),
            "the grant's own"
        );
        assert_eq!(why(document, loopback), None);
        assert!(why("legacy-id", "https://a.evil.example/cb").is_some());
        assert_eq!(opened, 2, "only registered ids are opened");
        let by_id = config(&good.client_id, "");
        let never = || -> [u8; 32] { panic!("no host is blocked: no id is opened") };
        assert!(why_grant_blocked(&by_id, never, &good.client_id, loopback).is_some());
        assert_eq!(
            why_grant_blocked(&by_id, never, &evil.client_id, loopback),
            None
        );
    }
}
