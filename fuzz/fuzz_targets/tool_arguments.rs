//! Tool arguments: `mcp_core::schema::validate_arguments` against the input schemas of the real
//! tools (every toolset, as `tools::build_server` registers them), then the tools' own
//! parsing of what passed (the checks in `tools::args`: names, refs, paths, text, timestamps,
//! numbers, paging).
//!
//! Input: line 1 names a tool (an unknown name means every tool); the rest is the
//! `arguments` object as JSON.
//!
//! Asserts: no panic; accepted arguments hold every required property and, where the schema
//! says `additionalProperties: false`, nothing else; each value has its schema's type, is
//! in its `enum`, within `minLength`/`maxLength` (characters) and `minimum`/`maximum`;
//! declared defaults are filled in; validating the result again accepts it unchanged; what
//! those checks then accept stays inside the upstream URL it goes into (names are one path
//! segment, refs and text come back whole from the query, paths are not normalised away),
//! and paging stays within 1–1000 and 1–100.
#![no_main]

use std::sync::OnceLock;

use github_mcp_worker::config::Config;
use github_mcp_worker::tools::args::{
    git_ref, login, number, repo_path, repo_ref, text, timestamp, Paging,
};
use github_mcp_worker::tools::build_server;
use github_mcp_worker_fuzz::{
    assert_contents_path, assert_path_segment, assert_query_value, check_oracles, fields,
};
use libfuzzer_sys::fuzz_target;
use mcp_core::schema::validate_arguments;
use serde_json::{Map, Value};

/// Every tool's name and input schema, built once.
fn schemas() -> &'static [(String, Value)] {
    static SCHEMAS: OnceLock<Vec<(String, Value)>> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        let config = Config::from_lookup(|name| {
            (name == "MCP_TOOLSETS").then(|| "github, conformance".to_string())
        })
        .expect("a configuration with every toolset");
        let server = build_server(&config);
        let schemas: Vec<(String, Value)> = server
            .tool_definitions()
            .map(|d| (d.name.to_string(), d.input_schema.clone()))
            .collect();
        assert!(schemas.len() > 20, "only {} tools", schemas.len());
        schemas
    })
}

fuzz_target!(|data: &[u8]| {
    check_oracles();
    let fields = fields(data, 2);
    let name = fields.first().map(String::as_str).unwrap_or_default();
    let Some(arguments) = fields
        .get(1)
        .and_then(|json| serde_json::from_str::<Value>(json).ok())
    else {
        return;
    };
    let Value::Object(arguments) = arguments else {
        return;
    };
    let all = schemas();
    let named: Vec<_> = all.iter().filter(|(n, _)| n == name).collect();
    let chosen = if named.is_empty() {
        all.iter().collect()
    } else {
        named
    };
    for (tool, schema) in chosen {
        let mut checked = arguments.clone();
        if validate_arguments(schema, &mut checked).is_ok() {
            check_accepted(tool, schema, &arguments, &checked);
        }
    }
});

fn check_accepted(
    tool: &str,
    schema: &Value,
    sent: &Map<String, Value>,
    checked: &Map<String, Value>,
) {
    let empty = Map::new();
    let properties = schema["properties"].as_object().unwrap_or(&empty);
    for required in schema["required"].as_array().into_iter().flatten() {
        let required = required.as_str().expect("required names are strings");
        assert!(checked.contains_key(required), "{tool}: {required} missing");
    }
    if schema["additionalProperties"] == false {
        for key in checked.keys() {
            assert!(
                properties.contains_key(key),
                "{tool}: unknown {key:?} accepted"
            );
        }
    }
    for (key, value) in sent {
        assert_eq!(checked.get(key), Some(value), "{tool}: {key} was changed");
    }
    for (key, property) in properties {
        match checked.get(key) {
            Some(value) => check_value(tool, key, property, value),
            None => assert!(
                property.get("default").is_none(),
                "{tool}: default of {key} not filled"
            ),
        }
    }
    let mut again = checked.clone();
    assert!(
        validate_arguments(schema, &mut again).is_ok(),
        "{tool}: not idempotent"
    );
    assert_eq!(&again, checked, "{tool}");

    check_args(tool, properties, checked);
}

