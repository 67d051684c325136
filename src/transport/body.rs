//! Reading request bodies with a size cap that holds while reading.
//!
//! A body without `Content-Length` (chunked) can be any size: [`read_limited`] pulls it
//! chunk by chunk and stops at the first chunk that takes it past the cap, so no more than
//! the cap plus one chunk is ever held. A declared length past the cap is refused unread.

use futures_util::StreamExt;
use worker::Request;

/// Why a body was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unread {
    /// It was larger than the cap (or declared itself so).
    TooLarge { limit: usize },
    /// It broke off: the client stopped sending before the body was complete (fewer bytes
    /// than it declared, or an unfinished chunked body). The client's doing, not ours.
    Broken,
}

/// A JSON text without the UTF-8 byte order mark some writers put first (.NET's and
/// PowerShell's with `Encoding.UTF8`): RFC 8259, 8.1 lets a parser ignore it, "in the
/// interests of interoperability".
pub fn without_bom(mut body: Vec<u8>) -> Vec<u8> {
    if body.starts_with(b"\xEF\xBB\xBF") {
        body.drain(..3);
    }
    body
}

/// Reads the whole body of `req`, refusing it once it passes `limit` bytes. A request with
/// no body reads as empty.
pub async fn read_limited(
    req: &mut Request,
    limit: usize,
) -> worker::Result<Result<Vec<u8>, Unread>> {
    let declared = req
        .headers()
        .get("content-length")?
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Ok(Err(Unread::TooLarge { limit }));
    }
    if req.inner().body().is_none() {
        return Ok(Ok(Vec::new()));
    }
    // A declared length frames the body (HTTP/1.1 reads exactly that many bytes, HTTP/2
    // refuses a stream whose data disagrees), so a body within the cap is read in one
    // piece: one promise, not a reader and a promise per chunk.
    if declared.is_some() {
        return Ok(req.bytes().await.map_err(|_| Unread::Broken));
    }
    let mut stream = req.stream()?;
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            return Ok(Err(Unread::Broken));
        };
        if body.len() + chunk.len() > limit {
            return Ok(Err(Unread::TooLarge { limit }));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Ok(body))
}

/// Like [`read_limited`], for bodies that must be UTF-8 text (forms). Invalid UTF-8 reads as
/// the replacement character, which no parser here accepts as a valid value.
pub async fn read_text_limited(
    req: &mut Request,
    limit: usize,
) -> worker::Result<Result<String, Unread>> {
    Ok(read_limited(req, limit)
        .await?
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::without_bom;

    #[test]
    fn a_leading_byte_order_mark_is_dropped_and_nothing_else() {
        assert_eq!(without_bom(b"\xEF\xBB\xBF{}".to_vec()), b"{}");
        assert_eq!(without_bom(b"{}".to_vec()), b"{}");
        assert_eq!(
            without_bom(b"{\"a\":\"\xEF\xBB\xBF\"}".to_vec()),
            b"{\"a\":\"\xEF\xBB\xBF\"}"
        );
        assert_eq!(without_bom(b"\xEF\xBB".to_vec()), b"\xEF\xBB");
    }
}
