//! Argument handling shared by the GitHub tools: the shared parts of input schemas, and
//! strict parsing of every value that reaches an upstream URL. The registry has already
//! checked types and bounds against the schema; these add GitHub's own rules.

use serde_json::{Map, Value};

use crate::github::repo::{
    encode_repo_path, validate_owner, validate_ref, validate_repo, validate_text,
    validate_timestamp, RepoRef,
};
use mcp_core::tool::{json_text, ToolError};

/// Property definitions several tools share, by name. `owner`, `repo`, `perPage` and
/// `number` need no description (and their name rules are checked by `Args`): every byte
/// here is read by the model on every turn.
const SHARED: &str = r#"{
    "owner": { "type": "string" },
    "repo": { "type": "string" },
    "ref": { "type": "string", "description": "Branch, tag or SHA (default: the default branch)", "maxLength": 255 },
    "page": { "type": "integer", "description": "From 1; the result's nextPage", "minimum": 1, "maximum": 1000, "default": 1 },
    "perPage": { "type": "integer", "minimum": 1, "maximum": 100, "default": 30 },
    "number": { "type": "integer", "minimum": 1, "maximum": 1000000000 },
    "query": { "type": "string", "description": "GitHub search syntax, e.g. `tokio language:rust stars:>100`", "minLength": 1, "maxLength": 256 }
}"#;

/// A tool's input schema: the named shared properties, then the tool's own (a JSON object
/// text of property definitions), with `required` and no other arguments allowed.
pub fn input_schema(shared: &[&str], own: &'static str, required: &[&str]) -> Value {
    let all = json_text(SHARED);
    let mut properties = Map::new();
    for name in shared {
        let property = all.get(*name).cloned().unwrap_or_default();
        properties.insert((*name).to_string(), property);
    }
    if let Value::Object(own) = json_text(own) {
        properties.extend(own);
    }
    let mut schema = Map::new();
    schema.insert("type".into(), "object".into());
    schema.insert("properties".into(), Value::Object(properties));
    schema.insert(
        "required".into(),
        required.iter().map(|r| Value::from(*r)).collect(),
    );
    schema.insert("additionalProperties".into(), false.into());
    Value::Object(schema)
}

/// Which page of a list to fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub page: u32,
    pub per_page: u32,
}

/// A tool's arguments, already checked against its input schema.
pub struct Args(pub Map<String, Value>);

fn invalid(name: &str, why: impl std::fmt::Display) -> ToolError {
    ToolError::InvalidArgument(format!("{name} {why}"))
}

impl Args {
    pub fn str(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(Value::as_str)
    }

    pub fn u32(&self, name: &str) -> Option<u32> {
        self.0
            .get(name)
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
    }

    pub fn bool(&self, name: &str) -> Option<bool> {
        self.0.get(name).and_then(Value::as_bool)
    }

    /// `owner` and `repo`, by GitHub's name rules.
    pub fn repo(&self) -> Result<RepoRef, ToolError> {
        let owner = self.str("owner").unwrap_or_default();
        let repo = self.str("repo").unwrap_or_default();
        validate_owner(owner).map_err(|why| invalid("owner", why))?;
        validate_repo(repo).map_err(|why| invalid("repo", why))?;
        Ok(RepoRef {
            owner: owner.to_string(),
            repo: repo.to_string(),
        })
    }

    /// A user or organisation login.
    pub fn login(&self, name: &str) -> Result<Option<&str>, ToolError> {
        let Some(login) = self.str(name) else {
            return Ok(None);
        };
        validate_owner(login).map_err(|why| invalid(name, why))?;
        Ok(Some(login))
    }

    /// A branch, tag or SHA, by git's rules.
    pub fn git_ref(&self, name: &str) -> Result<Option<&str>, ToolError> {
        let Some(git_ref) = self.str(name) else {
            return Ok(None);
        };
        validate_ref(git_ref).map_err(|why| invalid(name, why))?;
        Ok(Some(git_ref))
    }

    /// A path in a repository, percent-encoded by segment (empty for the root).
    pub fn repo_path(&self, name: &str) -> Result<String, ToolError> {
        encode_repo_path(self.str(name).unwrap_or_default()).map_err(|why| invalid(name, why))
    }

    /// Free text for one query value, at most `max` characters.
    pub fn text(&self, name: &str, max: usize) -> Result<Option<&str>, ToolError> {
        let Some(text) = self.str(name) else {
            return Ok(None);
        };
        validate_text(text, max).map_err(|why| invalid(name, why))?;
        Ok(Some(text))
    }

    /// An ISO 8601 timestamp.
    pub fn timestamp(&self, name: &str) -> Result<Option<&str>, ToolError> {
        let Some(text) = self.str(name) else {
            return Ok(None);
        };
        validate_timestamp(text).map_err(|why| invalid(name, why))?;
        Ok(Some(text))
    }

    /// A required positive number (the schema bounds it).
    pub fn number(&self) -> Result<u32, ToolError> {
        self.u32("number")
            .filter(|n| *n >= 1)
            .ok_or_else(|| invalid("number", "must be a positive integer"))
    }

    /// `page` and `perPage` (the schema supplies the defaults).
    pub fn paging(&self) -> Paging {
        Paging {
            page: self.u32("page").unwrap_or(1).max(1),
            per_page: self.u32("perPage").unwrap_or(30).clamp(1, 100),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn args(value: Value) -> Args {
        Args(value.as_object().unwrap().clone())
    }

    #[test]
    fn schemas_combine_shared_and_own_properties() {
        let schema = input_schema(
            &["owner", "repo", "page"],
            r#"{"x": {"type": "string"}}"#,
            &["owner"],
        );
        let properties = schema["properties"].as_object().unwrap();
        assert_eq!(
            properties.keys().collect::<Vec<_>>(),
            ["owner", "page", "repo", "x"]
        );
        assert_eq!(schema["required"], json!(["owner"]));
        assert_eq!(schema["additionalProperties"], false);
    }

    #[test]
    fn invalid_values_name_the_argument() {
        let a = args(
            json!({ "owner": "a--b", "repo": "r", "ref": "a..b", "path": "../x", "since": "x", "author": "a\nb" }),
        );
        let named = |e: ToolError, name: &str| matches!(e, ToolError::InvalidArgument(m) if m.starts_with(name));
        assert!(named(a.repo().unwrap_err(), "owner"));
        assert!(named(a.git_ref("ref").unwrap_err(), "ref"));
        assert!(named(a.repo_path("path").unwrap_err(), "path"));
        assert!(named(a.timestamp("since").unwrap_err(), "since"));
        assert!(named(a.text("author", 100).unwrap_err(), "author"));
        let b = args(json!({ "owner": "o", "repo": "..", "number": 0 }));
        assert!(named(b.repo().unwrap_err(), "repo"));
        assert!(named(b.number().unwrap_err(), "number"));
        let ok =
            args(json!({ "owner": "octocat", "repo": "Hello-World", "page": 3, "perPage": 5 }));
        assert_eq!(ok.repo().unwrap().to_string(), "octocat/Hello-World");
        assert_eq!(
            ok.paging(),
            Paging {
                page: 3,
                per_page: 5
            }
        );
        assert_eq!(ok.git_ref("ref").unwrap(), None);
    }
}
