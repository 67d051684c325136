//! A minimal HTTP client interface, so that the GitHub client is plain Rust: the Worker
//! plugs in `fetch`, and host tests plug in a fake.

use mcp_core::exchange::BoxFuture;

#[derive(Debug, Clone, PartialEq)]
pub struct HttpRequest {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    /// Stop reading the body once it holds more than this many bytes: one byte more is
    /// kept, so that a longer body shows as longer, and the rest is never read. `None`
    /// reads the body whole.
    pub body_limit: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A header's value, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why a request got no HTTP response at all.
#[derive(Debug, Clone, PartialEq)]
pub enum TransportError {
    /// No answer within the upstream timeout.
    Timeout { seconds: u64 },
    /// The connection failed; the text says how.
    Failed(String),
}

pub trait HttpClient {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>>;
}

/// Percent-encodes a string for use as one URL query value or path segment.
pub fn percent_encode(text: &str) -> String {
    percent_encode_keeping(text, "")
}

/// Percent-encodes every byte of `text` but the unreserved characters and the ASCII
/// characters in `keep`.
pub fn percent_encode_keeping(text: &str, keep: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric()
            || b"-._~".contains(&byte)
            || keep.as_bytes().contains(&byte)
        {
            out.push(byte as char)
        } else {
            out.push_str(&format!("%{byte:02X}"))
        }
    }
    out
}

/// Decodes the `%XX` escapes of `text`; anything else, a malformed escape included, stays
/// as it is.
pub fn percent_decode_bytes(text: &str) -> Vec<u8> {
    let mut parts = text.split('%');
    let mut bytes = parts.next().unwrap_or_default().as_bytes().to_vec();
    for part in parts {
        let hex = part
            .get(..2)
            .filter(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match hex {
            Some(byte) => {
                bytes.push(byte);
                bytes.extend_from_slice(part.get(2..).unwrap_or_default().as_bytes());
            }
            None => {
                bytes.push(b'%');
                bytes.extend_from_slice(part.as_bytes());
            }
        }
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_keeps_malformed_escapes() {
        assert_eq!(percent_decode_bytes("a%2Fb%zz%4"), b"a/b%zz%4");
        assert_eq!(percent_decode_bytes("%C3%A9"), "é".as_bytes());
    }

    #[test]
    fn percent_encoding_leaves_only_unreserved_characters() {
        assert_eq!(percent_encode("feature/x y&z"), "feature%2Fx%20y%26z");
        assert_eq!(percent_encode("v1.2.3_~-"), "v1.2.3_~-");
        assert_eq!(percent_encode("é"), "%C3%A9");
    }
}
