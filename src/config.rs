//! The deployment's configuration, read from Worker variables and secrets.
//!
//! Parsing is plain Rust over a lookup function, so every rule here is tested on the host.
//! A bad value is reported with the variable's name and what it accepts; the server then
//! refuses requests with that message rather than guessing.

use std::cell::RefCell;

use crate::auth::caller::{AuthMode, Secret};
use mcp_core::request_state::StateSigner;
use mcp_core::task;

pub const DEFAULT_GITHUB_API_URL: &str = "https://api.github.com";
pub const DEFAULT_GITHUB_WEB_URL: &str = "https://github.com";
/// Read-only access to the signed-in user's profile: the least GitHub offers.
pub const DEFAULT_GITHUB_SCOPES: &str = "read:user";

/// The groups of tools `MCP_TOOLSETS` can switch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Toolset {
    /// All the GitHub groups below (the default).
    Github,
    /// Repositories: metadata, files, directories, commits, branches, tags, releases; the
    /// `github://` resources and the repository summary prompt.
    Repos,
    /// Issues: list, read with comments, search; the triage prompt.
    Issues,
    /// Pull requests: list, read with files and reviews, diff; the review prompt.
    Pulls,
    /// Searches: repositories and code.
    Search,
    /// User and organisation profiles.
    Users,
    /// The fixtures the official conformance suite calls. Test-only.
    Conformance,
}

/// One entry of `ALLOWED_GITHUB_USERS`: a GitHub user by numeric id. Logins can be renamed
/// and then taken by someone else; ids never change hands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedUser {
    pub id: u64,
    /// The login written before the id (`alice:583231`), for readability only: never matched.
    pub login: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub auth_mode: AuthMode,
    pub toolsets: Vec<Toolset>,
    pub github_api_url: String,
    pub github_web_url: String,
    /// Used for upstream calls in `bearer` and `none` modes.
    pub github_token: Option<Secret>,
    /// Browser origins allowed besides our own and loopback ones; `*` allows any.
    pub allowed_origins: Vec<String>,
    /// `COOKIE_ENCRYPTION_KEY`: the secret that signing and encryption keys derive from.
    pub signing_secret: Option<Secret>,
    /// The GitHub OAuth App that `AUTH_MODE=oauth` signs people in with.
    pub github_client_id: Option<String>,
    pub github_client_secret: Option<Secret>,
    /// The GitHub scopes asked for at sign-in (`GITHUB_SCOPES`).
    pub github_scopes: String,
    /// The GitHub users allowed in (`ALLOWED_GITHUB_USERS`), by numeric id; empty allows
    /// everyone.
    pub allowed_github_users: Vec<AllowedUser>,
    /// `BLOCKED_CLIENTS`: OAuth client ids the operator has blocked.
    pub blocked_clients: Vec<String>,
    /// `BLOCKED_REDIRECT_HOSTS`: host names (lowercase) whose clients are blocked: every
    /// client with a redirect URI on one of them or on a subdomain.
    pub blocked_redirect_hosts: Vec<String>,
    /// Test-only: fetch Client ID Metadata Documents from loopback (`CIMD_ALLOW_LOOPBACK`).
    pub cimd_allow_loopback: bool,
    /// `LOCKDOWN`: on public repositories, withhold issue, pull request, comment and
    /// review content by authors without push access, for every connection.
    pub lockdown: bool,
    /// `LOCKDOWN_TRUSTED_BOTS`: logins shown in lockdown anyway (`dependabot[bot]`).
    pub lockdown_trusted_bots: Vec<String>,
    /// `TASK_TTL_SECONDS`: how long a 2026-07-28 task lives from its creation (ms).
    pub task_ttl_ms: u64,
    /// `TOKEN_CACHE_SECONDS`: how long a verified access token is kept in the isolate (ms;
    /// 0 turns the cache off). At most 60 s, KV's own propagation delay: the revocation
    /// delay (`docs/security.md`).
    pub token_cache_ms: u64,
    /// False with `TOOL_CALL_LIMITS=off`: the per-caller tool-call limits are lifted (load
    /// tests).
    pub tool_call_limits: bool,
}

