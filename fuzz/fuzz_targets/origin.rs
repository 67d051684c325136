//! `Origin` and `Host` headers: `is_loopback_host`, `OriginPolicy::allows`, `Endpoint::of`.
//!
//! Input: line 1 is the header value; line 2, if present, one `ALLOWED_ORIGINS` entry;
//! line 3, a request path.
//!
//! Asserts: no panic; case and surrounding whitespace never change a verdict; a host taken
//! for loopback is plain ASCII host syntax that the URL parser also reads as this machine
//! with nothing after it, and a canonical loopback host is always taken; the sign-in pages
//! admit exactly our own origin (and the consent form also `null`); an admitted API origin is
//! `null` or printable `scheme://host[:port]`, and every canonical origin that is ours,
//! listed or in an open token mode is admitted; an API origin admitted without being ours or
//! listed is, when it parses, an http(s) loopback origin and nothing more, and a canonical
//! loopback origin is admitted in `none` mode.
#![no_main]

use github_mcp_worker::transport::origin::{is_loopback_host, Endpoint, OriginPolicy};
use github_mcp_worker_fuzz::{check_oracles, fields, loopback_url_host, url_with_host};
use libfuzzer_sys::fuzz_target;
use url::Url;

const OWN: &str = "https://mcp.example.dev";

fuzz_target!(|data: &[u8]| {
    check_oracles();
    let fields = fields(data, 3);
    let value = fields.first().map(String::as_str).unwrap_or_default();
    let entry = fields.get(1);
    let path = fields.get(2).map(String::as_str).unwrap_or("/mcp");

    check_host(value);
    check_endpoint(path);
    let lists = [
        Vec::new(),
        vec!["*".to_string()],
        entry.into_iter().cloned().collect(),
    ];
    for listed in &lists {
        for tokens_required in [false, true] {
            check_policy(value, listed, tokens_required);
        }
    }
});

fn check_host(host: &str) {
    let loopback = is_loopback_host(host);
    assert_eq!(
        loopback,
        is_loopback_host(&host.to_ascii_uppercase()),
        "{host:?}"
    );
    assert_eq!(
        loopback,
        is_loopback_host(&format!(" {host}\t")),
        "{host:?}"
    );
    let trimmed = host.trim();
    if loopback {
        assert!(
            trimmed
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"[]:.".contains(&b)),
            "{host:?} is loopback but is not plain host syntax"
        );
        // A port beyond 65535 makes the URL parser refuse it; otherwise it must agree.
        if let Some(url) = url_with_host(trimmed) {
            assert!(
                loopback_url_host(url.host()),
                "{host:?}: the URL parser sees {url}"
            );
            assert_eq!(url.path(), "/", "{host:?}");
        }
    }
    if let Some(url) = url_with_host(trimmed) {
        let canonical = match (url.host_str(), url.port()) {
            (Some(h), Some(port)) => format!("{h}:{port}"),
            (Some(h), None) => h.to_string(),
            (None, _) => String::new(),
        };
        if loopback_url_host(url.host()) && canonical.eq_ignore_ascii_case(trimmed) {
            assert!(loopback, "{host:?} is a canonical loopback host");
        }
    }
}

fn check_endpoint(path: &str) {
    for post in [false, true] {
        let expected = match path {
            "/authorize" if post => Endpoint::ConsentForm,
            "/authorize" | "/callback" => Endpoint::SignInPage,
            _ => Endpoint::Api,
        };
        assert_eq!(Endpoint::of(post, path), expected, "{path:?}");
    }
}

fn check_policy(origin: &str, listed: &[String], tokens_required: bool) {
    let policy = OriginPolicy {
        own_origin: OWN,
        listed,
        tokens_required,
    };
    let normalized = origin.trim().trim_end_matches('/');
    let own = normalized.eq_ignore_ascii_case(OWN);
    assert_eq!(
        policy.allows(origin, Endpoint::SignInPage),
        own,
        "{origin:?}"
    );
    assert_eq!(
        policy.allows(origin, Endpoint::ConsentForm),
        own || normalized == "null",
        "{origin:?}"
    );
    let api = policy.allows(origin, Endpoint::Api);
    let is_listed = listed
        .iter()
        .any(|a| a == "*" || a.eq_ignore_ascii_case(normalized));
    let open_to_all = tokens_required && listed.is_empty();
    if api {
        // What may be echoed into Access-Control-Allow-Origin: printable ASCII, no path.
        assert!(
            normalized == "null"
                || (normalized.bytes().all(|b| b.is_ascii_graphic())
                    && normalized.split_once("://").is_some_and(|(_, rest)| {
                        !rest.is_empty() && !rest.contains(['/', '?', '#', '@'])
                    })),
            "{origin:?} admitted but is not an origin a browser sends"
        );
    }
    if (open_to_all || own || is_listed) && is_canonical_origin(normalized) {
        assert!(api, "{origin:?} is ours, listed, or the API is open to all");
    }
    if api && !(open_to_all || own || is_listed) {
        assert!(
            !tokens_required,
            "{origin:?} admitted in a token mode by {listed:?}"
        );
        if let Ok(url) = Url::parse(normalized) {
            assert!(matches!(url.scheme(), "http" | "https"), "{origin:?}");
            assert!(
                loopback_url_host(url.host()),
                "{origin:?}: not loopback to the URL parser"
            );
            assert!(
                url.username().is_empty() && url.password().is_none(),
                "{origin:?}"
            );
            assert_eq!(url.path(), "/", "{origin:?}");
            assert!(
                url.query().is_none() && url.fragment().is_none(),
                "{origin:?}"
            );
        }
    }
    if !tokens_required {
        if let Ok(url) = Url::parse(normalized) {
            let canonical = url.origin().ascii_serialization();
            // Browsers send the origin's serialization exactly (lowercase scheme).
            if matches!(url.scheme(), "http" | "https")
                && loopback_url_host(url.host())
                && canonical == normalized
            {
                assert!(api, "{origin:?} is a canonical loopback origin");
            }
        }
    }
}

/// `null`, or exactly the serialization the URL parser gives an http(s) URL's origin (what
/// a browser sends).
fn is_canonical_origin(origin: &str) -> bool {
    origin == "null"
        || Url::parse(origin).is_ok_and(|url| {
            matches!(url.scheme(), "http" | "https") && url.origin().ascii_serialization() == origin
        })
}
