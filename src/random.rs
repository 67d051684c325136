//! Random identifiers, from the platform's cryptographic generator.

/// 32 random bytes as lowercase hex: a session id (visible ASCII, unguessable).
pub fn session_id() -> String {
    hex(&random_bytes::<32>())
}

/// True for strings shaped like [`session_id`]'s output.
pub fn is_session_id(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

// The Workers runtime always provides crypto.getRandomValues; without it nothing here
// (session ids, keys, nonces) could be secure, so failing loudly is right. The failure
// does not depend on any input.
#[allow(clippy::expect_used)]
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes).expect("the platform has no secure random generator");
    bytes
}

/// Lowercase hex of `bytes`. Built from a table, not with `format!` per byte: request and
/// trace ids are made on every request.
pub fn hex(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len() * 2);
    push_hex(&mut text, bytes);
    text
}

/// Appends the lowercase hex of `bytes` to `text`.
pub fn push_hex(text: &mut String, bytes: &[u8]) {
    for byte in bytes {
        text.push(hex_digit(byte >> 4));
        text.push(hex_digit(byte & 0x0f));
    }
}

/// The lowercase hex digit of a nibble (0..=15).
fn hex_digit(nibble: u8) -> char {
    char::from(match nibble {
        0..=9 => b'0' + nibble,
        _ => b'a' + (nibble - 10),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_two_lowercase_digits_per_byte() {
        assert_eq!(hex(&[]), "");
        assert_eq!(hex(&[0x00, 0x0f, 0x10, 0xab, 0xff]), "000f10abff");
        let every: Vec<u8> = (0..=255).collect();
        let expected: String = every.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex(&every), expected);
    }

    #[test]
    fn session_ids_are_64_hex_and_distinct() {
        let a = session_id();
        assert!(is_session_id(&a), "{a}");
        assert_ne!(a, session_id());
        assert!(!is_session_id("ABC"));
        assert!(!is_session_id(&"g".repeat(64)));
    }
}
