//! 2026-07-28 `Mcp-Param-*` headers: `mcp_core::param_headers::check_arguments` against the
//! input schema of the conformance fixture `test_param_headers` (a string, an integer and
//! a boolean argument, each annotated with `x-mcp-header`) plus a nested annotated string.
//!
//! Input: line 1 is the `arguments` object as JSON; line 2 is a raw `Mcp-Param-Region`
//! header value.
//!
//! Asserts: no panic; every refusal is 400 with -32020; headers a conforming client sends
//! for the body (strings as plain visible ASCII or `=?base64?…?=`, integers in decimal,
//! booleans as `true`/`false`, none for absent or null values) pass exactly when every
//! annotated value is a string, an integer or a boolean; with the raw header as the
//! region's, the check passes exactly when an independent decoder reads the header as
//! the region string the body holds, fails when the body has no region, and for a region
//! of another type passes its client rendering (and fails a boolean written otherwise).
#![no_main]

use base64::Engine;
use github_mcp_worker_fuzz::{check_oracles, fields, header_value};
use libfuzzer_sys::fuzz_target;
use mcp_core::param_headers::check_arguments;
use serde_json::{json, Value};

/// The annotated arguments: (path in the body, header name).
const ANNOTATED: [(&[&str], &str); 4] = [
    (&["region"], "mcp-param-region"),
    (&["count"], "mcp-param-count"),
    (&["dryRun"], "mcp-param-dryrun"),
    (&["nested", "id"], "mcp-param-id"),
];

fn schema() -> Value {
    json!({ "type": "object", "properties": {
        "region": { "type": "string", "x-mcp-header": "Region" },
        "count": { "type": "integer", "x-mcp-header": "Count" },
        "dryRun": { "type": "boolean", "x-mcp-header": "DryRun" },
        "nested": { "type": "object", "properties": { "id": { "type": "string", "x-mcp-header": "Id" } } },
        "list": { "type": "array", "items": { "type": "string", "x-mcp-header": "Item" } }
    } })
}

fn at<'a>(arguments: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter()
        .try_fold(arguments, |v, key| v.get(*key))
        .filter(|v| !v.is_null())
}

/// The header a conforming client sends for a body value, if it can send one.
fn client_header(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(header_value(s)),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        _ => None,
    }
}

/// Reads a header value as the spec describes, written apart from the code under test.
fn decode(raw: &str) -> Option<String> {
    let (prefix, suffix) = ("=?base64?", "?=");
    if raw.len() >= prefix.len() + suffix.len() && raw.starts_with(prefix) && raw.ends_with(suffix)
    {
        let inner = raw.get(prefix.len()..raw.len() - suffix.len())?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(inner)
            .ok()?;
        return String::from_utf8(bytes).ok();
    }
    let visible = raw
        .bytes()
        .all(|b| b == b' ' || b == b'\t' || (0x21..=0x7e).contains(&b));
    visible.then(|| raw.trim_matches([' ', '\t']).to_string())
}

fuzz_target!(|data: &[u8]| {
    check_oracles();
    let parts = fields(data, 2);
    let Some(arguments) = parts
        .first()
        .and_then(|a| serde_json::from_str::<Value>(a).ok())
    else {
        return;
    };
    let schema = schema();

    // A conforming client's headers.
    let sent: Vec<(&str, Option<String>)> = ANNOTATED
        .iter()
        .map(|(path, name)| (*name, at(&arguments, path).and_then(client_header)))
        .collect();
    let representable = ANNOTATED
        .iter()
        .all(|(path, _)| at(&arguments, path).is_none_or(|v| client_header(v).is_some()));
    let headers = |name: &str| {
        sent.iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| v.clone())
    };
    let outcome = check_arguments(&schema, Some(&arguments), &headers);
    if let Err(rejection) = &outcome {
        assert_eq!((rejection.status, rejection.error.code), (400, -32020));
    }
    assert_eq!(outcome.is_ok(), representable, "{arguments}: {outcome:?}");

    // The raw header as the region's, the other headers as a client sends them.
    let Some(raw) = parts.get(1) else { return };
    let others_fine = ANNOTATED
        .iter()
        .skip(1)
        .all(|(path, _)| at(&arguments, path).is_none_or(|v| client_header(v).is_some()));
    let raw_headers = |name: &str| match name {
        "mcp-param-region" => Some(raw.clone()),
        _ => headers(name),
    };
    let outcome = check_arguments(&schema, Some(&arguments), &raw_headers);
    if let Err(rejection) = &outcome {
        assert_eq!((rejection.status, rejection.error.code), (400, -32020));
    }
    let decoded = decode(raw);
    match at(&arguments, &["region"]) {
        // The annotated type: the header must read as exactly that string.
        Some(Value::String(s)) => assert_eq!(
            outcome.is_ok(),
            others_fine && decoded.as_deref() == Some(s.as_str()),
            "{arguments} with {raw:?}: {outcome:?}"
        ),
        // A header for a value the body does not have.
        None => assert!(outcome.is_err(), "{arguments} with {raw:?}"),
        // Another type (refused later by the schema): compared by its own type; the
        // client's own rendering passes, a boolean passes only so written.
        Some(other) => match client_header(other) {
            None => assert!(outcome.is_err(), "{arguments} with {raw:?}"),
            Some(text) => {
                if others_fine && decoded.as_deref() == Some(text.as_str()) {
                    assert!(outcome.is_ok(), "{arguments} with {raw:?}: {outcome:?}");
                }
                if other.is_boolean() && decoded.as_deref() != Some(text.as_str()) {
                    assert!(outcome.is_err(), "{arguments} with {raw:?}");
                }
            }
        },
    }
});
