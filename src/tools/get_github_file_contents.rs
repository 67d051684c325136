//! `getGithubFileContents`: one file at a ref. Text comes back as text, byte for byte (code
//! is reported, not rewritten: `hiddenCharacters` says how many invisible characters it
//! holds and where); binary files come back as an embedded resource with a MIME type,
//! never as mangled text; a file over 1 MB as a `resource_link` to its `github://` URI at
//! the same ref, which streams it ([`super::large_file`]). Large reads take turns
//! ([`crate::github::turns`]).

use serde_json::{json, Value};

use super::access::is_private;
use super::args::input_schema;
use super::contents::{
    base64, contents_at, decode_file, mime_type, Decoded, MAX_BINARY_BYTES, MAX_FILE_CHARS,
};
use super::github_uri::contents_uri;
use super::labels::Labels;
use super::large_file;
use super::list::github_tool;
use super::shape::{object_schema, pick, truncate_chars, untrusted_paths, Field, Kind};
use super::untrusted::find_hidden;
use crate::app::{CallContext, GitHubApp};
use mcp_core::exchange::BoxFuture;
use mcp_core::tool::{Tool, ToolDefinition, ToolError, ToolResult};

pub struct GetGithubFileContents;

const FIELDS: &[Field] = &[
    ("path", "path", Kind::Name),
    ("name", "name", Kind::Name),
    ("sha", "sha", Kind::Str),
    ("size", "size", Kind::Int),
    ("htmlUrl", "html_url", Kind::OptLink),
];

const OUTPUT: &str = mcp_core::compact_json!(
    r#"{
    "repository": { "type": "string" },
    "ref": { "type": ["string", "null"] },
    "mimeType": { "type": "string" },
    "encoding": { "type": "string", "enum": ["text", "base64", "none"], "description": "base64: binary, in an embedded resource block; none: over 1 MB, in a resource_link" },
    "text": { "type": ["string", "null"] },
    "truncated": { "type": "boolean" },
    "hiddenCharacters": { "type": ["object", "null"], "description": "Invisible characters in text, kept: count, first 20 positions" },
    "resourceUri": { "type": "string" }
}"#
);

const ARGUMENTS: &str = mcp_core::compact_json!(
    r#"{ "path": { "type": "string", "description": "File path, e.g. `src/main.rs`", "minLength": 1, "maxLength": 1000 } }"#
);

mcp_core::arguments! {
    /// `getGithubFileContents`'s arguments.
    #[derive(Debug)]
    pub struct FileArgs {
        pub owner: String,
        pub repo: String,
        pub git_ref as "ref": Option<String>,
        pub path: String,
    }
}

impl Tool<GitHubApp> for GetGithubFileContents {
    type Args = FileArgs;

    fn definition(&self) -> ToolDefinition {
        github_tool(
            "getGithubFileContents",
            "Get a file's contents",
            "One file at a ref, byte for byte: text (cut at 200,000 characters), binary as an embedded resource (base64); over 1 MB, a resource_link. For directories use listGithubDirectory.",
            input_schema(&["owner", "repo", "ref"], ARGUMENTS, &["owner", "repo", "path"]),
            object_schema(FIELDS, OUTPUT),
        )
    }

    fn call<'a>(
        &'a self,
        args: FileArgs,
        context: &'a CallContext<'a>,
    ) -> BoxFuture<'a, Result<ToolResult, ToolError>> {
        Box::pin(async move {
            let git_ref = args.git_ref.as_deref();
            let named = (args.owner.as_str(), args.repo.as_str());
            let (repo, file) = contents_at(context, named, &args.path, git_ref).await?;
            let kind = file.get("type").and_then(Value::as_str);
            if file.is_array() || kind != Some("file") {
                return Err(ToolError::Failed(format!(
                    "'{}' in {repo} is not a file (it is a {}); use listGithubDirectory for directories.",
                    args.path,
                    if file.is_array() { "directory" } else { kind.unwrap_or("thing") }
                )));
            }
            let mut out = pick(&file, FIELDS);
            let name = file
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let path = file.get("path").and_then(Value::as_str).unwrap_or_default();
            let uri = contents_uri(&repo, path, git_ref);
            out.insert("repository".into(), repo.to_string().into());
            out.insert("ref".into(), git_ref.into());
            out.insert("resourceUri".into(), uri.clone().into());
            let decoded = decode_file(&file)?;
            let (encoding, text, truncated) = match &decoded {
                Decoded::Text(text) => {
                    let (text, cut) = truncate_chars(text, MAX_FILE_CHARS);
                    ("text", Some(text), cut)
                }
                Decoded::Binary(bytes) => ("base64", None, bytes.len() > MAX_BINARY_BYTES),
                Decoded::TooLarge => ("none", None, true),
            };
            let hidden = match &text {
                Some(text) => find_hidden(text).to_json(),
                None => Value::Null,
            };
            out.insert("hiddenCharacters".into(), hidden);
            let mime = mime_type(&name, encoding == "text");
            out.insert("mimeType".into(), mime.into());
            out.insert("encoding".into(), encoding.into());
            out.insert("text".into(), text.into());
            out.insert("truncated".into(), truncated.into());
            let mut result = super::render::structured(Value::Object(out));
            match decoded {
                Decoded::Binary(bytes) if bytes.len() <= MAX_BINARY_BYTES => {
                    let blob = base64(&bytes);
                    let meta = super::resources::untrusted("blob");
                    let resource =
                        json!({ "uri": uri, "mimeType": mime, "blob": blob, "_meta": meta });
                    result
                        .content
                        .push(json!({ "type": "resource", "resource": resource }));
                }
                Decoded::Binary(_) | Decoded::TooLarge => {
                    let version = context.exchange.version();
                    result.content.push(large_file::link(&uri, &file, version));
                }
                Decoded::Text(_) => {}
            }
            let mut untrusted = untrusted_paths("", FIELDS);
            untrusted.extend(["resourceUri", "text"].map(String::from));
            Labels::untrusted(untrusted)
                .private(is_private(context, &repo).await)
                .apply(&mut result);
            Ok(result)
        })
    }
}
