//! What a grant's Durable Object keeps, and every decision it takes, as plain Rust tested on
//! the host: [`apply`] turns the stored state and one request into the state to store and
//! the answer; [`on_alarm`] says what the object's alarm does. The object
//! ([`super::grant`]) only loads, calls these, and stores.
//!
//! The rules:
//! - A code is redeemed once. Presenting it again within its ten minutes revokes the grant
//!   (RFC 6749 §4.1.2). Any attempt with the right code uses it up, even one that fails.
//! - A refresh rotates the token. A retry with the same token within
//!   [`REFRESH_RETRY_WINDOW_SECONDS`] gets the answer the rotation gave; an older token, or
//!   the same one after the window, revokes the grant (OAuth 2.1 §4.3.1).
//! - A user no longer in `ALLOWED_GITHUB_USERS` gets no more tokens: the grant is revoked.
//! - An access token works while its grant is live, until it expires or is revoked; the
//!   object answers for it ([`GrantRequest::Check`]) and keeps at most [`MAX_LIVE_ACCESS`].
//! - A revoked grant keeps nothing but when it may be forgotten: no token of it works.

use serde::{Deserialize, Serialize};

use super::grant_protocol::{AccessGrant, GrantAnswer, GrantInfo, GrantRequest, Issue};
use super::pending::PENDING_TTL_SECONDS;
use super::store::{CODE_TTL, REFRESH_TTL};

/// How long a retry of the latest refresh gets the same answer instead of revoking the
/// grant. Clients race their refreshes (several requests see the same expired token at
/// once) and retry on network errors; they do so within seconds.
pub const REFRESH_RETRY_WINDOW_SECONDS: i64 = 30;
/// How many rotated refresh tokens are remembered, to tell reuse (which revokes) from a
/// malformed token (which is only refused).
pub const MAX_PREVIOUS_REFRESH: usize = 100;
/// How many unexpired access tokens a grant keeps; a newer one pushes out the oldest. A
/// client refreshing every minute holds 60; a refresh loop cannot grow the record. (Entries
/// from before tokens named their grant do not count, and are never pushed out: they were
/// issued within an hour of the upgrade, by a version that kept no more.)
pub const MAX_LIVE_ACCESS: usize = 100;

// A grant whose code was never redeemed lapses a code's life after its sign-in's callback;
// it must outlive the sign-in, or a copied login cookie could create it again (`apply`).
const _: () = assert!(CODE_TTL as i64 >= PENDING_TTL_SECONDS);

/// The object's one storage record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Stored {
    Live(Box<Live>),
    Revoked {
        /// The live access tokens issued before tokens named their grant (empty but for a
        /// grant revoked within an hour of the upgrade). Always written, so that a version
        /// rolled back to reads the record, and its alarm deletes their KV records again.
        #[serde(default)]
        access: Vec<AccessEntry>,
        /// When the alarm forgets the grant.
        cleanup_at: i64,
    },
}

/// A live grant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Live {
    pub grant: GrantInfo,
    pub code: Code,
    /// SHA-256 of the one refresh token that is currently valid.
    pub refresh_hash: Option<String>,
    /// SHA-256 of rotated refresh tokens, newest last.
    pub previous_refresh: Vec<String>,
    pub retry: Option<Retry>,
    /// The access tokens that may still be live, oldest first.
    pub access: Vec<AccessEntry>,
    /// When the grant lapses (seconds since the epoch): the code's expiry until tokens are
    /// issued, then [`REFRESH_TTL`] after the latest issue.
    pub expires_at: i64,
}

/// The grant's authorization code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Code {
    pub hash: String,
    pub redirect_uri: String,
    /// True when the authorization request gave no `redirect_uri` (the client's one
    /// registered URI was used): `/token` may then leave it out too (RFC 6749, 4.1.3).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub redirect_uri_omitted: bool,
    pub challenge: String,
    pub expires_at: i64,
    pub redeemed: bool,
}

