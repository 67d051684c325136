//! Header values the Worker sends its own Durable Objects (the caller, the connection, the
//! request's observation), kept ASCII.
//!
//! The runtime accepts a header value that is not ASCII, but logs a warning that quotes the
//! value whole. The caller's header holds the GitHub token the tools use, and a bearer
//! token's name (`Zoë's laptop`) is any text: such a name put the deployment's GitHub token
//! in the log of every session request (review 29, F1). So no value of ours leaves the
//! Worker with a byte outside printable ASCII:
//! - JSON is written with `\u` escapes for what is not ASCII ([`json`]), which any JSON
//!   parser reads back as it was;
//! - text is percent-encoded ([`text`]) and decoded by the object ([`text_from`]).

use std::borrow::Cow;

use serde::Serialize;

use crate::github::http::{percent_decode_bytes, percent_encode_keeping};

/// `value` as JSON, in ASCII.
pub fn json<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let text = serde_json::to_string(value)?;
    if text.is_ascii() {
        return Ok(text);
    }
    // Outside ASCII, serde_json writes nothing but the characters of strings, raw; each is
    // written as a `\u` escape instead (two for a character beyond the first plane).
    let mut ascii = String::with_capacity(text.len() + 16);
    let mut units = [0u16; 2];
    for c in text.chars() {
        if c.is_ascii() {
            ascii.push(c);
        } else {
            for unit in c.encode_utf16(&mut units) {
                ascii.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    Ok(ascii)
}

/// Printable ASCII that [`percent_encode_keeping`] would encode but [`text`] keeps: all
/// but letters, digits, `-._~` (kept anyway) and `%`. A space is not among them: the
/// runtime trims a value's leading and trailing spaces.
const PRINTABLE: &str = "!\"#$&'()*+,/:;<=>?@[\\]^_`{|}";

/// `value` with `%` and every byte outside printable ASCII percent-encoded.
pub fn text(value: &str) -> Cow<'_, str> {
    if value.bytes().all(|b| b.is_ascii_graphic() && b != b'%') {
        return Cow::Borrowed(value);
    }
    Cow::Owned(percent_encode_keeping(value, PRINTABLE))
}

/// What [`text`] encoded, as it was. Anything else (a `%` without two hex digits after it)
/// is kept as it is.
pub fn text_from(value: String) -> String {
    if !value.contains('%') {
        return value;
    }
    String::from_utf8(percent_decode_bytes(&value)).unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLES: [&str; 8] = [
        "Zoë’s laptop",
        " plain ascii, with spaces ",
        "/mcp/x/repos,,,,…",
        "100% sure %zz %4",
        "tab\tand\nnewline\u{7f}",
        "emoji 🦀 beyond the first plane",
        "",
        "%C3%A9 already encoded",
    ];

    #[test]
    fn text_is_printable_ascii_and_decodes_to_what_it_was() {
        for sample in SAMPLES {
            let encoded = text(sample);
            assert!(encoded.bytes().all(|b| b.is_ascii_graphic()), "{encoded:?}");
            assert_eq!(text_from(encoded.into_owned()), sample);
        }
        assert!(matches!(text("/mcp/octocat"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_value_not_from_text_is_kept_where_it_cannot_be_decoded() {
        assert_eq!(text_from("50%".to_string()), "50%");
        assert_eq!(text_from("%zz".to_string()), "%zz");
        assert_eq!(text_from("%ff".to_string()), "%ff");
    }

    #[test]
    fn json_is_ascii_and_reads_back_the_same() {
        let value = serde_json::json!({ "display_name": SAMPLES, "github_token": "ghp_x" });
        let written = json(&value).unwrap();
        assert!(written.is_ascii(), "{written}");
        assert!(written.contains(r"Zo\u00eb\u2019s"), "{written}");
        assert!(written.contains(r"\ud83e\udd80"), "{written}");
        let read: serde_json::Value = serde_json::from_str(&written).unwrap();
        assert_eq!(read, value);
    }
}
