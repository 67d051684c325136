//! Typed tool arguments: the [`Arguments`] a tool reads, declared with [`arguments!`], and
//! [`check_schema`], which keeps such a struct and the tool's input schema from drifting
//! apart.
//!
//! The macro writes the struct and its reader: each field taken from the validated JSON
//! object by its name, any other name refused. A small reader per struct and a few shared
//! functions, rather than serde's derive, whose visitors cost the wasm bundle several times
//! as much.
//!
//! The schema is what clients see and what the dispatcher validates; the struct is what the
//! tool reads. [`check_schema`] proves they agree, for a test to call on every tool:
//! - the struct's fields are the schema's properties;
//! - an example built from the schema, with every property and with only the required ones,
//!   passes validation and is read (so every property's type fits its field);
//! - leaving out any required property is refused by the struct as well as by the schema;
//! - an unknown argument is refused by the struct, and by the schema
//!   (`additionalProperties: false`).

use serde_json::{Map, Value};

use super::schema::validate_arguments;
use super::tool::ToolError;

/// A tool's arguments, read from the JSON object that passed its input schema.
pub trait Arguments: Sized {
    /// The property names, as the schema spells them.
    const FIELDS: &'static [&'static str];

    fn from_arguments(arguments: Map<String, Value>) -> Result<Self, ToolError>;
}

/// One field's type: how it is read from the argument of its name (`None`: absent). A value
/// of another type (the struct and the schema disagree) reads as the default and is
/// reported in `bad`: a struct's reader is then one call per field, with no early return.
pub trait Argument: Sized + Default {
    fn read(value: Option<&Value>) -> Option<Self>;
}

impl Argument for String {
    fn read(value: Option<&Value>) -> Option<Self> {
        value.and_then(Value::as_str).map(str::to_string)
    }
}

impl Argument for bool {
    fn read(value: Option<&Value>) -> Option<Self> {
        value.and_then(Value::as_bool)
    }
}

impl Argument for u32 {
    fn read(value: Option<&Value>) -> Option<Self> {
        value
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
    }
}

impl Argument for i64 {
    fn read(value: Option<&Value>) -> Option<Self> {
        value.and_then(Value::as_i64)
    }
}

impl Argument for Value {
    fn read(value: Option<&Value>) -> Option<Self> {
        value.cloned()
    }
}

/// An optional argument: absent or null is `None`.
impl<T: Argument> Argument for Option<T> {
    fn read(value: Option<&Value>) -> Option<Self> {
        match value {
            None | Some(Value::Null) => Some(None),
            value => T::read(value).map(Some),
        }
    }
}

/// Reads the field `name` for [`arguments!`]; a missing or mistyped value is recorded in
/// `bad` (the first one) and read as the default.
#[inline(never)]
pub fn field<T: Argument>(
    arguments: &Map<String, Value>,
    name: &'static str,
    bad: &mut Option<&'static str>,
) -> T {
    T::read(arguments.get(name)).unwrap_or_else(|| {
        bad.get_or_insert(name);
        T::default()
    })
}

/// The result of a struct's reader: the struct, unless a field was bad.
pub fn finish<T>(read: T, bad: Option<&'static str>) -> Result<T, ToolError> {
    match bad {
        None => Ok(read),
        Some(name) => Err(ToolError::InvalidArgument(format!(
            "'{name}' is missing or of the wrong type"
        ))),
    }
}

/// Refuses a name that is not a field (the schema's `additionalProperties: false` already
/// did, unless the two disagree).
pub fn refuse_unknown(arguments: &Map<String, Value>, fields: &[&str]) -> Result<(), ToolError> {
    match arguments.keys().find(|k| !fields.contains(&k.as_str())) {
        Some(unknown) => Err(ToolError::InvalidArgument(format!(
            "unknown argument '{}'",
            crate::jsonrpc::echoed(unknown)
        ))),
        None => Ok(()),
    }
}

