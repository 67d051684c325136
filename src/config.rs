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
mod tests;
