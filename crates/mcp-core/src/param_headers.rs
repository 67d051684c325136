//! 2026-07-28 `Mcp-Param-*` headers. A tool marks an argument with `"x-mcp-header":
//! "Name"` in its input schema; a client repeats the argument's value in the header
//! `Mcp-Param-Name` (plain visible ASCII, or `=?base64?…?=`). A request whose headers and
//! body disagree is refused with 400 and -32020, so that an intermediary that routes on
//! the header and this server, which acts on the body, never see different values.
//!
//! The rule per annotated argument (streamable-http §Server Behavior for Custom Headers):
//! a value in the body needs the header, equal after decoding (numbers compared as
//! numbers); no value (absent or null) needs no header. A header with no value in the body
//! is refused as well: whoever routed on it saw a value the tool will not act on.

use serde_json::Value;

use super::context::App;
use super::jsonrpc::{codes, Request};
use super::modern::{decode_header_value, Rejection};
use super::server::Server;

/// How much of a value an error message repeats.
const ECHO_CHARS: usize = 64;

/// The annotated arguments of an input schema: the path of property names from the root
/// (only through `properties`, as the spec allows) and the header's name.
pub fn declared(schema: &Value) -> Vec<(Vec<String>, String)> {
    let mut found = Vec::new();
    walk(schema, &mut Vec::new(), &mut found);
    found
}

fn walk(schema: &Value, path: &mut Vec<String>, found: &mut Vec<(Vec<String>, String)>) {
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    for (name, property) in properties {
        path.push(name.clone());
        if let Some(header) = property.get("x-mcp-header").and_then(Value::as_str) {
            found.push((path.clone(), header.to_string()));
        }
        walk(property, path, found);
        path.pop();
    }
}

/// Checks the `Mcp-Param-*` headers of a `tools/call` against its arguments. A tool we do
/// not have is left to dispatch, which answers that it is unknown.
pub fn check<A: App>(
    server: &Server<A>,
    request: &Request,
    header: &dyn Fn(&str) -> Option<String>,
) -> Result<(), Rejection> {
    let params = request.params.as_ref();
    let name = params.and_then(|p| p.get("name")).and_then(Value::as_str);
    let Some(definition) = name.and_then(|n| server.tool_definitions().find(|d| d.name == n))
    else {
        return Ok(());
    };
    let arguments = params.and_then(|p| p.get("arguments"));
    check_arguments(&definition.input_schema, arguments, header)
}

/// Checks headers against `arguments` for a tool with input schema `schema`.
pub fn check_arguments(
    schema: &Value,
    arguments: Option<&Value>,
    header: &dyn Fn(&str) -> Option<String>,
) -> Result<(), Rejection> {
    for (path, name) in declared(schema) {
        let value = arguments
            .and_then(|a| path.iter().try_fold(a, |v, key| v.get(key)))
            .filter(|v| !v.is_null());
        let field = format!("Mcp-Param-{name}");
        let at = format!("arguments.{}", path.join("."));
        let refuse = |why: String| Rejection {
            status: 400,
            error: super::jsonrpc::RpcError::new(
                codes::HEADER_MISMATCH,
                format!("Header mismatch: {why}"),
            ),
        };
        match (value, header(&field.to_ascii_lowercase())) {
            (None, None) => {}
            (None, Some(_)) => {
                return Err(refuse(format!("{field} is present but {at} is not set")))
            }
            (Some(_), None) => {
                return Err(refuse(format!(
                    "{field} is missing but {at} is set (send it with that value)"
                )))
            }
            (Some(body), Some(raw)) => {
                let Some(text) = decode_header_value(&raw) else {
                    return Err(refuse(format!(
                        "{field} is not a valid value (visible ASCII, or =?base64?…?= holding valid Base64 of UTF-8)"
                    )));
                };
                if !matches(body, &text) {
                    return Err(refuse(format!(
                        "{field} header value '{}' does not match {at} ({})",
                        echo(&text),
                        echo(&body.to_string())
                    )));
                }
            }
        }
    }
    Ok(())
}

/// True when a decoded header repeats a body value: strings exactly, booleans as `true`
/// or `false`, integers numerically (`42.0` is `42`). Objects and arrays never match.
fn matches(body: &Value, text: &str) -> bool {
    match body {
        Value::String(s) => s == text,
        Value::Bool(b) => text == if *b { "true" } else { "false" },
        Value::Number(n) => {
            // No float parser (it would cost the bundle its tables): an integer may be
            // written with a fractional part of zeros; any other number as JSON writes it.
            let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
            let zeros = fraction.bytes().all(|b| b == b'0');
            match n.as_i64() {
                Some(i) => zeros && whole.parse::<i64>().ok() == Some(i),
                None => n.to_string() == text,
            }
        }
        _ => false,
    }
}

