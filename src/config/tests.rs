//! The configuration's unit tests: every setting, its defaults, and the refusals that name it.

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
    let schemeless = config(&[("GITHUB_WEB_URL", "me:ghp_secret123@ghe.example.com")]).unwrap_err();
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