/// The answer of the latest rotation, kept for the retry window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Retry {
    /// SHA-256 of the refresh token that was rotated.
    pub presented_hash: String,
    /// The token pair given, sealed under a key derived from that refresh token.
    pub sealed_answer: String,
    pub access_hash: String,
    pub access_expires_at: i64,
    pub until: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessEntry {
    pub hash: String,
    pub expires_at: i64,
    /// The SHA-256 of the origin the token was issued for
    /// ([`super::grant_protocol::audience`]). Empty in entries written before access tokens
    /// named their grant: those tokens have KV records, and are never presented here.
    #[serde(default)]
    pub audience: String,
}

impl AccessEntry {
    /// Issued before access tokens named their grant: checked by its KV `access:` record.
    pub fn is_legacy(&self) -> bool {
        self.audience.is_empty()
    }
}

/// What to do with storage after a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Keep,
    Save(Stored),
    Forget,
}

/// When the object's alarm should run for this state (seconds since the epoch).
pub fn deadline(stored: &Stored) -> i64 {
    match stored {
        Stored::Live(live) => live.expires_at,
        Stored::Revoked { cleanup_at, .. } => *cleanup_at,
    }
}

/// What the alarm does.
#[derive(Debug, Clone, PartialEq)]
pub enum AlarmAction {
    /// Not due yet: run again then.
    Reschedule(i64),
    /// Forget the grant.
    Forget,
}

pub fn on_alarm(stored: Option<Stored>, now: i64) -> AlarmAction {
    match stored {
        Some(stored) if deadline(&stored) > now => AlarmAction::Reschedule(deadline(&stored)),
        // A lapsed live grant: its access tokens expired long before it did.
        _ => AlarmAction::Forget,
    }
}

fn refused(reason: &str) -> GrantAnswer {
    GrantAnswer::Refused {
        reason: reason.to_string(),
    }
}

const GONE: &str = "the authorization has expired or was revoked; sign in again";
const ACCESS_GONE: &str = "the access token is unknown, expired or revoked";

