//! Keeps a tool's argument struct and its input schema from drifting apart.
//!
//! The schema is what clients see and what the dispatcher validates; the struct is what the
//! tool reads. [`check_schema`] proves they agree, for a test to call on every tool:
//! - the struct's fields are the schema's properties (read from what serde's derive declares);
//! - an example built from the schema, with every property and with only the required ones,
//!   passes validation and deserialises (so every property's type fits its field);
//! - leaving out any required property is refused by the struct as well as by the schema;
//! - an unknown argument is refused by the struct (`#[serde(deny_unknown_fields)]`).
//!
//! It runs in tests only; nothing here is on the request path.

use std::cell::Cell;

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde_json::{Map, Value};

use super::schema::validate_arguments;

/// What [`check_schema`] found: the struct's fields that the schema does not declare. They
/// are never filled for this tool, which is allowed only for a struct that several tools
/// share (each declaring a subset).
pub type Unused = Vec<&'static str>;

/// Checks `T` against the object schema `schema`; see the module comment.
pub fn check_schema<T: DeserializeOwned>(schema: &Value) -> Result<Unused, String> {
    let fields = struct_fields::<T>().ok_or(
        "the arguments are not a struct deriving Deserialize (a map reads fields by name)",
    )?;
    let properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if let Some(missing) = properties.keys().find(|p| !fields.contains(&p.as_str())) {
        return Err(format!(
            "the property '{missing}' is not a field of the struct"
        ));
    }
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let parse = |arguments: &Map<String, Value>| {
        serde_json::from_value::<T>(Value::Object(arguments.clone())).map_err(|e| e.to_string())
    };
    let full: Map<String, Value> = properties
        .iter()
        .map(|(name, property)| (name.clone(), example(property)))
        .collect();
    let minimal: Map<String, Value> = full
        .iter()
        .filter(|(name, _)| required.contains(&name.as_str()))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    for (what, example) in [("every property", &full), ("the required ones", &minimal)] {
        let mut validated = example.clone();
        validate_arguments(schema, &mut validated)
            .map_err(|e| format!("the example with {what} fails the schema: {e}"))?;
        parse(&validated)
            .map_err(|e| format!("the example with {what} does not deserialise: {e}"))?;
    }
    for name in &required {
        let mut without = full.clone();
        without.remove(*name);
        if parse(&without).is_ok() {
            return Err(format!(
                "'{name}' is required by the schema but optional in the struct"
            ));
        }
    }
    let mut unknown = full.clone();
    unknown.insert("\u{1}unknown".into(), Value::Null);
    if parse(&unknown).is_ok() {
        return Err(
            "the struct accepts unknown arguments: add #[serde(deny_unknown_fields)]".into(),
        );
    }
    Ok(fields
        .iter()
        .copied()
        .filter(|f| !properties.contains_key(*f))
        .collect())
}

/// A value the schema `property` accepts: the first `enum` value, else the smallest value
/// of its (first) type within its bounds.
pub fn example(property: &Value) -> Value {
    if let Some(first) = property
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    let bound = |key: &str| property.get(key).and_then(Value::as_u64);
    let kind = match property.get("type") {
        Some(Value::Array(kinds)) => kinds.first().and_then(Value::as_str),
        Some(kind) => kind.as_str(),
        None => None,
    };
    match kind {
        Some("string") => Value::from("a".repeat(bound("minLength").unwrap_or(1).max(1) as usize)),
        Some("integer") | Some("number") => Value::from(bound("minimum").unwrap_or(1)),
        Some("boolean") => Value::Bool(true),
        Some("array") => {
            let item = property.get("items").map(example).unwrap_or(Value::Null);
            Value::Array(vec![item; bound("minItems").unwrap_or(0) as usize])
        }
        Some("object") => Value::Object(
            property
                .get("properties")
                .and_then(Value::as_object)
                .map(|p| p.iter().map(|(k, v)| (k.clone(), example(v))).collect())
                .unwrap_or_default(),
        ),
        _ => Value::Null,
    }
}

/// The field names a derived `Deserialize` struct declares, or `None` for anything else.
pub fn struct_fields<T: DeserializeOwned>() -> Option<&'static [&'static str]> {
    let seen = Cell::new(None);
    let _ = T::deserialize(FieldNames(&seen));
    seen.get()
}

/// A deserializer that only records what `deserialize_struct` is told, then gives up.
struct FieldNames<'s>(&'s Cell<Option<&'static [&'static str]>>);

impl<'de> Deserializer<'de> for FieldNames<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.set(Some(fields));
        Err(de::Error::custom("fields recorded"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    #[allow(dead_code)] // read by serde only
    struct Args {
        repo: String,
        per_page: u32,
        state: Option<String>,
    }

    fn schema(required: &[&str], extra: Option<(&str, Value)>) -> Value {
        let mut schema = json!({
            "type": "object",
            "properties": {
                "repo": { "type": "string", "minLength": 3 },
                "perPage": { "type": "integer", "minimum": 1, "default": 30 },
                "state": { "type": "string", "enum": ["open", "closed"] }
            },
            "required": required,
            "additionalProperties": false
        });
        if let Some((name, property)) = extra {
            schema["properties"][name] = property;
        }
        schema
    }

    #[test]
    fn agrees_with_a_matching_schema_and_names_every_drift() {
        assert_eq!(check_schema::<Args>(&schema(&["repo"], None)), Ok(vec![]));
        let missing = check_schema::<Args>(&schema(&["repo"], Some(("sort", json!({})))));
        assert!(missing.unwrap_err().contains("'sort' is not a field"));
        let optional = check_schema::<Args>(&schema(&["repo", "state"], None));
        assert!(optional.unwrap_err().contains("'state' is required"));
        let wrong_type = json!({
            "type": "object",
            "properties": { "repo": { "type": "integer" } },
            "required": ["repo"]
        });
        assert!(check_schema::<Args>(&wrong_type).is_err());
        let unused = json!({
            "type": "object",
            "properties": { "repo": { "type": "string" }, "perPage": { "type": "integer" } },
            "required": ["repo", "perPage"]
        });
        assert_eq!(check_schema::<Args>(&unused), Ok(vec!["state"]));
        assert!(check_schema::<Map<String, Value>>(&unused).is_err());
    }

    #[test]
    fn unknown_arguments_must_be_refused() {
        #[derive(Deserialize)]
        #[allow(dead_code)]
        struct Lenient {
            repo: String,
        }
        let schema = json!({ "type": "object", "properties": { "repo": { "type": "string" } }, "required": ["repo"] });
        assert!(check_schema::<Lenient>(&schema)
            .unwrap_err()
            .contains("deny_unknown_fields"));
    }
}
