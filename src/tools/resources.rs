//! The `github://` resources: `github://{owner}/{repo}/readme{?ref}` and
//! `github://{owner}/{repo}/contents/{+path}{?ref}` (see [`super::github_uri`]) at any
//! branch, tag or commit, with completion of `owner`, `repo`, `ref` and `path`
//! ([`super::completion`]).
//!
//! The README is cleaned like `getGithubReadme`'s; a file is what was asked for by path, so
//! it comes back byte for byte, its `_meta` saying where invisible characters are. A file
//! over 1 MB is streamed through the raw media type up to a cap ([`super::large_file`]).
//! Large reads take turns ([`crate::github::turns`]).
//! Every read carries the labels of [`super::labels`] in its `_meta`.

use serde_json::{json, Map, Value};

use super::access::is_private;
use super::completion::complete;
use super::contents::{base64, decode_file, mime_type, Decoded, MAX_BINARY_BYTES};
use super::get_github_readme::visible_text;
use super::github_uri::{GithubUri, CONTENTS_TEMPLATE, README_TEMPLATE, SCHEME};
use super::labels::PREFIX;
use super::large_file::{self, Raw};
use super::untrusted::{escape_hidden, find_hidden};
use crate::app::{CallContext, GitHubApp};
use crate::github::repo::encode_repo_path;
use crate::github::{GitHubError, Query};
use mcp_core::exchange::BoxFuture;
use mcp_core::resource::{Completion, ResourceProvider};
use mcp_core::tool::{json_text, ToolError};

pub struct GithubResources;

const TEMPLATES: &str = mcp_core::compact_json!(
    r#"[
    { "uriTemplate": "github://{owner}/{repo}/readme{?ref}", "name": "readme", "title": "A repository's README",
      "description": "The README of a GitHub repository, as text: at ref (a branch, tag or commit SHA), else the default branch.", "mimeType": "text/markdown" },
    { "uriTemplate": "github://{owner}/{repo}/contents/{+path}{?ref}", "name": "contents", "title": "A file in a repository",
      "description": "A file at ref (a branch, tag or commit SHA), else the default branch: text as text, binary files as base64 blobs with their MIME type; a directory as a JSON listing. Over 1 MB, text is cut at 2 MiB (_meta says so)." }
]"#
);

impl ResourceProvider<GitHubApp> for GithubResources {
    fn scheme(&self) -> &'static str {
        SCHEME
    }

    fn templates(&self) -> Vec<Value> {
        match json_text(TEMPLATES) {
            Value::Array(templates) => templates,
            _ => Vec::new(),
        }
    }

    fn read<'a>(
        &'a self,
        uri: &'a str,
        context: &'a CallContext<'a>,
    ) -> Option<BoxFuture<'a, Result<Vec<Value>, ToolError>>> {
        if !uri.starts_with(SCHEME) {
            return None;
        }
        Some(Box::pin(async move {
            let target = GithubUri::parse(uri).map_err(ToolError::InvalidArgument)?;
            let repo = &target.repo;
            super::lockdown_refs::check_ref(context, repo, target.git_ref.as_deref())
                .await
                .map_err(super::lockdown_refs::RefRefused::for_resource)?;
            let (api_path, mut what) = match &target.path {
                None => (
                    format!("/repos/{repo}/readme"),
                    format!("a README in {repo}"),
                ),
                Some(path) => {
                    let encoded = encode_repo_path(path).map_err(ToolError::InvalidArgument)?;
                    let api_path = format!("/repos/{repo}/contents/{encoded}");
                    (api_path, format!("'{path}' in {repo}"))
                }
            };
            let mut query = Query::new();
            if let Some(git_ref) = &target.git_ref {
                query.push("ref", git_ref);
                what = format!("{what} at '{git_ref}'");
            }
            let not_found = |error: GitHubError| match error {
                GitHubError::NotFound { .. } => ToolError::NotFound(error.to_string()),
                other => other.into(),
            };
            let (file, _) = context
                .app
                .github
                .get_page(&api_path, &query, &what)
                .await
                .map_err(not_found)?;
            let readme = target.path.is_none();
            let decoded = if file.is_array() {
                None
            } else {
                Some(decode_file(&file)?)
            };
            let mut found = match decoded {
                None => listing(&file),
                Some(Decoded::Text(text)) => Found::text(&file, text, readme),
                Some(Decoded::Binary(bytes)) if bytes.len() <= MAX_BINARY_BYTES => {
                    Found::blob(&file, &bytes)
                }
                Some(Decoded::Binary(_) | Decoded::TooLarge) => {
                    let github = context.app.github;
                    let (raw, cut) =
                        large_file::read(github, &api_path, &query, &what, &file).await?;
                    Found::large(&file, raw, cut, readme)
                }
            };
            let private = is_private(context, repo).await;
            found
                .meta
                .insert(format!("{PREFIX}private"), private.into());
            let mut contents = Map::new();
            contents.insert("uri".into(), uri.into());
            contents.insert("mimeType".into(), found.mime.into());
            contents.insert(found.key.into(), found.value.into());
            contents.insert("_meta".into(), Value::Object(found.meta));
            Ok(vec![Value::Object(contents)])
        }))
    }

    fn complete<'a>(
        &'a self,
        uri_template: &'a str,
        argument: &'a str,
        value: &'a str,
        context: &'a CallContext<'a>,
    ) -> Option<BoxFuture<'a, Completion>> {
        let contents = uri_template == CONTENTS_TEMPLATE;
        if !contents && uri_template != README_TEMPLATE {
            return None;
        }
        // `path` is the contents template's only.
        let argument = if argument == "path" && !contents {
            ""
        } else {
            argument
        };
        Some(complete(argument, value, context))
    }
}