/// Decides one request.
pub fn apply(stored: Option<Stored>, request: GrantRequest, now: i64) -> (Change, GrantAnswer) {
    if let GrantRequest::Create {
        grant,
        code_hash,
        redirect_uri,
        redirect_uri_omitted,
        code_challenge,
        code_expires_at,
        sign_in_expires_at,
    } = request
    {
        // A grant is kept past its sign-in's end (its code lives as long from a later
        // moment; a revoked one is kept as long: `revoke`), so within the sign-in a grant
        // of the same id is still here.
        if now >= sign_in_expires_at {
            return (Change::Keep, refused("this sign-in has expired"));
        }
        if stored.is_some() {
            return (Change::Keep, refused("this grant already exists"));
        }
        let live = Live {
            grant,
            code: Code {
                hash: code_hash,
                redirect_uri,
                redirect_uri_omitted,
                challenge: code_challenge,
                expires_at: code_expires_at,
                redeemed: false,
            },
            refresh_hash: None,
            previous_refresh: Vec::new(),
            retry: None,
            access: Vec::new(),
            expires_at: code_expires_at,
        };
        return (
            Change::Save(Stored::Live(Box::new(live))),
            GrantAnswer::Created,
        );
    }
    let mut live = match stored {
        Some(Stored::Live(live)) if live.expires_at > now => live,
        // Lapsed: the alarm is due; answer as if it had run.
        Some(Stored::Live(_)) => return (Change::Forget, refused(GONE)),
        Some(Stored::Revoked { .. }) => return (Change::Keep, refused(GONE)),
        None => {
            let reason = match request {
                GrantRequest::Redeem { .. } => "the authorization code is invalid or has expired",
                GrantRequest::Check { .. } | GrantRequest::RevokeAccess { .. } => ACCESS_GONE,
                _ => "the refresh token is invalid or has expired",
            };
            return (Change::Keep, refused(reason));
        }
    };
    live.access.retain(|a| a.expires_at > now);
    match request {
        GrantRequest::Create { .. } => (Change::Keep, refused("this grant already exists")),
        GrantRequest::Check { access_hash } => {
            // An entry without its audience was written by a version before tokens named
            // their grant (rolled back to, then forward again): it vouches for nothing.
            let entry = live
                .access
                .iter()
                .find(|a| a.hash == access_hash && !a.is_legacy());
            let answer = match entry {
                Some(entry) => GrantAnswer::Access(AccessGrant {
                    client_id: live.grant.client_id.clone(),
                    audience: entry.audience.clone(),
                    expires_at: entry.expires_at,
                    github_user_id: live.grant.github_user_id,
                    github_login: live.grant.github_login.clone(),
                    github_token: live.grant.github_token.clone(),
                    redirect_uri: live.code.redirect_uri.clone(),
                }),
                None => refused(ACCESS_GONE),
            };
            (Change::Keep, answer)
        }
        GrantRequest::RevokeAccess {
            access_hash,
            client_id,
        } => {
            let before = live.access.len();
            if client_id == live.grant.client_id {
                live.access.retain(|a| a.hash != access_hash);
            }
            if live.access.len() == before {
                return (Change::Keep, refused("unknown access token"));
            }
            let answer = GrantAnswer::Revoked {
                reason: "the access token was revoked".into(),
                legacy_access: Vec::new(),
            };
            (Change::Save(Stored::Live(live)), answer)
        }
        GrantRequest::Redeem {
            code_hash,
            client_id,
            redirect_uri,
            verifier_s256,
            issue,
            allowed,
        } => {
            if code_hash != live.code.hash || now >= live.code.expires_at {
                return (
                    Change::Keep,
                    refused("the authorization code is invalid or has expired"),
                );
            }
            if live.code.redeemed {
                let reason = if live.refresh_hash.is_none() && live.access.is_empty() {
                    // The first exchange was refused (wrong client, redirect_uri or PKCE
                    // verifier) and issued nothing: say so, rather than claim a revocation.
                    "the authorization code was already presented in a refused exchange and is used up; start the authorization again"
                } else {
                    "the authorization code was already used; its tokens have been revoked"
                };
                return revoke(*live, now, reason);
            }
            live.code.redeemed = true;
            let problem = if client_id != live.grant.client_id {
                Some("the authorization code was issued to another client")
            } else if redirect_uri
                .as_ref()
                .is_some_and(|r| *r != live.code.redirect_uri)
            {
                Some("redirect_uri does not match the authorization request")
            } else if redirect_uri.is_none() && !live.code.redirect_uri_omitted {
                // RFC 6749, 4.1.3: required when the authorization request gave it.
                Some("redirect_uri is required: the authorization request gave one")
            } else if verifier_s256.as_deref() != Some(live.code.challenge.as_str()) {
                Some("the PKCE code_verifier does not match the code_challenge")
            } else {
                None
            };
            if let Some(problem) = problem {
                // The code is used up: presenting it again revokes the grant.
                return (Change::Save(Stored::Live(live)), refused(problem));
            }
            if let Some(reason) = not_allowed(&live.grant, allowed.as_deref()) {
                return revoke(*live, now, &reason);
            }
            issue_tokens(live, issue, now, None)
        }
        GrantRequest::Refresh {
            refresh_hash,
            client_id,
            issue,
            sealed_answer,
            allowed,
        } => {
            if client_id != live.grant.client_id {
                return (
                    Change::Keep,
                    refused("the refresh token was issued to another client"),
                );
            }
            if let Some(reason) = not_allowed(&live.grant, allowed.as_deref()) {
                return revoke(*live, now, &reason);
            }
            if live.refresh_hash.as_deref() == Some(refresh_hash.as_str()) {
                let retry = Retry {
                    presented_hash: refresh_hash,
                    sealed_answer,
                    access_hash: issue.access_hash.clone(),
                    access_expires_at: issue.access_expires_at,
                    until: now + REFRESH_RETRY_WINDOW_SECONDS,
                };
                return issue_tokens(live, issue, now, Some(retry));
            }
            if let Some(retry) = live
                .retry
                .as_ref()
                .filter(|r| r.presented_hash == refresh_hash && now < r.until)
            {
                let answer = GrantAnswer::Replayed {
                    grant: live.grant.clone(),
                    access_hash: retry.access_hash.clone(),
                    access_expires_at: retry.access_expires_at,
                    sealed_answer: retry.sealed_answer.clone(),
                    redirect_uri: live.code.redirect_uri.clone(),
                };
                return (Change::Keep, answer);
            }
            if live.previous_refresh.contains(&refresh_hash) {
                // A rotated token came back after the window: someone else may hold it.
                return revoke(
                    *live,
                    now,
                    "the refresh token was already used; its authorization has been revoked, sign in again",
                );
            }
            (
                Change::Keep,
                refused("the refresh token is invalid or has expired"),
            )
        }
        GrantRequest::Revoke {
            refresh_hash,
            client_id,
        } => {
            let known = live.refresh_hash.as_deref() == Some(refresh_hash.as_str())
                || live.previous_refresh.contains(&refresh_hash);
            if known && client_id == live.grant.client_id {
                revoke(*live, now, "the refresh token was revoked")
            } else {
                (Change::Keep, refused("unknown refresh token"))
            }
        }
    }
}

