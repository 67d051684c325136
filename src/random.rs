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

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_are_64_hex_and_distinct() {
        let a = session_id();
        assert!(is_session_id(&a), "{a}");
        assert_ne!(a, session_id());
        assert!(!is_session_id("ABC"));
        assert!(!is_session_id(&"g".repeat(64)));
    }
}