impl Config {
    /// Reads the configuration; `lookup` returns a variable's value if it is set.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let auth_mode = match get("AUTH_MODE") {
            None => AuthMode::Oauth,
            Some(text) => AuthMode::parse(&text).ok_or_else(|| {
                format!("AUTH_MODE is '{text}', but it must be one of: oauth, bearer, none")
            })?,
        };
        let toolsets = match get("MCP_TOOLSETS") {
            None => vec![Toolset::Github],
            Some(text) => parse_toolsets(&text)?,
        };
        Ok(Config {
            auth_mode,
            toolsets,
            github_api_url: base_url(
                get("GITHUB_API_URL"),
                DEFAULT_GITHUB_API_URL,
                "GITHUB_API_URL",
            )?,
            github_web_url: base_url(
                get("GITHUB_WEB_URL"),
                DEFAULT_GITHUB_WEB_URL,
                "GITHUB_WEB_URL",
            )?,
            github_token: get("GITHUB_TOKEN").map(Secret::new),
            allowed_origins: parse_origins(list(get("ALLOWED_ORIGINS")), auth_mode)?,
            signing_secret: get("COOKIE_ENCRYPTION_KEY")
                .map(|key| strong_key(&key).map(|()| Secret::new(key)))
                .transpose()?,
            github_client_id: get("GITHUB_CLIENT_ID"),
            github_client_secret: get("GITHUB_CLIENT_SECRET").map(Secret::new),
            github_scopes: get("GITHUB_SCOPES")
                .unwrap_or_else(|| DEFAULT_GITHUB_SCOPES.to_string()),
            allowed_github_users: parse_allowed_users(&list(get("ALLOWED_GITHUB_USERS")))?,
            blocked_clients: list(get("BLOCKED_CLIENTS")),
            blocked_redirect_hosts: parse_hosts(&list(get("BLOCKED_REDIRECT_HOSTS")))?,
            cimd_allow_loopback: get("CIMD_ALLOW_LOOPBACK")
                .is_some_and(|v| v.eq_ignore_ascii_case("true")),
            lockdown: match get("LOCKDOWN") {
                None => false,
                Some(v) if v.eq_ignore_ascii_case("true") => true,
                Some(v) if v.eq_ignore_ascii_case("false") => false,
                Some(v) => return Err(format!("LOCKDOWN is '{v}', but it must be true or false")),
            },
            lockdown_trusted_bots: list(get("LOCKDOWN_TRUSTED_BOTS")),
            task_ttl_ms: match get("TASK_TTL_SECONDS") {
                None => task::DEFAULT_TTL_MS,
                Some(v) => v
                    .parse::<u64>()
                    .ok()
                    .map(|s| s.saturating_mul(1000))
                    .filter(|ms| (task::MIN_TTL_MS..=task::MAX_TTL_MS).contains(ms))
                    .ok_or_else(|| {
                        format!(
                            "TASK_TTL_SECONDS is '{v}', but it must be a whole number of seconds from {} to {}",
                            task::MIN_TTL_MS / 1000,
                            task::MAX_TTL_MS / 1000
                        )
                    })?,
            },
            token_cache_ms: match get("TOKEN_CACHE_SECONDS") {
                None => crate::auth::token_cache::DEFAULT_TTL_MS,
                Some(v) => v
                    .parse::<u64>()
                    .ok()
                    .map(|s| s.saturating_mul(1000))
                    .filter(|ms| *ms <= crate::auth::token_cache::MAX_TTL_MS)
                    .ok_or_else(|| {
                        format!(
                            "TOKEN_CACHE_SECONDS is '{v}', but it must be a whole number of seconds from 0 (no cache) to {}",
                            crate::auth::token_cache::MAX_TTL_MS / 1000
                        )
                    })?,
            },
            tool_call_limits: match get("TOOL_CALL_LIMITS") {
                None => true,
                Some(v) if v.eq_ignore_ascii_case("on") => true,
                Some(v) if v.eq_ignore_ascii_case("off") => false,
                Some(v) => {
                    return Err(format!(
                        "TOOL_CALL_LIMITS is '{v}', but it must be on (the default) or off"
                    ))
                }
            },
        })
        .and_then(|config| {
            // Read by the log line (`observe`), not kept here; a typo is refused all the same,
            // rather than logging at another level than the operator asked for.
            if let Some(v) = get("LOG_LEVEL") {
                if crate::observe::record::Level::parse(&v).is_none() {
                    return Err(format!(
                        "LOG_LEVEL is '{v}', but it must be one of: debug, info, warn, error"
                    ));
                }
            }
            if let Some(v) = get("LOG_CALLER_LOGIN") {
                if !v.eq_ignore_ascii_case("true") && !v.eq_ignore_ascii_case("false") {
                    return Err(format!(
                        "LOG_CALLER_LOGIN is '{v}', but it must be true or false"
                    ));
                }
            }
            Ok(config)
        })
    }

    /// The configuration a running deployment needs: [`Config::from_lookup`], and the
    /// secrets its `AUTH_MODE` cannot work without. A missing one is named, so that every
    /// endpoint, `/healthz` included, answers 503 saying which secret to set, instead of
    /// the server looking healthy until a person's sign-in fails.
    pub fn for_deployment(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let config = Config::from_lookup(lookup)?;
        if config.auth_mode != AuthMode::Oauth {
            return Ok(config);
        }
        let missing: Vec<&str> = [
            ("GITHUB_CLIENT_ID", config.github_client_id.is_none()),
            (
                "GITHUB_CLIENT_SECRET",
                config.github_client_secret.is_none(),
            ),
            ("COOKIE_ENCRYPTION_KEY", config.signing_secret.is_none()),
        ]
        .into_iter()
        .filter_map(|(name, absent)| absent.then_some(name))
        .collect();
        match missing.as_slice() {
            [] => Ok(config),
            names => Err(format!(
                "AUTH_MODE=oauth (the default) needs the secret{} {}, which {} not set. GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET are the GitHub OAuth App's; COOKIE_ENCRYPTION_KEY is 32 random bytes: `openssl rand -hex 32 | npx wrangler secret put COOKIE_ENCRYPTION_KEY`. Set each with `npx wrangler secret put NAME` (locally, in .dev.vars), or set AUTH_MODE to bearer or none",
                if names.len() > 1 { "s" } else { "" },
                names.join(", "),
                if names.len() > 1 { "are" } else { "is" },
            )),
        }
    }

    /// What tools showing third-party content do for `connection`: lockdown if the
    /// deployment or the connection asks for it.
    pub fn content_policy(
        &self,
        connection: &mcp_core::connection::Connection,
    ) -> crate::app::ContentPolicy {
        crate::app::ContentPolicy {
            lockdown: self.lockdown || connection.lockdown,
            trusted_bots: self.lockdown_trusted_bots.clone(),
        }
    }

    /// True when `toolset` is on, directly or (for a GitHub group) through `github`.
    pub fn has_toolset(&self, toolset: Toolset) -> bool {
        self.toolsets.contains(&toolset)
            || (toolset != Toolset::Conformance && self.toolsets.contains(&Toolset::Github))
    }

    /// True when the GitHub user with this numeric id may use the server
    /// (`ALLOWED_GITHUB_USERS`, or everyone when it is unset).
    pub fn github_user_allowed(&self, github_id: u64) -> bool {
        self.allowed_github_users.is_empty()
            || self.allowed_github_users.iter().any(|u| u.id == github_id)
    }

    /// The ids `ALLOWED_GITHUB_USERS` lists; `None` when everyone is allowed.
    pub fn allowed_github_ids(&self) -> Option<Vec<u64>> {
        (!self.allowed_github_users.is_empty())
            .then(|| self.allowed_github_users.iter().map(|u| u.id).collect())
    }

    /// The signer of `requestState`. Its key is derived from `COOKIE_ENCRYPTION_KEY`; without
    /// that secret it is random per isolate, so a retry that lands on another isolate must
    /// start over (set the secret in production).
    ///
    /// Every MCP request asks for it, so the derived key is kept for the isolate's life (the
    /// secret is fixed for a deployment's); it is derived again only for another secret.
    pub fn state_signer(&self) -> StateSigner {
        thread_local! {
            static ISOLATE_KEY: [u8; 32] = crate::random::random_bytes::<32>();
            static DERIVED: RefCell<Option<(Option<String>, [u8; 32])>> = const { RefCell::new(None) };
        }
        let secret = self.signing_secret.as_ref().map(Secret::expose);
        let key = DERIVED.with(|derived| {
            let mut derived = derived.borrow_mut();
            match derived.as_ref() {
                Some((for_secret, key)) if for_secret.as_deref() == secret => *key,
                _ => {
                    let material = match secret {
                        Some(secret) => secret.as_bytes().to_vec(),
                        None => ISOLATE_KEY.with(|key| key.to_vec()),
                    };
                    let key = crate::auth::crypto::derive_key(&material, "requestState");
                    *derived = Some((secret.map(str::to_string), key));
                    key
                }
            }
        });
        StateSigner::new(&key)
    }
}