fn not_allowed(grant: &GrantInfo, allowed: Option<&[u64]>) -> Option<String> {
    match allowed {
        Some(ids) if !ids.contains(&grant.github_user_id) => Some(format!(
            "GitHub user {} is no longer allowed on this server (ALLOWED_GITHUB_USERS); its authorization has been revoked",
            grant.github_login
        )),
        _ => None,
    }
}

/// Accepts the tokens of `issue` and renews the grant.
fn issue_tokens(
    mut live: Box<Live>,
    issue: Issue,
    now: i64,
    retry: Option<Retry>,
) -> (Change, GrantAnswer) {
    if let Some(old) = live.refresh_hash.replace(issue.refresh_hash) {
        live.previous_refresh.push(old);
        let excess = live
            .previous_refresh
            .len()
            .saturating_sub(MAX_PREVIOUS_REFRESH);
        live.previous_refresh.drain(..excess);
    }
    live.access.push(AccessEntry {
        hash: issue.access_hash,
        expires_at: issue.access_expires_at,
        audience: issue.audience,
    });
    // The oldest of ours give way. Entries from before tokens named their grant never do:
    // revoking hands them over so that their KV records are deleted (`revoke`).
    let ours = live.access.iter().filter(|a| !a.is_legacy()).count();
    let mut excess = ours.saturating_sub(MAX_LIVE_ACCESS);
    live.access.retain(|a| {
        let drop = excess > 0 && !a.is_legacy();
        excess -= usize::from(drop);
        !drop
    });
    live.retry = retry;
    live.expires_at = now + REFRESH_TTL as i64;
    let grant = live.grant.clone();
    let redirect_uri = live.code.redirect_uri.clone();
    (
        Change::Save(Stored::Live(live)),
        GrantAnswer::Issued {
            grant,
            redirect_uri,
        },
    )
}

/// Ends the grant: no token of it works any more.
fn revoke(live: Live, now: i64, reason: &str) -> (Change, GrantAnswer) {
    let legacy: Vec<AccessEntry> = live
        .access
        .into_iter()
        .filter(|a| a.is_legacy() && a.expires_at > now)
        .collect();
    let legacy_access = legacy.iter().map(|a| a.hash.clone()).collect();
    (
        Change::Save(Stored::Revoked {
            access: legacy,
            // Remembered at least as long as its sign-in's cookie lives, so that a copied
            // cookie cannot create the grant again ([`super::pending::PendingSignIn::grant_id`]).
            cleanup_at: now.max(live.grant.created_at + PENDING_TTL_SECONDS),
        }),
        GrantAnswer::Revoked {
            reason: reason.to_string(),
            legacy_access,
        },
    )
}

#[cfg(test)]
#[path = "grant_state_tests.rs"]
mod tests;
