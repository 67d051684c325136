//! Who is calling: the identity a request was authenticated as, and the GitHub credential
//! that tools use on that caller's behalf.

use serde::{Deserialize, Serialize};

/// A secret string. It never shows in `Debug` output, so it cannot leak through logs.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// How the server authenticates requests (`AUTH_MODE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// OAuth 2.1 with GitHub login.
    Oauth,
    /// Tokens issued with `scripts/token`.
    Bearer,
    /// No authentication; loopback only, for local development and the conformance suite.
    None,
}

impl AuthMode {
    pub fn parse(text: &str) -> Option<AuthMode> {
        match text.trim().to_ascii_lowercase().as_str() {
            "oauth" => Some(AuthMode::Oauth),
            "bearer" => Some(AuthMode::Bearer),
            "none" => Some(AuthMode::None),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AuthMode::Oauth => "oauth",
            AuthMode::Bearer => "bearer",
            AuthMode::None => "none",
        }
    }
}

/// The authenticated caller of one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caller {
    pub auth_mode: AuthMode,
    /// The stable key sessions are bound to, e.g. `bearer:3f9a…` or `local`.
    pub subject: String,
    /// What to call the caller: a token's name or a GitHub login.
    pub display_name: String,
    /// The GitHub credential tools use for this caller, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub github_token: Option<Secret>,
    /// In `oauth` mode, the OAuth client the token was issued to: a session belongs to the
    /// pair of user and client, so another client of the same person cannot use it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

impl Caller {
    /// The only caller in `AUTH_MODE=none`.
    pub fn local(github_token: Option<Secret>) -> Self {
        Caller {
            auth_mode: AuthMode::None,
            subject: "local".into(),
            display_name: "local developer (AUTH_MODE=none)".into(),
            github_token,
            client_id: None,
        }
    }

    /// True when `other` is the same identity through the same OAuth client (credentials
    /// may have been refreshed).
    pub fn same_identity(&self, other: &Caller) -> bool {
        self.auth_mode == other.auth_mode
            && self.subject == other.subject
            && self.client_id == other.client_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let caller = Caller::local(Some(Secret::new("ghp_supersecret")));
        let shown = format!("{caller:?}");
        assert!(!shown.contains("supersecret"), "{shown}");
        assert!(shown.contains("redacted"));
    }

    #[test]
    fn identity_ignores_the_credential() {
        let a = Caller::local(Some(Secret::new("one")));
        let b = Caller::local(Some(Secret::new("two")));
        assert!(a.same_identity(&b));
        let mut c = a.clone();
        c.subject = "bearer:abc".into();
        assert!(!a.same_identity(&c));
    }

    #[test]
    fn identity_includes_the_oauth_client() {
        let user = |client: &str| Caller {
            auth_mode: AuthMode::Oauth,
            subject: "github:1".into(),
            display_name: "octocat".into(),
            github_token: Some(Secret::new("gho_x")),
            client_id: Some(client.into()),
        };
        assert!(user("mcpcl_a").same_identity(&user("mcpcl_a")));
        assert!(!user("mcpcl_a").same_identity(&user("mcpcl_b")));
        let json = serde_json::to_string(&user("mcpcl_a")).unwrap();
        assert!(json.contains("\"client_id\":\"mcpcl_a\""), "{json}");
        let back: Caller = serde_json::from_str(&json).unwrap();
        assert_eq!(back, user("mcpcl_a"));
        let shown = format!("{:?}", user("mcpcl_a"));
        assert!(!shown.contains("gho_x"), "{shown}");
    }
}
