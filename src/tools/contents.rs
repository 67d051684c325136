//! Reading files through GitHub's contents API, shared by `getGithubFileContents`,
//! `listGithubDirectory` and the `github://` resources: the request, base64 decoding, and
//! telling text from binary so that binary files are never shown as mangled text.

use base64::Engine;
use serde_json::Value;

use super::args::{git_ref, repo_path, repo_ref};
use crate::app::CallContext;
use crate::github::repo::RepoRef;
use crate::github::{GitHub, GitHubError, Query};
use mcp_core::tool::ToolError;

/// Text files longer than this many characters are cut, and the result says so.
pub const MAX_FILE_CHARS: usize = 200_000;
/// Binary files larger than this are not embedded (GitHub's contents API itself returns
/// content only for files up to 1 MB).
pub const MAX_BINARY_BYTES: usize = 1_000_000;

/// GETs `/repos/{repo}/contents/{path}` (`path` already validated and encoded).
pub async fn get_contents(
    github: &GitHub<'_>,
    repo: &RepoRef,
    encoded_path: &str,
    git_ref: Option<&str>,
) -> Result<Value, GitHubError> {
    let mut query = Query::new();
    query.opt("ref", git_ref);
    let what = match (encoded_path, git_ref) {
        ("", _) => format!("the root of {repo}"),
        (p, Some(r)) => format!("'{p}' in {repo} at '{r}'"),
        (p, None) => format!("'{p}' in {repo}"),
    };
    let path = format!("/repos/{repo}/contents/{encoded_path}");
    let (value, _) = github.get_page(&path, &query, &what).await?;
    Ok(value)
}

/// `owner`, `repo`, `path` and `ref` from a tool's arguments, and what GitHub has there
/// (a ref that lockdown lets the call read, [`super::lockdown_refs`]).
pub async fn contents_at(
    context: &CallContext<'_>,
    (owner, repo): (&str, &str),
    path: &str,
    at: Option<&str>,
) -> Result<(RepoRef, Value), ToolError> {
    let repo = repo_ref(owner, repo)?;
    let path = repo_path("path", path)?;
    let at = git_ref("ref", at)?;
    super::lockdown_refs::check_ref(context, &repo, at).await?;
    let found = get_contents(context.app.github, &repo, &path, at).await?;
    Ok((repo, found))
}

/// A file's bytes, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    Text(String),
    Binary(Vec<u8>),
    /// GitHub sent no content (files over 1 MB).
    TooLarge,
}

/// Decodes a content-file object's base64 `content` and tells text from binary.
pub fn decode_file(file: &Value) -> Result<Decoded, ToolError> {
    let encoding = file["encoding"].as_str().unwrap_or("base64");
    let content = file["content"].as_str().unwrap_or_default();
    if encoding == "none" || (content.is_empty() && file["size"].as_u64().unwrap_or(0) > 0) {
        return Ok(Decoded::TooLarge);
    }
    if encoding != "base64" {
        return Err(ToolError::Failed(format!(
            "GitHub returned the file in an encoding we do not read ('{encoding}')."
        )));
    }
    let compact: String = content.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|e| {
            ToolError::Failed(format!("GitHub's file content is not valid base64: {e}"))
        })?;
    let name = file["name"].as_str().unwrap_or_default();
    if is_binary_name(name) || bytes.contains(&0) {
        return Ok(Decoded::Binary(bytes));
    }
    Ok(match String::from_utf8(bytes) {
        Ok(text) => Decoded::Text(text),
        Err(e) => Decoded::Binary(e.into_bytes()),
    })
}

const BINARY_TYPES: &[(&str, &str)] = &[
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("webp", "image/webp"),
    ("ico", "image/x-icon"),
    ("pdf", "application/pdf"),
    ("zip", "application/zip"),
    ("gz", "application/gzip"),
    ("wasm", "application/wasm"),
    ("woff", "font/woff"),
    ("woff2", "font/woff2"),
    ("ttf", "font/ttf"),
    ("mp3", "audio/mpeg"),
    ("mp4", "video/mp4"),
];

const TEXT_TYPES: &[(&str, &str)] = &[
    ("md", "text/markdown"),
    ("markdown", "text/markdown"),
    ("json", "application/json"),
    ("html", "text/html"),
    ("css", "text/css"),
    ("js", "text/javascript"),
    ("mjs", "text/javascript"),
    ("svg", "image/svg+xml"),
    ("xml", "application/xml"),
    ("csv", "text/csv"),
    ("yaml", "application/yaml"),
    ("yml", "application/yaml"),
];

fn extension(name: &str) -> String {
    name.rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default()
}

fn lookup(table: &[(&str, &'static str)], name: &str) -> Option<&'static str> {
    let ext = extension(name);
    table.iter().find(|(e, _)| *e == ext).map(|(_, m)| *m)
}

/// True when the name's extension is a binary type's.
pub fn is_binary_name(name: &str) -> bool {
    lookup(BINARY_TYPES, name).is_some()
}

/// The MIME type for a file name, given whether its content is text.
pub fn mime_type(name: &str, text: bool) -> &'static str {
    if text {
        lookup(TEXT_TYPES, name).unwrap_or("text/plain")
    } else {
        lookup(BINARY_TYPES, name).unwrap_or("application/octet-stream")
    }
}

pub fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn tells_text_from_binary() {
        let file = |name: &str, bytes: &[u8]| json!({ "name": name, "encoding": "base64", "size": bytes.len(), "content": base64(bytes) });
        assert_eq!(
            decode_file(&file("a.rs", b"fn main() {}\n")).unwrap(),
            Decoded::Text("fn main() {}\n".into())
        );
        assert_eq!(
            decode_file(&file("a.png", b"abc")).unwrap(),
            Decoded::Binary(b"abc".to_vec())
        );
        assert_eq!(
            decode_file(&file("a.bin", &[0xff, 0xfe])).unwrap(),
            Decoded::Binary(vec![0xff, 0xfe])
        );
        assert_eq!(
            decode_file(&file("a.txt", b"a\0b")).unwrap(),
            Decoded::Binary(b"a\0b".to_vec())
        );
        let big =
            json!({ "name": "big.bin", "encoding": "none", "size": 5_000_000, "content": "" });
        assert_eq!(decode_file(&big).unwrap(), Decoded::TooLarge);
        assert_eq!(mime_type("x.PNG", false), "image/png");
        assert_eq!(mime_type("x.md", true), "text/markdown");
        assert_eq!(mime_type("Makefile", true), "text/plain");
        assert_eq!(mime_type("x.dat", false), "application/octet-stream");
    }
}
