//! Files over the contents API's 1 MB, for which GitHub's JSON carries no content
//! (`encoding: "none"`): `getGithubFileContents` answers with a `resource_link` to the
//! file's `github://` URI, and reading that resource streams the file through GitHub's raw
//! media type, keeping at most [`MAX_STREAM_BYTES`]:
//! - text past the cap is cut at a character boundary, and the contents' `_meta` says so
//!   (`…/truncated`: the bytes returned and the file's size); the text itself is never
//!   rewritten;
//! - a binary file comes back whole as a base64 `blob` when it fits, else the read fails
//!   with an error that says it is too large and where to download it.

use serde_json::{json, Value};

use super::contents::{is_binary_name, mime_type};
use super::untrusted::escape_hidden;
use crate::github::{GitHub, Media, Query};
use mcp_core::tool::{text_content, ToolError};
use mcp_core::version::ProtocolVersion;

/// The most of a large file a resource read returns: 2 MiB. Reading holds at most this plus
/// one chunk of the download, well inside a Worker's 128 MB even once base64-encoded.
pub const MAX_STREAM_BYTES: usize = 2 * 1024 * 1024;

/// The first bytes of a file, told apart as text or binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Raw {
    Text(String),
    Binary(Vec<u8>),
}

/// Tells text from binary in `bytes`, the start of a file when `cut`: a character split by
/// the cut is dropped, any other byte that is not UTF-8 (or a NUL) makes it binary.
pub fn decode_raw(name: &str, bytes: Vec<u8>, cut: bool) -> Raw {
    if is_binary_name(name) || bytes.contains(&0) {
        return Raw::Binary(bytes);
    }
    match String::from_utf8(bytes) {
        Ok(text) => Raw::Text(text),
        Err(error) if cut && error.utf8_error().error_len().is_none() => {
            let valid = error.utf8_error().valid_up_to();
            let mut bytes = error.into_bytes();
            bytes.truncate(valid);
            match String::from_utf8(bytes) {
                Ok(text) => Raw::Text(text),
                Err(error) => Raw::Binary(error.into_bytes()),
            }
        }
        Err(error) => Raw::Binary(error.into_bytes()),
    }
}

/// Reads the large file `file` (GitHub's content-file object, from `api_path` with `query`)
/// through the raw media type: its first bytes, and whether the file went on past them.
pub async fn read(
    github: &GitHub<'_>,
    api_path: &str,
    query: &Query,
    what: &str,
    file: &Value,
) -> Result<(Raw, bool), ToolError> {
    let name = file.get("name").and_then(Value::as_str).unwrap_or_default();
    let size = file.get("size").and_then(Value::as_u64).unwrap_or(0);
    // Refused as asked (-32602 from resources/read), not failed: a size is no fault of the
    // server's. No link to GitHub's page: its path holds the default branch's name, a
    // stranger's words in an error no label covers (review 30, #2).
    let too_large = || {
        ToolError::InvalidArgument(format!(
            "{what} is a binary file of {size} bytes, too large to read: a binary file over 1 MB is returned whole, up to {MAX_STREAM_BYTES} bytes. Download it from GitHub."
        ))
    };
    if is_binary_name(name) && size > MAX_STREAM_BYTES as u64 {
        return Err(too_large());
    }
    let (bytes, cut) = github
        .fetch_capped(api_path, query, Media::Raw, what, MAX_STREAM_BYTES)
        .await?;
    match decode_raw(name, bytes, cut) {
        Raw::Binary(_) if cut => Err(too_large()),
        raw => Ok((raw, cut)),
    }
}

/// The `_meta` entry of text cut at the cap: the bytes returned and the file's size.
pub fn truncated_label(returned: usize, file: &Value) -> Value {
    json!({ "returnedBytes": returned, "size": file.get("size") })
}

/// What `getGithubFileContents` returns for a large file: a `resource_link` to `uri`
/// (from 2025-06-18, which has them), or a text block that names it.
pub fn link(uri: &str, file: &Value, version: ProtocolVersion) -> Value {
    let name = file.get("name").and_then(Value::as_str).unwrap_or_default();
    let size = file.get("size").and_then(Value::as_u64).unwrap_or(0);
    let description = format!(
        "{size} bytes, over the 1 MB GitHub returns inline. Reading this resource streams it: text up to its first {MAX_STREAM_BYTES} bytes (the contents' _meta says when it was cut), a binary file whole up to {MAX_STREAM_BYTES} bytes."
    );
    if version < ProtocolVersion::V2025_06_18 {
        return text_content(format!(
            "The file is too large to return here: {description} Read the resource {uri}"
        ));
    }
    json!({
        "type": "resource_link",
        "uri": uri,
        "name": escape_hidden(name),
        "description": description,
        "mimeType": mime_type(name, !is_binary_name(name)),
        "size": size,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_cut_at_a_character_and_anything_else_is_binary() {
        let text = |t: &str| Raw::Text(t.to_string());
        assert_eq!(decode_raw("a.txt", b"hello".to_vec(), false), text("hello"));
        // "é" is two bytes: the cap fell between them.
        assert_eq!(decode_raw("a.txt", b"caf\xc3".to_vec(), true), text("caf"));
        assert_eq!(
            decode_raw("a.txt", b"caf\xc3".to_vec(), false),
            Raw::Binary(b"caf\xc3".to_vec())
        );
        assert_eq!(
            decode_raw("a.txt", b"\xff\xfeabc".to_vec(), true),
            Raw::Binary(b"\xff\xfeabc".to_vec())
        );
        assert_eq!(
            decode_raw("a.txt", b"a\0b".to_vec(), false),
            Raw::Binary(b"a\0b".to_vec())
        );
        assert_eq!(
            decode_raw("a.png", b"abc".to_vec(), false),
            Raw::Binary(b"abc".to_vec())
        );
    }

    #[test]
    fn the_link_shows_a_name_s_hidden_characters_escaped() {
        let file = json!({ "name": "notes\u{E0069}.txt", "size": 2_000_000 });
        let link = link(
            "github://o/r/contents/x",
            &file,
            ProtocolVersion::V2025_11_25,
        );
        assert_eq!(link["name"], "notes\\udb40\\udc69.txt");
    }

    #[test]
    fn the_link_gives_the_uri_size_and_type_or_names_the_uri_in_older_revisions() {
        let file = json!({ "name": "big.log", "size": 3_000_000, "html_url": "https://github.com/o/r/blob/main/big.log" });
        let uri = "github://o/r/contents/big.log?ref=v1";
        let link = link(uri, &file, ProtocolVersion::V2025_11_25);
        assert_eq!(
            (
                &link["type"],
                &link["uri"],
                &link["mimeType"],
                &link["size"]
            ),
            (
                &json!("resource_link"),
                &json!(uri),
                &json!("text/plain"),
                &json!(3_000_000)
            )
        );
        let old = super::link(uri, &file, ProtocolVersion::V2025_03_26);
        assert_eq!(old["type"], "text");
        assert!(old["text"].as_str().unwrap().contains(uri));
    }
}