fn check_value(tool: &str, key: &str, schema: &Value, value: &Value) {
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let typed = types.is_empty()
        || types.iter().any(|t| match *t {
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "object" => value.is_object(),
            "array" => value.is_array(),
            "null" => value.is_null(),
            _ => true,
        });
    assert!(typed, "{tool}: {key} = {value} is not {types:?}");
    if let Some(allowed) = schema["enum"].as_array() {
        assert!(
            allowed.contains(value),
            "{tool}: {key} = {value} not in the enum"
        );
    }
    if let Some(text) = value.as_str() {
        let length = text.chars().count() as u64;
        if let Some(min) = schema["minLength"].as_u64() {
            assert!(length >= min, "{tool}: {key} too short");
        }
        if let Some(max) = schema["maxLength"].as_u64() {
            assert!(length <= max, "{tool}: {key} too long");
        }
    }
    if let Some(n) = value.as_f64() {
        if let Some(min) = schema["minimum"].as_f64() {
            assert!(n >= min, "{tool}: {key} = {n} below {min}");
        }
        if let Some(max) = schema["maximum"].as_f64() {
            assert!(n <= max, "{tool}: {key} = {n} above {max}");
        }
    }
    if let (Some(items), Some(item_schema)) = (value.as_array(), schema.get("items")) {
        for item in items {
            check_value(tool, key, item_schema, item);
        }
    }
}

/// The tools' own parsing of what the schema let through, with the names they use: what
/// it accepts is safe in the upstream URL.
fn check_args(tool: &str, properties: &Map<String, Value>, args: &Map<String, Value>) {
    let str = |name: &str| args.get(name).and_then(Value::as_str);
    let u32 = |name: &str| {
        args.get(name)
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
    };
    if let Ok(repo) = repo_ref(
        str("owner").unwrap_or_default(),
        str("repo").unwrap_or_default(),
    ) {
        assert_path_segment(&repo.owner);
        assert_path_segment(&repo.repo);
    }
    for name in ["username", "assignee", "creator"] {
        if let Ok(Some(login)) = login(name, str(name)) {
            assert_path_segment(login);
            assert!(login.len() <= 39, "{tool}: {name} {login:?}");
        }
    }
    for name in ["ref", "base"] {
        if let Ok(Some(git_ref)) = git_ref(name, str(name)) {
            assert!(!git_ref.contains(".."), "{tool}: {name} {git_ref:?}");
            assert_query_value(git_ref);
        }
    }
    let path = str("path").unwrap_or_default();
    if let Ok(encoded) = repo_path("path", path) {
        assert_contents_path(path, &encoded);
    }
    for (name, max) in [("query", 256), ("author", 100), ("labels", 200)] {
        if let Ok(Some(text)) = text(name, str(name), max) {
            assert!(text.chars().count() <= max, "{tool}: {name}");
            assert!(!text.chars().any(char::is_control), "{tool}: {name}");
            assert_query_value(text);
        }
    }
    for name in ["since", "until"] {
        if let Ok(Some(text)) = timestamp(name, str(name)) {
            assert!(
                text.bytes()
                    .all(|b| b.is_ascii_digit() || b"-:TZ+.".contains(&b)),
                "{tool}: {name} {text:?}"
            );
        }
    }
    if let Some(n) = u32("number") {
        let _ = number(n);
    }
    let paging = Paging::new(u32("page").unwrap_or(1), u32("perPage").unwrap_or(30));
    assert!((1..=100).contains(&paging.per_page), "{tool}: {paging:?}");
    if properties.contains_key("page") {
        assert!((1..=1000).contains(&paging.page), "{tool}: {paging:?}");
    }
}
