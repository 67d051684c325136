//! Forms and cookies of the sign-in pages: `pages::Form`, `pages::cookie_value`,
//! `pages::csp_source` with `consent_form_action`, and the approved-clients cookie
//! (`approved::Approved::read`), both as a raw cookie and as a payload signed with the key
//! (so its JSON reading is reached).
//!
//! Input: the whole text is a form body, a `Cookie` header, a cookie value and a signed
//! payload; lines 1 and 2 are also a GitHub URL and a redirect URI for the consent CSP.
//!
//! Asserts: no panic; form fields survive being encoded and parsed again; a cookie value
//! is trimmed and holds no `;`, the first cookie of a name wins and a cookie appended after
//! is found when none came before; the consent form's CSP sources are `'self'` or plain
//! URL characters; an unsigned or forged approval cookie reads as no approvals; a signed
//! payload reads as exactly the approvals it holds if it is unexpired and names at most 20
//! clients, else none; adding a client keeps at most 20, each as a 22-character digest, and
//! survives the cookie round trip.
#![no_main]

use github_mcp_worker::auth::crypto;
use github_mcp_worker::auth::oauth::approved::{Approved, MAX_APPROVED};
use github_mcp_worker::auth::oauth::pages::{
    consent_form_action, cookie_value, Form, APPROVED_COOKIE, CSRF_COOKIE, LOGIN_COOKIE,
};
use github_mcp_worker_fuzz::{check_oracles, fields};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const KEY: &[u8] = b"fuzz-key-0123456789abcdef-0123456";
const NOW: i64 = 1_700_000_000;

fuzz_target!(|data: &[u8]| {
    check_oracles();
    let text = String::from_utf8_lossy(data);

    // The form's first values, every value and repeats agree with the pairs as the URL
    // parser reads them, and with the form read again from those pairs encoded.
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(text.as_bytes())
        .into_owned()
        .collect();
    let encoded = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&pairs)
        .finish();
    for form in [Form::parse(&text), Form::parse(&encoded)] {
        for (name, _) in &pairs {
            let values: Vec<&str> = pairs
                .iter()
                .filter(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .collect();
            assert_eq!(form.get(name), values.first().copied(), "{name:?}");
            assert_eq!(form.all(name).collect::<Vec<_>>(), values, "{name:?}");
            assert_eq!(form.repeats(|n| n == name), values.len() > 1, "{name:?}");
        }
        let distinct: std::collections::HashSet<&str> =
            pairs.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(form.repeats(|_| true), distinct.len() < pairs.len());
    }

    let first = text
        .split(';')
        .find_map(|part| part.trim().split_once('='))
        .map(|(name, _)| name.to_string());
    for name in [CSRF_COOKIE, LOGIN_COOKIE, APPROVED_COOKIE]
        .into_iter()
        .chain(first.as_deref())
    {
        check_cookie(&text, name);
    }

    let lines = fields(data, 3);
    let github = lines.first().map(String::as_str).unwrap_or_default();
    let redirect = lines.get(1).map(String::as_str).unwrap_or_default();
    let action = consent_form_action(github, redirect);
    for source in action.split(' ') {
        let plain = !source.is_empty()
            && source
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".:/+-".contains(&b));
        assert!(source == "'self'" || plain, "form-action {action:?}");
    }

    check_approved(&text);
});

fn check_cookie(header: &str, name: &str) {
    let found = cookie_value(header, name);
    if let Some(value) = found {
        assert_eq!(value, value.trim());
        assert!(!value.contains(';'), "{value:?}");
    }
    // Names with `;`, `=` or surrounding spaces cannot be cookie names.
    if name.contains([';', '=']) || name.trim() != name || name.is_empty() {
        return;
    }
    let appended = format!("{header}; {name}=appended");
    let expected = found.unwrap_or("appended");
    assert_eq!(
        cookie_value(&appended, name),
        Some(expected),
        "{appended:?}"
    );
}

fn check_approved(text: &str) {
    let raw = Approved::read(KEY, Some(text), NOW);
    if crypto::unsign(KEY, text).is_none() {
        assert_eq!(
            raw,
            Approved::default(),
            "an unsigned cookie approved something"
        );
    }

    let signed = Approved::read(KEY, Some(&crypto::sign(KEY, text)), NOW);
    let expected = serde_json::from_str::<Approved>(text)
        .ok()
        .filter(|approved| {
            let json = serde_json::to_value(approved).expect("approvals serialize");
            let unexpired = json["expires_at"].as_i64().is_some_and(|at| at >= NOW);
            let clients = json["clients"].as_array().map_or(usize::MAX, Vec::len);
            unexpired && clients <= MAX_APPROVED
        })
        .unwrap_or_default();
    assert_eq!(signed, expected, "{text:?}");

    let client = text.lines().next().unwrap_or_default();
    let renewed = signed.with(client, NOW);
    assert!(renewed.contains(client));
    let read = Approved::read(KEY, Some(&renewed.to_cookie_value(KEY)), NOW);
    assert_eq!(read, renewed);
    assert!(read.contains(client));
    let clients = serde_json::to_value(&read).expect("approvals serialize")["clients"].clone();
    assert!(clients
        .as_array()
        .is_some_and(|clients| clients.len() <= MAX_APPROVED));
    // The most recent first, as a digest: 22 base64url characters whatever the id.
    let first = clients.get(0).and_then(Value::as_str).unwrap_or_default();
    assert_eq!(first.len(), 22, "{first:?}");
}