fn echo(text: &str) -> String {
    text.chars().take(ECHO_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({"type": "object", "properties": {
            "region": {"type": "string", "x-mcp-header": "Region"},
            "count": {"type": "integer", "x-mcp-header": "Count"},
            "dryRun": {"type": "boolean", "x-mcp-header": "DryRun"},
            "nested": {"type": "object", "properties": {"id": {"type": "string", "x-mcp-header": "Id"}}},
            "list": {"type": "array", "items": {"type": "string", "x-mcp-header": "Ignored"}},
            "query": {"type": "string"}
        }})
    }

    fn run(arguments: Value, headers: &[(&str, &str)]) -> Result<(), (u16, i32)> {
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
            .collect();
        let header = move |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        check_arguments(&schema(), Some(&arguments), &header).map_err(|r| (r.status, r.error.code))
    }

    const REFUSED: Result<(), (u16, i32)> = Err((400, -32020));

    #[test]
    fn finds_annotations_only_through_properties() {
        let found = declared(&schema());
        let names: Vec<&str> = found.iter().map(|(_, h)| h.as_str()).collect();
        assert_eq!(names, ["Count", "DryRun", "Id", "Region"]);
        assert_eq!(found[2].0, ["nested", "id"]);
    }

    #[test]
    fn the_suites_cases() {
        let hello = json!({"region": "Hello"});
        assert_eq!(
            run(
                hello.clone(),
                &[("Mcp-Param-Region", "=?base64?SGVsbG8=?=")]
            ),
            Ok(())
        );
        assert_eq!(
            run(hello.clone(), &[("Mcp-Param-Region", "=?base64?SGVsbG8?=")]),
            REFUSED
        );
        assert_eq!(
            run(hello, &[("Mcp-Param-Region", "=?base64?SGVs!!!bG8=?=")]),
            REFUSED
        );
        let literal = json!({"region": "SGVsbG8="});
        assert_eq!(run(literal, &[("Mcp-Param-Region", "SGVsbG8=")]), Ok(()));
        let no_suffix = json!({"region": "=?base64?SGVsbG8="});
        assert_eq!(
            run(no_suffix, &[("Mcp-Param-Region", "=?base64?SGVsbG8=")]),
            Ok(())
        );
        assert_eq!(run(json!({"region": "test-value"}), &[]), REFUSED);
    }

    #[test]
    fn absent_null_numbers_booleans_and_odd_values() {
        assert_eq!(run(json!({}), &[]), Ok(()));
        assert_eq!(run(json!({"region": null}), &[]), Ok(()));
        assert_eq!(run(json!({}), &[("Mcp-Param-Region", "x")]), REFUSED);
        assert_eq!(
            run(json!({"region": "us"}), &[("mcp-param-region", "us")]),
            Ok(())
        );
        assert_eq!(
            run(json!({"region": "us"}), &[("Mcp-Param-Region", "US")]),
            REFUSED
        );
        assert_eq!(
            run(json!({"region": "a b"}), &[("Mcp-Param-Region", " a b ")]),
            Ok(())
        );
        assert_eq!(
            run(json!({"region": "é"}), &[("Mcp-Param-Region", "é")]),
            REFUSED
        );
        assert_eq!(
            run(
                json!({"region": "é"}),
                &[("Mcp-Param-Region", "=?base64?w6k=?=")]
            ),
            Ok(())
        );
        // The sentinel is case-sensitive: upper case is a literal.
        let upper = json!({"region": "=?BASE64?eA==?="});
        assert_eq!(
            run(upper, &[("Mcp-Param-Region", "=?BASE64?eA==?=")]),
            Ok(())
        );
        assert_eq!(
            run(json!({"count": 42}), &[("Mcp-Param-Count", "42.0")]),
            Ok(())
        );
        assert_eq!(
            run(json!({"count": 42}), &[("Mcp-Param-Count", "43")]),
            REFUSED
        );
        assert_eq!(
            run(json!({"count": 42}), &[("Mcp-Param-Count", "NaN")]),
            REFUSED
        );
        assert_eq!(
            run(json!({"dryRun": true}), &[("Mcp-Param-DryRun", "true")]),
            Ok(())
        );
        assert_eq!(
            run(json!({"dryRun": true}), &[("Mcp-Param-DryRun", "True")]),
            REFUSED
        );
        let nested = json!({"nested": {"id": "7"}});
        assert_eq!(run(nested.clone(), &[("Mcp-Param-Id", "7")]), Ok(()));
        assert_eq!(run(nested, &[]), REFUSED);
        // Headers no tool declares are ignored; so are annotations under items.
        assert_eq!(
            run(json!({"list": ["a"]}), &[("Mcp-Param-Other", "1")]),
            Ok(())
        );
        // A value that cannot be a header (an object where a string was declared).
        assert_eq!(
            run(json!({"region": {"a": 1}}), &[("Mcp-Param-Region", "x")]),
            REFUSED
        );
    }

    #[test]
    fn the_message_names_the_header_and_cuts_long_values() {
        let long = "x".repeat(500);
        let header = |name: &str| (name == "mcp-param-region").then(|| "y".to_string());
        let rejection =
            check_arguments(&schema(), Some(&json!({"region": long})), &header).unwrap_err();
        let message = rejection.error.message;
        assert!(
            message.starts_with("Header mismatch: Mcp-Param-Region header value 'y'"),
            "{message}"
        );
        assert!(message.len() < 200, "{message}");
    }
}
