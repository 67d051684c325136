//! Validates tool arguments against the tool's input schema before the tool runs.
//!
//! This is the subset of JSON Schema 2020-12 that our schemas use: `type`, `properties`,
//! `required`, `additionalProperties: false`, `enum`, `minLength`/`maxLength`,
//! `minimum`/`maximum`, `items`, `minItems`/`maxItems` and `default`. A keyword outside
//! the subset is ignored rather than guessed at; the tool still validates its own meaning.
//! Errors name the argument, so the model that called the tool can correct itself.

use serde_json::{Map, Value};

/// Checks `arguments` against an object schema and fills in declared defaults.
pub fn validate_arguments(
    schema: &Value,
    arguments: &mut Map<String, Value>,
) -> Result<(), String> {
    let properties = schema.get("properties").and_then(Value::as_object);
    if let Some(required) = schema.get("required").and_then(Value::as_array) {
        for name in required.iter().filter_map(Value::as_str) {
            if !arguments.contains_key(name) {
                return Err(format!("missing required argument '{name}'"));
            }
        }
    }
    if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
        if let Some(unknown) = arguments
            .keys()
            .find(|k| !properties.is_some_and(|p| p.contains_key(*k)))
        {
            let known: Vec<&str> = properties
                .map(|p| p.keys().map(String::as_str).collect())
                .unwrap_or_default();
            return Err(if known.is_empty() {
                format!(
                    "unknown argument '{}': this tool takes no arguments",
                    crate::jsonrpc::echoed(unknown)
                )
            } else {
                format!(
                    "unknown argument '{}'; the arguments are: {}",
                    crate::jsonrpc::echoed(unknown),
                    known.join(", ")
                )
            });
        }
    }
    let Some(properties) = properties else {
        return Ok(());
    };
    for (name, property) in properties {
        match arguments.get(name) {
            Some(value) => check_value(property, value, name)?,
            None => {
                if let Some(default) = property.get("default") {
                    arguments.insert(name.clone(), default.clone());
                }
            }
        }
    }
    Ok(())
}

fn check_value(schema: &Value, value: &Value, path: &str) -> Result<(), String> {
    if let Some(expected) = schema.get("type") {
        let types: Vec<&str> = match expected {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        if !types.is_empty() && !types.iter().any(|t| has_type(value, t)) {
            return Err(format!(
                "argument '{path}' must be {}, not {}",
                types.join(" or "),
                type_name(value)
            ));
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        if !allowed.contains(value) {
            let listed: Vec<String> = allowed.iter().map(Value::to_string).collect();
            return Err(format!(
                "argument '{path}' must be one of {}",
                listed.join(", ")
            ));
        }
    }
    match value {
        Value::String(s) => check_string(schema, s, path),
        Value::Number(n) => check_number(schema, n.as_f64().unwrap_or(f64::NAN), path),
        Value::Array(items) => check_array(schema, items, path),
        Value::Object(object) if schema.get("properties").is_some() => {
            let mut copy = object.clone();
            validate_arguments(schema, &mut copy).map_err(|e| format!("in '{path}': {e}"))
        }
        _ => Ok(()),
    }
}

fn check_string(schema: &Value, s: &str, path: &str) -> Result<(), String> {
    let length = s.chars().count() as u64;
    if let Some(min) = schema.get("minLength").and_then(Value::as_u64) {
        if length < min {
            return Err(format!(
                "argument '{path}' must be at least {min} characters long"
            ));
        }
    }
    if let Some(max) = schema.get("maxLength").and_then(Value::as_u64) {
        if length > max {
            return Err(format!(
                "argument '{path}' must be at most {max} characters long"
            ));
        }
    }
    Ok(())
}

fn check_number(schema: &Value, n: f64, path: &str) -> Result<(), String> {
    // Bounds are printed as the schema wrote them, e.g. `1`, not `1.0`.
    if let Some(min) = schema
        .get("minimum")
        .filter(|m| m.as_f64().is_some_and(|m| n < m))
    {
        return Err(format!("argument '{path}' must be at least {min}"));
    }
    if let Some(max) = schema
        .get("maximum")
        .filter(|m| m.as_f64().is_some_and(|m| n > m))
    {
        return Err(format!("argument '{path}' must be at most {max}"));
    }
    Ok(())
}

fn check_array(schema: &Value, items: &[Value], path: &str) -> Result<(), String> {
    if let Some(min) = schema.get("minItems").and_then(Value::as_u64) {
        if (items.len() as u64) < min {
            return Err(format!("argument '{path}' needs at least {min} items"));
        }
    }
    if let Some(max) = schema.get("maxItems").and_then(Value::as_u64) {
        if items.len() as u64 > max {
            return Err(format!("argument '{path}' takes at most {max} items"));
        }
    }
    if let Some(item_schema) = schema.get("items") {
        for (i, item) in items.iter().enumerate() {
            check_value(item_schema, item, &format!("{path}[{i}]"))?;
        }
    }
    Ok(())
}

fn has_type(value: &Value, expected: &str) -> bool {
    match expected {
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "null" => value.is_null(),
        _ => true,
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({
            "type": "object",
            "properties": {
                "repo": { "type": "string", "minLength": 3, "maxLength": 10 },
                "perPage": { "type": "integer", "minimum": 1, "maximum": 100, "default": 30 },
                "state": { "type": "string", "enum": ["open", "closed"] },
                "labels": { "type": "array", "items": { "type": "string" }, "maxItems": 2 }
            },
            "required": ["repo"],
            "additionalProperties": false
        })
    }

    fn check(args: Value) -> Result<Map<String, Value>, String> {
        let mut map = args.as_object().unwrap().clone();
        validate_arguments(&schema(), &mut map).map(|_| map)
    }

    #[test]
    fn fills_defaults_and_accepts_valid_arguments() {
        let args = check(json!({"repo": "a/b", "state": "open"})).unwrap();
        assert_eq!(args["perPage"], json!(30));
    }

    #[test]
    fn errors_name_the_argument() {
        let cases = [
            (json!({}), "missing required argument 'repo'"),
            (
                json!({"repo": 5}),
                "argument 'repo' must be string, not an integer",
            ),
            (
                json!({"repo": "ab"}),
                "argument 'repo' must be at least 3 characters long",
            ),
            (
                json!({"repo": "abc", "perPage": 0}),
                "argument 'perPage' must be at least 1",
            ),
            (
                json!({"repo": "abc", "perPage": 2.5}),
                "argument 'perPage' must be integer, not a number",
            ),
            (
                json!({"repo": "abc", "state": "x"}),
                "argument 'state' must be one of \"open\", \"closed\"",
            ),
            (
                json!({"repo": "abc", "labels": [1]}),
                "argument 'labels[0]' must be string, not an integer",
            ),
            (
                json!({"repo": "abc", "labels": ["a","b","c"]}),
                "argument 'labels' takes at most 2 items",
            ),
            (
                json!({"repo": "abc", "extra": 1}),
                "unknown argument 'extra'; the arguments are: labels, perPage, repo, state",
            ),
        ];
        for (args, expected) in cases {
            assert_eq!(check(args.clone()).unwrap_err(), expected, "for {args}");
        }
    }
}