/// What a read found: a MIME type, a `text` or a `blob`, and the labels for `_meta`.
struct Found {
    mime: &'static str,
    key: &'static str,
    value: String,
    meta: Map<String, Value>,
}

/// The label of contents strangers wrote: `text`, or `blob` (an image or a PDF says what
/// its author wrote to a model that reads it: review 28, #3).
pub fn untrusted(key: &str) -> Map<String, Value> {
    let mut meta = Map::new();
    meta.insert(format!("{PREFIX}untrusted"), json!([key]));
    meta
}

/// A directory listing as JSON text.
fn listing(entries: &Value) -> Found {
    let listing: Vec<Value> = entries
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| json!({ "name": e.get("name"), "path": e.get("path"), "type": e.get("type") }))
        .collect();
    Found {
        mime: "application/json",
        key: "text",
        // Names keep their hidden characters, as JSON escapes the model sees.
        value: escape_hidden(&serde_json::to_string(&listing).unwrap_or_default()).into_owned(),
        meta: untrusted("text"),
    }
}

impl Found {
    /// Text: a README cleaned, a file as it is with its hidden characters found.
    fn text(file: &Value, text: String, readme: bool) -> Found {
        let name = file.get("name").and_then(Value::as_str).unwrap_or_default();
        let mut meta = untrusted("text");
        let value = if readme {
            visible_text(name, &text)
        } else {
            let hidden = find_hidden(&text).to_json();
            meta.insert(format!("{PREFIX}hiddenCharacters"), hidden);
            text
        };
        Found {
            mime: mime_type(name, true),
            key: "text",
            value,
            meta,
        }
    }

    fn blob(file: &Value, bytes: &[u8]) -> Found {
        let name = file.get("name").and_then(Value::as_str).unwrap_or_default();
        Found {
            mime: mime_type(name, false),
            key: "blob",
            value: base64(bytes),
            meta: untrusted("blob"),
        }
    }

    /// What the raw media type gave for a large file; cut text says so in `_meta`.
    fn large(file: &Value, raw: Raw, cut: bool, readme: bool) -> Found {
        let text = match raw {
            Raw::Binary(bytes) => return Found::blob(file, &bytes),
            Raw::Text(text) => text,
        };
        let returned = text.len();
        let mut found = Found::text(file, text, readme);
        if cut {
            let label = large_file::truncated_label(returned, file);
            found.meta.insert(format!("{PREFIX}truncated"), label);
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_shows_hidden_characters_in_names_as_json_escapes() {
        let entries = json!([{ "name": "safe\u{202E}txt.exe", "path": "d/safe\u{202E}txt.exe", "type": "file" }]);
        let found = listing(&entries);
        assert!(
            found.value.contains("safe\\u202etxt.exe"),
            "{}",
            found.value
        );
        assert!(!found.value.contains('\u{202E}'));
        let parsed: Value = serde_json::from_str(&found.value).unwrap_or_default();
        assert_eq!(parsed[0]["name"], "safe\u{202E}txt.exe");
    }
}
