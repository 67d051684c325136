//! Clients the server's operator has blocked: `BLOCKED_CLIENTS` lists client ids (a
//! registered client whose secret leaked, say), and `BLOCKED_REDIRECT_HOSTS` host names,
//! which block every client that registered a redirect URI there or on a subdomain (a
//! phishing application that registers again under a new id each time), and every client
//! whose id is a metadata document's URL on such a host.
//!
//! A blocked client starts no sign-in (`/authorize` shows a page that says so), exchanges no
//! code and refreshes nothing (`/token` answers `unauthorized_client`), and the next request
//! with one of its access tokens is refused (401 `invalid_token`), so blocking a client ends
//! its sessions at once. It may still revoke its tokens. Blocking by host reaches the access
//! tokens of clients whose id carries its registration and of metadata-document clients; a
//! client registered before ids carried their registration is blocked by host at `/token`,
//! so its access tokens end when they expire.

use url::Url;

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
    let id_as_url = Some(client_id).filter(|id| id.starts_with("https://"));
    let host = id_as_url
        .into_iter()
        .chain(redirect_uris.iter().map(String::as_str))
        .find_map(|uri| blocked_host(config, uri))?;
    Some(format!(
        "the server's operator has blocked the applications that sign in through {host} (BLOCKED_REDIRECT_HOSTS)"
    ))
}

/// [`why_blocked`] for the client an access token was issued to, known by its id alone:
/// the redirect URIs a registered client's id carries are read (with `id_key`, the key that
/// signs ids) only when hosts are blocked.
pub fn why_id_blocked(
    config: &Config,
    id_key: impl FnOnce() -> [u8; 32],
    client_id: &str,
) -> Option<String> {
    let registered = client_id.starts_with(registered::ID_PREFIX);
    let redirect_uris = (registered && !config.blocked_redirect_hosts.is_empty())
        .then(|| registered::redirect_uris(&id_key(), client_id))
        .flatten();
    why_blocked_by(
        config,
        client_id,
        redirect_uris.as_deref().unwrap_or_default(),
    )
}

fn by_id() -> String {
    "the server's operator has blocked this application (BLOCKED_CLIENTS)".into()
}

/// The entry of `BLOCKED_REDIRECT_HOSTS` that `uri`'s host is, or is a subdomain of.
fn blocked_host<'c>(config: &'c Config, uri: &str) -> Option<&'c str> {
    let url = Url::parse(uri).ok()?;
    let host = url.host_str()?.to_ascii_lowercase();
    let host = host.trim_end_matches('.');
    config
        .blocked_redirect_hosts
        .iter()
        .find(|blocked| {
            host.strip_suffix(blocked.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
        })
        .map(String::as_str)
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
        let blocked = config("legacy-id, mcpcr_leaked", "Evil.Example");
        let why = |c: &ClientRecord| why_blocked(&blocked, c);
        assert!(why(&client("legacy-id", &["http://127.0.0.1/cb"]))
            .is_some_and(|w| w.contains("BLOCKED_CLIENTS")));
        assert!(why(&client("mcpcr_leaked", &[])).is_some());
        for uri in [
            "https://evil.example/cb",
            "https://login.EVIL.example./cb",
            "http://evil.example:8080/cb",
        ] {
            let why = why(&client("x", &["https://good.example/cb", uri]));
            assert!(
                why.is_some_and(|w| w.contains("through evil.example")),
                "{uri}"
            );
        }
        let metadata_document = client(
            "https://app.evil.example/client.json",
            &["https://good.example/cb"],
        );
        assert!(why(&metadata_document).is_some());
        for uri in [
            "https://notevil.example/cb",
            "https://evil.example.com/cb",
            "cursor://evil.example.cb",
            "com.evil.example:/cb",
            "http://127.0.0.1:3334/cb",
        ] {
            assert_eq!(why(&client("legacy-other", &[uri])), None, "{uri}");
        }
        let nothing = config("", "");
        assert_eq!(
            why_blocked(&nothing, &client("legacy-id", &["https://evil.example/cb"])),
            None
        );
    }

    #[test]
    fn a_tokens_client_is_known_by_its_id_and_what_a_registered_id_carries() {
        let keys = registered::RegistrationKeys {
            id: crypto::derive_key(b"secret", "client-id"),
            secret: crypto::derive_key(b"secret", "client-secret"),
        };
        let registration = |uri: &str| Registration {
            redirect_uris: vec![uri.into()],
            client_name: None,
            client_uri: None,
            auth_method: AuthMethod::None,
        };
        let (evil, _) =
            registered::issue(&keys, registration("https://evil.example/cb"), 1).unwrap();
        let (good, _) =
            registered::issue(&keys, registration("https://good.example/cb"), 1).unwrap();
        let by_host = config("", "evil.example");
        let mut opened = 0;
        let mut why = |id: &str| {
            why_id_blocked(
                &by_host,
                || {
                    opened += 1;
                    keys.id
                },
                id,
            )
        };
        assert!(why(&evil.client_id).is_some());
        assert_eq!(why(&good.client_id), None);
        assert!(why("https://evil.example/client.json").is_some());
        assert_eq!(
            why("legacy-id"),
            None,
            "a legacy client's redirect URIs are in KV: /token blocks it"
        );
        assert_eq!(opened, 2, "only registered ids are opened");
        let by_id = config(&good.client_id, "");
        let never = || -> [u8; 32] { panic!("no host is blocked: no id is opened") };
        assert!(why_id_blocked(&by_id, never, &good.client_id).is_some());
        assert_eq!(why_id_blocked(&by_id, never, &evil.client_id), None);
    }
}