/// Declares a tool's argument struct and its [`Arguments`] reader. A field is named as the
/// schema names its property, or renamed with `as "name"`:
///
/// ```
/// mcp_core::arguments! {
///     /// `listThings`' arguments.
///     pub struct ListArgs {
///         pub owner: String,
///         pub per_page as "perPage": u32,
///         pub state: Option<String>,
///     }
/// }
/// ```
#[macro_export]
macro_rules! arguments {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $( $(#[$field_meta:meta])* $field_vis:vis $field:ident $(as $rename:literal)? : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $( $(#[$field_meta])* $field_vis $field: $ty, )*
        }

        impl $crate::args::Arguments for $name {
            const FIELDS: &'static [&'static str] = &[$( $crate::arguments!(@name $field $($rename)?) ),*];

            fn from_arguments(
                arguments: $crate::serde_json::Map<String, $crate::serde_json::Value>,
            ) -> Result<Self, $crate::tool::ToolError> {
                $crate::args::refuse_unknown(&arguments, Self::FIELDS)?;
                #[allow(unused_mut)]
                let mut bad = None;
                let read = $name {
                    $( $field: $crate::args::field(&arguments, $crate::arguments!(@name $field $($rename)?), &mut bad), )*
                };
                $crate::args::finish(read, bad)
            }
        }
    };
    (@name $field:ident) => { stringify!($field) };
    (@name $field:ident $rename:literal) => { $rename };
}

/// What [`check_schema`] found: the struct's fields that the schema does not declare. They
/// are never filled for this tool, which is allowed only for a struct that several tools
/// share (each declaring a subset).
pub type Unused = Vec<&'static str>;

/// Checks `T` against the object schema `schema`; see the module comment.
pub fn check_schema<T: Arguments>(schema: &Value) -> Result<Unused, String> {
    let fields = T::FIELDS;
    // The struct refuses unknown names, so the schema must too, or a call the schema allows
    // would be refused.
    if schema.get("additionalProperties") != Some(&Value::Bool(false)) {
        return Err(
            "the schema allows properties the struct refuses: add \"additionalProperties\": false"
                .into(),
        );
    }
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
    let parse = |arguments: &Map<String, Value>| match T::from_arguments(arguments.clone()) {
        Ok(_) => Ok(()),
        Err(ToolError::InvalidArgument(why)) => Err(why),
        Err(other) => Err(format!("{other:?}")),
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
        return Err("the struct accepts unknown arguments".into());
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    crate::arguments! {
        #[allow(dead_code)] // the test reads the fields through check_schema only
        struct Args {
            repo: String,
            per_page as "perPage": u32,
            state: Option<String>,
        }
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
    fn reads_fields_by_name_and_refuses_the_rest() {
        let args = json!({ "repo": "a/b", "perPage": 5, "state": null });
        let args = Args::from_arguments(args.as_object().unwrap().clone()).unwrap();
        assert_eq!(
            (args.repo.as_str(), args.per_page, args.state),
            ("a/b", 5, None)
        );
        let refuse = |args: Value| Args::from_arguments(args.as_object().unwrap().clone()).is_err();
        assert!(refuse(json!({ "repo": "a/b", "perPage": 5, "x": 1 })));
        assert!(refuse(json!({ "repo": "a/b" })));
        assert!(refuse(json!({ "repo": 1, "perPage": 5 })));
        assert!(refuse(json!({ "repo": "a/b", "perPage": -1 })));
        assert!(refuse(
            json!({ "repo": "a/b", "perPage": 5, "state": true })
        ));
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
            "properties": { "repo": { "type": "integer" }, "perPage": { "type": "integer" } },
            "required": ["repo", "perPage"],
            "additionalProperties": false
        });
        assert!(check_schema::<Args>(&wrong_type)
            .unwrap_err()
            .contains("does not deserialise"));
        let mut unused = json!({
            "type": "object",
            "properties": { "repo": { "type": "string" }, "perPage": { "type": "integer" } },
            "required": ["repo", "perPage"],
            "additionalProperties": false
        });
        assert_eq!(check_schema::<Args>(&unused), Ok(vec!["state"]));
        // An open schema would allow calls the struct refuses.
        unused
            .as_object_mut()
            .unwrap()
            .remove("additionalProperties");
        assert!(check_schema::<Args>(&unused)
            .unwrap_err()
            .contains("additionalProperties"));
    }
}
