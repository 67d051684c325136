//! Argument handling shared by the GitHub tools: the shared parts of input schemas, the
//! argument structs several tools share, and strict parsing of every value that reaches an
//! upstream URL. The dispatcher has already checked types and bounds against the schema
//! and deserialised the tool's struct; these add GitHub's own rules.

use serde_json::{Map, Value};

use crate::github::repo::{
    encode_repo_path, validate_owner, validate_ref, validate_repo, validate_text,
    validate_timestamp, RepoRef,
};
use mcp_core::tool::{json_text, ToolError};

/// Property definitions several tools share, by name. `owner`, `repo`, `perPage` and
/// `number` need no description (and their name rules are checked by `Args`): every byte
/// here is read by the model on every turn.
const SHARED: &str = mcp_core::compact_json!(
    r#"{
    "owner": { "type": "string" },
    "repo": { "type": "string" },
    "ref": { "type": "string", "description": "Branch, tag or SHA (default: the default branch)", "maxLength": 255 },
    "page": { "type": "integer", "description": "From 1; the result's nextPage", "minimum": 1, "maximum": 1000, "default": 1 },
    "perPage": { "type": "integer", "minimum": 1, "maximum": 100, "default": 30 },
    "number": { "type": "integer", "minimum": 1, "maximum": 1000000000 },
    "query": { "type": "string", "description": "GitHub search syntax, e.g. `tokio language:rust stars:>100`", "minLength": 1, "maxLength": 256 }
}"#
);

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

impl Paging {
    /// `page` and `perPage` as the schema bounds them (it supplies the defaults).
    pub fn new(page: u32, per_page: u32) -> Paging {
        Paging {
            page: page.max(1),
            per_page: per_page.clamp(1, 100),
        }
    }
}

mcp_core::arguments! {
    /// The arguments of a tool that names a repository and nothing else.
    #[derive(Debug)]
    pub struct RepoArgs {
        pub owner: String,
        pub repo: String,
    }
}

impl RepoArgs {
    pub fn repo(&self) -> Result<RepoRef, ToolError> {
        repo_ref(&self.owner, &self.repo)
    }
}

mcp_core::arguments! {
    /// The arguments of a tool that names an issue or pull request.
    #[derive(Debug)]
    pub struct NumberArgs {
        pub owner: String,
        pub repo: String,
        pub number: u32,
    }
}

fn invalid(name: &str, why: impl std::fmt::Display) -> ToolError {
    ToolError::InvalidArgument(format!("{name} {why}"))
}

/// `owner` and `repo`, by GitHub's name rules.
pub fn repo_ref(owner: &str, repo: &str) -> Result<RepoRef, ToolError> {
    validate_owner(owner).map_err(|why| invalid("owner", why))?;
    validate_repo(repo).map_err(|why| invalid("repo", why))?;
    Ok(RepoRef {
        owner: owner.to_string(),
        repo: repo.to_string(),
    })
}

/// A user or organisation login, the argument `name`.
pub fn login<'a>(name: &str, login: Option<&'a str>) -> Result<Option<&'a str>, ToolError> {
    if let Some(login) = login {
        validate_owner(login).map_err(|why| invalid(name, why))?;
    }
    Ok(login)
}

/// A branch, tag or SHA, by git's rules.
pub fn git_ref<'a>(name: &str, git_ref: Option<&'a str>) -> Result<Option<&'a str>, ToolError> {
    if let Some(git_ref) = git_ref {
        validate_ref(git_ref).map_err(|why| invalid(name, why))?;
    }
    Ok(git_ref)
}

/// A path in a repository, percent-encoded by segment (empty for the root).
pub fn repo_path(name: &str, path: &str) -> Result<String, ToolError> {
    encode_repo_path(path).map_err(|why| invalid(name, why))
}

/// Free text for one query value, at most `max` characters.
pub fn text<'a>(
    name: &str,
    text: Option<&'a str>,
    max: usize,
) -> Result<Option<&'a str>, ToolError> {
    if let Some(text) = text {
        validate_text(text, max).map_err(|why| invalid(name, why))?;
    }
    Ok(text)
}

/// An ISO 8601 timestamp.
pub fn timestamp<'a>(name: &str, text: Option<&'a str>) -> Result<Option<&'a str>, ToolError> {
    if let Some(text) = text {
        validate_timestamp(text).map_err(|why| invalid(name, why))?;
    }
    Ok(text)
}

/// A positive number (the schema bounds it).
pub fn number(number: u32) -> Result<u32, ToolError> {
    match number {
        0 => Err(invalid("number", "must be a positive integer")),
        n => Ok(n),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

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
        let named = |e: ToolError, name: &str| matches!(e, ToolError::InvalidArgument(m) if m.starts_with(name));
        assert!(named(repo_ref("a--b", "r").unwrap_err(), "owner"));
        assert!(named(git_ref("ref", Some("a..b")).unwrap_err(), "ref"));
        assert!(named(repo_path("path", "../x").unwrap_err(), "path"));
        assert!(named(timestamp("since", Some("x")).unwrap_err(), "since"));
        assert!(named(
            text("author", Some("a\nb"), 100).unwrap_err(),
            "author"
        ));
        assert!(named(repo_ref("o", "..").unwrap_err(), "repo"));
        assert!(named(number(0).unwrap_err(), "number"));
        assert_eq!(
            repo_ref("octocat", "Hello-World").unwrap().to_string(),
            "octocat/Hello-World"
        );
        assert_eq!(
            Paging::new(3, 5),
            Paging {
                page: 3,
                per_page: 5
            }
        );
        assert_eq!(Paging::new(0, 500), Paging::new(1, 100));
        assert_eq!(git_ref("ref", None).unwrap(), None);
    }
}