/// A comma-separated list, trimmed, without empty entries.
fn list(value: Option<String>) -> Vec<String> {
    value
        .map(|text| {
            text.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// `ALLOWED_ORIGINS` entries: `*`, or an origin as a browser sends it (`scheme://host[:port]`,
/// a trailing slash dropped). Anything else could never match, and would leave the browser
/// the operator meant to allow with a 403 that tells it to ask for ALLOWED_ORIGINS. `null`
/// (sandboxed pages and local files) only where a token is still required: with
/// `AUTH_MODE=none` it would open the unauthenticated server to any such page.
fn parse_origins(entries: Vec<String>, auth_mode: AuthMode) -> Result<Vec<String>, String> {
    entries
        .into_iter()
        .map(|entry| {
            let origin = entry.trim_end_matches('/');
            let null_ok = auth_mode != AuthMode::None;
            let wildcard = origin != "*" && origin.contains('*');
            if origin == "*"
                || (origin == "null" && null_ok)
                || (origin != "null"
                    && !wildcard
                    && crate::transport::origin::is_serialized_origin(origin))
            {
                return Ok(origin.to_string());
            }
            let why = if wildcard {
                "an origin is matched whole, so a * inside one never matches; list each origin (or * alone for any)"
            } else if origin == "null" {
                "null is the origin of sandboxed pages and local files, which anyone can make, and AUTH_MODE=none asks them for no token; list the real origin instead"
            } else if !origin.contains("://") {
                "each entry is an origin with its scheme, like https://playground.ai.cloudflare.com (or * for any)"
            } else {
                "each entry is an origin only, like https://playground.ai.cloudflare.com: no path, query or user name"
            };
            // An entry with an @ is not repeated: what comes before it may be a password.
            let shown = if entry.contains('@') {
                "an entry with a user name or password (before an @)".to_string()
            } else {
                format!("'{}'", entry.escape_debug())
            };
            Err(format!("ALLOWED_ORIGINS has {shown}, but {why}"))
        })
        .collect()
}

/// `BLOCKED_REDIRECT_HOSTS` entries: domain names with at least one dot (`evil.example`,
/// lowercased, a trailing dot dropped; an international one in its `xn--` form), IPv4
/// addresses, and IPv6 addresses in brackets (`[2001:db8::1]`).
fn parse_hosts(entries: &[String]) -> Result<Vec<String>, String> {
    entries
        .iter()
        .map(|entry| {
            let host = entry.to_ascii_lowercase();
            let host = host.strip_suffix('.').unwrap_or(&host);
            let refuse = |why: &str| {
                Err(format!(
                    "BLOCKED_REDIRECT_HOSTS has '{}', but {why}",
                    entry.escape_debug()
                ))
            };
            if host.starts_with('[') {
                return match url::Host::parse(host) {
                    Ok(url::Host::Ipv6(_)) => Ok(host.to_string()),
                    _ => refuse("it is no IPv6 address"),
                };
            }
            if host.contains("://") || host.contains(['/', ':', '@']) {
                return refuse("it lists hosts only, like evil.example or [2001:db8::1] (no scheme, port or path)");
            }
            if !host.is_ascii() {
                return refuse("an international name goes in its xn-- form (what a browser sends)");
            }
            let labels_ok = host.split('.').all(|label| {
                !label.is_empty()
                    && !label.starts_with('-')
                    && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
            if !labels_ok || host.len() > 253 {
                return refuse("it is no host name (letters, digits and hyphens in labels between dots)");
            }
            if !host.contains('.') {
                return refuse("a name with no dot (com, localhost) would block every client under it; name the host, like evil.example");
            }
            Ok(host.to_string())
        })
        .collect()
}

/// `ALLOWED_GITHUB_USERS` entries: `583231` or `alice:583231`. A bare login is refused,
/// with a pointer to where its id can be read.
fn parse_allowed_users(entries: &[String]) -> Result<Vec<AllowedUser>, String> {
    entries
        .iter()
        .map(|entry| {
            let (login, id) = match entry.rsplit_once(':') {
                Some((login, id)) => (Some(login.trim()), id.trim()),
                None => (None, entry.as_str()),
            };
            let login_ok = login.is_none_or(|l| {
                !l.is_empty()
                    && l.len() <= 39
                    && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
            match id.parse::<u64>() {
                Ok(id) if id > 0 && login_ok => Ok(AllowedUser {
                    id,
                    login: login.map(str::to_string),
                }),
                _ => {
                    let name = login.unwrap_or(id);
                    Err(format!(
                        "ALLOWED_GITHUB_USERS names '{entry}', but each entry must be a GitHub user's numeric id, optionally after its login: 583231 or alice:583231 (logins can be renamed and then taken by someone else; ids cannot). Find the id as \"id\" in https://api.github.com/users/{name}"
                    ))
                }
            }
        })
        .collect()
}

const TOOLSETS: &str =
    "github (all of the following), repos, issues, pulls, search, users, conformance";

fn parse_toolsets(text: &str) -> Result<Vec<Toolset>, String> {
    let mut toolsets = Vec::new();
    for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let toolset = match name.to_ascii_lowercase().as_str() {
            "github" => Toolset::Github,
            "repos" => Toolset::Repos,
            "issues" => Toolset::Issues,
            "pulls" => Toolset::Pulls,
            "search" => Toolset::Search,
            "users" => Toolset::Users,
            "conformance" => Toolset::Conformance,
            _ => {
                return Err(format!(
                    "MCP_TOOLSETS names '{name}', but the toolsets are: {TOOLSETS}"
                ))
            }
        };
        if !toolsets.contains(&toolset) {
            toolsets.push(toolset);
        }
    }
    if toolsets.is_empty() {
        return Err(format!(
            "MCP_TOOLSETS is empty; name at least one of: {TOOLSETS}"
        ));
    }
    Ok(toolsets)
}

/// The least `COOKIE_ENCRYPTION_KEY` accepted: 32 characters carrying at least 128 bits by
/// a crude estimate (length × log2 of the distinct characters used), which every key made
/// by `openssl rand -hex 32` or `-base64 32` passes and words, repeats and short keys fail.
fn strong_key(key: &str) -> Result<(), String> {
    let mut distinct: Vec<char> = key.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    let bits = key.chars().count() as f64 * (distinct.len().max(1) as f64).log2();
    if key.chars().count() < 32 || bits < 128.0 {
        return Err(
            "COOKIE_ENCRYPTION_KEY is too weak: use 32 or more random bytes, e.g. `openssl rand -hex 32 | npx wrangler secret put COOKIE_ENCRYPTION_KEY`".into(),
        );
    }
    Ok(())
}

fn base_url(value: Option<String>, default: &str, name: &str) -> Result<String, String> {
    let url = value.unwrap_or_else(|| default.to_string());
    let url = url.trim_end_matches('/').to_string();
    if url.contains('@') {
        // Not echoed: what comes before the `@` is a user name and perhaps a password.
        return Err(format!(
            "{name} has a user name or password in it (before an @); it must be a plain base URL such as {default}. GitHub credentials go in secrets (GITHUB_TOKEN), never in a URL"
        ));
    }
    if url.contains(['?', '#']) || url.contains(char::is_whitespace) {
        // Not echoed either: a query (`?access_token=…`), a fragment or a second word can
        // carry a token, and this text reaches every client.
        return Err(format!(
            "{name} has a query (?), fragment (#) or space in it; it must be a plain base URL such as {default}. GitHub credentials go in secrets (GITHUB_TOKEN), never in a URL"
        ));
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| {
            // Only the scheme is repeated: a value with none may be a secret pasted into the
            // wrong variable.
            match url.split_once("://") {
                Some((scheme, _)) if scheme.bytes().all(|b| b.is_ascii_alphanumeric()) => format!(
                    "{name} has the scheme '{scheme}', but it must be an http(s) URL such as {default}"
                ),
                _ => format!(
                    "{name} is no URL (it does not start with https://), but it must be an http(s) URL such as {default}"
                ),
            }
        })?;
    if rest.is_empty() {
        return Err(format!(
            "{name} is '{url}', but it must be a plain base URL such as {default}"
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn the_request_state_key_follows_the_secret() {
        let a = config(&[("COOKIE_ENCRYPTION_KEY", "6f1d0c2a9b8e7f6a5d4c3b2a1908f7e6")]).unwrap();
        let b = config(&[("COOKIE_ENCRYPTION_KEY", "0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d")]).unwrap();
        let sealed = a.state_signer().seal("bearer:x", 0, serde_json::json!(1));
        // Asked again (the kept key), and after another secret's key was derived.
        assert!(a.state_signer().open("bearer:x", 0, &sealed).is_ok());
        assert!(b.state_signer().open("bearer:x", 0, &sealed).is_err());
        assert!(a.state_signer().open("bearer:x", 0, &sealed).is_ok());
        // Without the secret: a key of the isolate's own, not the secret's.
        let none = config(&[]).unwrap();
        assert!(none.state_signer().open("bearer:x", 0, &sealed).is_err());
        let own = none
            .state_signer()
            .seal("bearer:x", 0, serde_json::json!(1));
        assert!(none.state_signer().open("bearer:x", 0, &own).is_ok());
    }

    #[test]
    fn defaults_are_oauth_github_and_the_real_github() {
        let c = config(&[]).unwrap();
        assert_eq!(c.auth_mode, AuthMode::Oauth);
        assert_eq!(c.toolsets, vec![Toolset::Github]);
        assert_eq!(c.github_api_url, "https://api.github.com");
        assert_eq!(c.github_web_url, "https://github.com");
        assert!(c.github_token.is_none());
        assert!(c.allowed_origins.is_empty());
    }

    #[test]
    fn reads_every_variable() {
        let c = config(&[
            ("AUTH_MODE", "Bearer"),
            ("MCP_TOOLSETS", "conformance, github"),
            ("GITHUB_API_URL", "http://127.0.0.1:9000/"),
            ("GITHUB_TOKEN", "ghp_x"),
            ("ALLOWED_ORIGINS", "https://a.example, https://b.example/"),
        ])
        .unwrap();
        assert_eq!(c.auth_mode, AuthMode::Bearer);
        assert_eq!(c.toolsets, vec![Toolset::Conformance, Toolset::Github]);
        assert_eq!(c.github_api_url, "http://127.0.0.1:9000");
        assert_eq!(c.github_token.unwrap().expose(), "ghp_x");
        assert_eq!(
            c.allowed_origins,
            vec!["https://a.example", "https://b.example"]
        );
    }

    #[test]
    fn the_signing_key_must_be_strong() {
        for strong in [
            "3f9a1c0e7b5d2a4f8e6c1b3d5a7f9e0c2b4d6f8a1c3e5b7d9f0a2c4e6b8d0f1a",
            "q4d7RcM2+zX9/pL0sWj6yTn1vB8eHk3uAaGfK5oIiQ=",
        ] {
            let c = config(&[("COOKIE_ENCRYPTION_KEY", strong)]).unwrap();
            assert_eq!(c.signing_secret.unwrap().expose(), strong);
        }
        for weak in [
            "hunter2",
            "passwordpasswordpasswordpassword",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "0123456789abcdef",
            "abababababababababababababababababababab",
        ] {
            let error = config(&[("COOKIE_ENCRYPTION_KEY", weak)]).unwrap_err();
            assert!(error.contains("openssl rand -hex 32"), "{weak}: {error}");
            assert!(!error.contains(weak), "the key itself is never echoed");
        }
    }

    #[test]
    fn bad_values_name_the_variable_and_the_choices() {
        assert!(config(&[("AUTH_MODE", "open")])
            .unwrap_err()
            .contains("oauth, bearer, none"));
        assert!(config(&[("MCP_TOOLSETS", "gitlab")])
            .unwrap_err()
            .contains("MCP_TOOLSETS"));
        let groups = config(&[("MCP_TOOLSETS", "issues, Pulls")]).unwrap();
        assert!(groups.has_toolset(Toolset::Issues) && groups.has_toolset(Toolset::Pulls));
        assert!(!groups.has_toolset(Toolset::Repos) && !groups.has_toolset(Toolset::Conformance));
        let all = config(&[]).unwrap();
        assert!(all.has_toolset(Toolset::Users) && !all.has_toolset(Toolset::Conformance));
        assert!(config(&[("MCP_TOOLSETS", " , ")])
            .unwrap_err()
            .contains("empty"));
        assert!(config(&[("GITHUB_API_URL", "ftp://x")])
            .unwrap_err()
            .contains("GITHUB_API_URL"));
        assert!(config(&[("GITHUB_WEB_URL", "https://x?y")])
            .unwrap_err()
            .contains("GITHUB_WEB_URL"));
    }

    #[test]
    fn blocked_redirect_hosts_are_host_names() {
        let hosts = "Evil.Example, phish-1.example.org., 1.2.3.4, [2001:DB8::1]";
        let c = config(&[("BLOCKED_REDIRECT_HOSTS", hosts)]).unwrap();
        let expected = [
            "evil.example",
            "phish-1.example.org",
            "1.2.3.4",
            "[2001:db8::1]",
        ];
        assert_eq!(c.blocked_redirect_hosts, expected);
        for (bad, why) in [
            ("https://evil.example", "no scheme, port or path"),
            ("evil.example:443", "no scheme, port or path"),
            ("evil.example/cb", "no scheme, port or path"),
            ("\u{e9}vil.example", "xn-- form"),
            (".example", "no host name"),
            ("evil..example", "no host name"),
            ("com", "would block every client under it"),
            ("[not-v6]", "no IPv6 address"),
        ] {
            let refused = config(&[("BLOCKED_REDIRECT_HOSTS", bad)]).unwrap_err();
            assert!(refused.contains(why), "{bad}: {refused}");
        }
        let ids = config(&[("BLOCKED_CLIENTS", " mcpcr_a ,b")]).unwrap();
        assert_eq!(ids.blocked_clients, ["mcpcr_a", "b"]);
    }

    #[test]
    fn allowed_github_users_are_numeric_ids() {
        let c = config(&[("ALLOWED_GITHUB_USERS", "583231, alice:42 ,bob-2:7")]).unwrap();
        let ids: Vec<u64> = c.allowed_github_users.iter().map(|u| u.id).collect();
        assert_eq!(ids, vec![583231, 42, 7]);
        assert_eq!(c.allowed_github_users[1].login.as_deref(), Some("alice"));
        assert!(c.github_user_allowed(42) && !c.github_user_allowed(43));
        assert_eq!(c.allowed_github_ids(), Some(vec![583231, 42, 7]));
        let everyone = config(&[]).unwrap();
        assert!(everyone.github_user_allowed(1));
        assert_eq!(everyone.allowed_github_ids(), None);
        let bare = config(&[("ALLOWED_GITHUB_USERS", "1, octocat")]).unwrap_err();
        assert!(bare.contains("'octocat'"), "{bare}");
        assert!(
            bare.contains("https://api.github.com/users/octocat"),
            "{bare}"
        );
        for bad in ["alice:", ":5", "0", "alice:-1", "a b:5", "alice:5x", "é:5"] {
            let error = config(&[("ALLOWED_GITHUB_USERS", bad)]).unwrap_err();
            assert!(error.contains("ALLOWED_GITHUB_USERS"), "{bad}: {error}");
        }
    }

    #[test]
    fn oauth_mode_names_the_secrets_it_lacks() {
        let deploy = |vars: &[(&str, &str)]| {
            let map: HashMap<String, String> = vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            Config::for_deployment(|name| map.get(name).cloned())
        };
        let key = "3f9a1c0e7b5d2a4f8e6c1b3d5a7f9e0c2b4d6f8a1c3e5b7d9f0a2c4e6b8d0f1a";
        let all = [
            ("GITHUB_CLIENT_ID", "Iv1.0123456789abcdef"),
            (
                "GITHUB_CLIENT_SECRET",
                "0123456789abcdef0123456789abcdef01234567",
            ),
            ("COOKIE_ENCRYPTION_KEY", key),
        ];
        assert!(deploy(&all).is_ok());
        for missing in 0..all.len() {
            let mut vars = all.to_vec();
            let (name, _) = vars.remove(missing);
            let error = deploy(&vars).unwrap_err();
            assert!(
                error.contains(&format!("needs the secret {name}, which is not set")),
                "{error}"
            );
            assert!(error.contains("npx wrangler secret put"), "{error}");
            for (_, value) in &vars {
                assert!(
                    !error.contains(value),
                    "no secret's value is echoed: {error}"
                );
            }
        }
        let none = deploy(&[]).unwrap_err();
        assert!(
            none.contains(
                "GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET, COOKIE_ENCRYPTION_KEY, which are not set"
            ),
            "{none}"
        );
        // The other modes need none of them.
        assert!(deploy(&[("AUTH_MODE", "bearer")]).is_ok());
        assert!(deploy(&[("AUTH_MODE", "none")]).is_ok());
    }

    #[test]
    fn allowed_origins_are_origins() {
        let c = config(&[(
            "ALLOWED_ORIGINS",
            "https://playground.ai.cloudflare.com/, http://localhost:6274, chrome-extension://abc, *",
        )])
        .unwrap();
        assert_eq!(
            c.allowed_origins,
            [
                "https://playground.ai.cloudflare.com",
                "http://localhost:6274",
                "chrome-extension://abc",
                "*"
            ]
        );
        for (bad, why) in [
            ("playground.ai.cloudflare.com", "with its scheme"),
            ("https://example.com/app", "no path"),
            ("https://user@example.com", "no path, query or user name"),
            ("https://*.example.com", "a * inside one never matches"),
            ("*.example.com", "a * inside one never matches"),
        ] {
            let error = config(&[("ALLOWED_ORIGINS", bad)]).unwrap_err();
            assert!(
                error.contains("ALLOWED_ORIGINS") && error.contains(why),
                "{bad}: {error}"
            );
        }
        let password = config(&[("ALLOWED_ORIGINS", "https://me:hunter2@example.com")]);
        assert!(!password.unwrap_err().contains("hunter2"));
        // `null`: where a token is still required, a list with it is narrower than no list
        // (which allows every origin); without tokens it would open the server to any page.
        for mode in ["oauth", "bearer"] {
            let c = config(&[
                ("AUTH_MODE", mode),
                ("ALLOWED_ORIGINS", "null, https://a.example"),
            ]);
            assert_eq!(
                c.unwrap().allowed_origins,
                ["null", "https://a.example"],
                "{mode}"
            );
        }
        let none = config(&[("AUTH_MODE", "none"), ("ALLOWED_ORIGINS", "null")]).unwrap_err();
        assert!(
            none.contains("sandboxed") && none.contains("AUTH_MODE=none"),
            "{none}"
        );
    }

    #[test]
    fn a_base_url_with_credentials_is_refused_without_echoing_them() {
        let error = config(&[(
            "GITHUB_API_URL",
            "https://me:ghp_secret123@ghe.example.com/api/v3",
        )])
        .unwrap_err();
        assert!(error.contains("GITHUB_API_URL"), "{error}");
        assert!(!error.contains("ghp_secret123"), "{error}");
        let schemeless =
            config(&[("GITHUB_WEB_URL", "me:ghp_secret123@ghe.example.com")]).unwrap_err();
        assert!(schemeless.contains("GITHUB_WEB_URL"), "{schemeless}");
        assert!(!schemeless.contains("ghp_secret123"), "{schemeless}");
        for (name, value) in [
            (
                "GITHUB_API_URL",
                "https://ghe.example.com/api/v3?access_token=ghp_secret123",
            ),
            ("GITHUB_WEB_URL", "ghe.example.com/#ghp_secret123"),
            ("GITHUB_API_URL", "https://ghe.example.com ghp_secret123"),
            ("GITHUB_API_URL", "ghe.example.com\tghp_secret123"),
            ("GITHUB_API_URL", "ghp_secret123"),
            ("GITHUB_WEB_URL", "ftp://ghp_secret123"),
        ] {
            let error = config(&[(name, value)]).unwrap_err();
            assert!(error.contains(name), "{error}");
            assert!(!error.contains("ghp_secret123"), "{value}: {error}");
        }
    }

    #[test]
    fn log_settings_and_limits_take_only_their_values() {
        assert!(config(&[("LOG_LEVEL", "Warning"), ("LOG_CALLER_LOGIN", "TRUE")]).is_ok());
        let level = config(&[("LOG_LEVEL", "verbose")]).unwrap_err();
        assert!(level.contains("LOG_LEVEL") && level.contains("debug, info, warn, error"));
        let login = config(&[("LOG_CALLER_LOGIN", "yes")]).unwrap_err();
        assert!(login.contains("LOG_CALLER_LOGIN") && login.contains("true or false"));
        let limits = config(&[("TOOL_CALL_LIMITS", "false")]).unwrap_err();
        assert!(limits.contains("TOOL_CALL_LIMITS") && limits.contains("on (the default) or off"));
    }

    #[test]
    fn tool_call_limits_are_on_unless_switched_off() {
        assert!(config(&[]).unwrap().tool_call_limits);
        assert!(
            config(&[("TOOL_CALL_LIMITS", "on")])
                .unwrap()
                .tool_call_limits
        );
        assert!(
            !config(&[("TOOL_CALL_LIMITS", " off ")])
                .unwrap()
                .tool_call_limits
        );
    }

    #[test]
    fn task_lifetime_is_bounded() {
        assert_eq!(config(&[]).unwrap().task_ttl_ms, 3_600_000);
        let short = config(&[("TASK_TTL_SECONDS", "10")]).unwrap();
        assert_eq!(short.task_ttl_ms, 10_000);
        for bad in ["4", "86401", "1.5", "-5", "an hour", "99999999999999999999"] {
            let error = config(&[("TASK_TTL_SECONDS", bad)]).unwrap_err();
            assert!(
                error.contains("TASK_TTL_SECONDS") && error.contains("5 to 86400"),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn the_token_cache_lasts_at_most_a_minute() {
        assert_eq!(config(&[]).unwrap().token_cache_ms, 30_000);
        assert_eq!(
            config(&[("TOKEN_CACHE_SECONDS", "0")])
                .unwrap()
                .token_cache_ms,
            0
        );
        assert_eq!(
            config(&[("TOKEN_CACHE_SECONDS", "60")])
                .unwrap()
                .token_cache_ms,
            60_000
        );
        for bad in ["61", "-1", "1.5", "forever", "99999999999999999999"] {
            let err = config(&[("TOKEN_CACHE_SECONDS", bad)]).unwrap_err();
            assert!(
                err.contains("TOKEN_CACHE_SECONDS") && err.contains("60"),
                "{err}"
            );
        }
    }

    #[test]
    fn lockdown_and_its_trusted_bots() {
        let off = config(&[]).unwrap();
        assert!(!off.lockdown && off.lockdown_trusted_bots.is_empty());
        let on = config(&[
            ("LOCKDOWN", "TRUE"),
            ("LOCKDOWN_TRUSTED_BOTS", "dependabot[bot], renovate[bot]"),
        ])
        .unwrap();
        assert!(on.lockdown);
        assert_eq!(
            on.lockdown_trusted_bots,
            ["dependabot[bot]", "renovate[bot]"]
        );
        assert!(config(&[("LOCKDOWN", "yes")])
            .unwrap_err()
            .contains("true or false"));
        let connection = mcp_core::connection::Connection {
            lockdown: true,
            ..Default::default()
        };
        assert!(off.content_policy(&connection).lockdown);
        assert!(on.content_policy(&Default::default()).lockdown);
    }
}
