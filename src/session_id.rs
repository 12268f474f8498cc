//! Session ids come from cookies and URLs: untrusted. Only PHP's own id alphabet reaches a store.

use crate::config::text::quote;

/// PHP's `session.sid_length` tops out at 256.
pub const MAX_ID_LEN: usize = 256;

/// Accepts the characters PHP's id generator and `php_session_valid_key` use: `a-z A-Z 0-9 , -`.
pub fn check(id: &[u8]) -> Result<(), String> {
    if id.is_empty() {
        return Err("session id is empty".into());
    }
    if id.len() > MAX_ID_LEN {
        return Err(format!(
            "session id {} rejected: {} bytes long (at most {MAX_ID_LEN})",
            quote(id, 16),
            id.len()
        ));
    }
    match id.iter().position(|&b| !(b.is_ascii_alphanumeric() || b == b',' || b == b'-')) {
        None => Ok(()),
        Some(at) => Err(format!(
            "session id {} rejected: byte {} at position {at} is not allowed (only a-z A-Z 0-9 , -)",
            quote(id, 40),
            quote(&id[at..=at], 1)
        )),
    }
}

/// An id for when PHP's own generator has no randomness to give (it then has an exception
/// pending, which ends the request): 32 characters of PHP's default alphabet, from the OS's
/// randomness if there is any. Only so that create_sid never hands PHP a NULL.
pub fn random_fallback() -> Vec<u8> {
    const ALPHABET: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";
    let mut bytes = [0u8; 32];
    let _ = getrandom::fill(&mut bytes);
    bytes
        .iter()
        .map(|b| ALPHABET[usize::from(b & 31)])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn php_generated_ids_pass() {
        check(b"k3b0qj8v5ht0a9f2mbd1c7e6gs").unwrap();
        check(b"abc,-DEF").unwrap();
        check(&[b'a'; 256]).unwrap();
    }

    #[test]
    fn hostile_ids_are_refused_with_the_culprit_named() {
        assert_eq!(check(b"").unwrap_err(), "session id is empty");
        let e = check(b"abc\r\nFLUSHALL").unwrap_err();
        assert_eq!(
            e,
            "session id \"abc\\r\\nFLUSHALL\" rejected: byte \"\\r\" at position 3 is not allowed (only a-z A-Z 0-9 , -)"
        );
        assert!(check(b"a b")
            .unwrap_err()
            .contains("byte \" \" at position 1"));
        assert!(check(b"../etc").unwrap_err().contains("position 0"));
        let e = check(&[b'a'; 257]).unwrap_err();
        check(&random_fallback()).unwrap();
        assert_eq!(random_fallback().len(), 32);
        assert!(e.ends_with("257 bytes long (at most 256)"), "{e}");
    }
}
