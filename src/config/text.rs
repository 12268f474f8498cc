//! Small text helpers for save_path parsing: percent-decoding and quoting for messages.

/// Decodes `%XX` escapes; `plus_is_space` follows PHP's query-string rules (`parse_str`),
/// which phpredis applies to its save_path parameters.
pub fn percent_decode(raw: &str, plus_is_space: bool) -> Result<String, String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => out.push(b),
                    None => {
                        let shown: String = raw[i..].chars().take(3).collect();
                        return Err(format!("bad percent-escape \"{shown}\""));
                    }
                }
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| "decodes to bytes that are not UTF-8".to_owned())
}

/// Quotes untrusted text for a warning: printable ASCII kept, everything else escaped,
/// long text cut, so a hostile value can neither forge log lines nor flood them.
pub fn quote(text: &[u8], max: usize) -> String {
    let mut out = String::from("\"");
    for (n, &b) in text.iter().enumerate() {
        if n == max {
            out.push_str(&format!("\"... ({} bytes)", text.len()));
            return out;
        }
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(b as char),
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n"),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('"');
    out
}

/// Replaces secrets in a save_path entry (`user:secret@`, `auth=secret`) with `***`, so an
/// entry can be quoted in a warning or in phpinfo without leaking its password. Errs on the safe
/// side: whatever the parser might read as a password is masked, in every spelling it accepts
/// (no scheme, escaped or upper-case parameter names) and in misspellings it refuses.
pub fn mask_secrets(entry: &str) -> String {
    let (head, query) = match entry.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        // Parameters only, as phpredis's cluster save_path (`seed[]=h:p&auth=...`) is.
        None if !entry.contains("://") && entry.contains('=') => {
            return mask_params(entry);
        }
        None => (entry, None),
    };
    let (scheme, rest) = match head.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, head),
    };
    let is_socket_path = scheme.is_none() && (rest.starts_with('/') || rest.starts_with("unix:"));
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let mut out = match (authority.rsplit_once('@'), is_socket_path) {
        (Some((userinfo, host)), false) => {
            let masked = match userinfo.split_once(':') {
                Some((user, _)) => format!("{user}:***"),
                None => "***".to_owned(),
            };
            match scheme {
                Some(scheme) => format!("{scheme}://{masked}@{host}{path}"),
                None => format!("{masked}@{host}{path}"),
            }
        }
        _ => head.to_owned(),
    };
    if let Some(query) = query {
        out.push('?');
        out.push_str(&mask_params(query));
    }
    out
}

/// `a=1&auth=secret` → `a=1&auth=***`.
fn mask_params(query: &str) -> String {
    let params: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if names_a_secret(k) => format!("{k}=***"),
            _ => pair.to_owned(),
        })
        .collect();
    params.join("&")
}

/// A parameter name that may carry a password, as written (escapes, any case).
fn names_a_secret(raw: &str) -> bool {
    let name = percent_decode(raw, true)
        .unwrap_or_else(|_| raw.to_owned())
        .to_ascii_lowercase();
    ["auth", "pass", "pwd", "secret"]
        .iter()
        .any(|word| name.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_in_every_accepted_spelling() {
        assert_eq!(mask_secrets("redis://u:pw@h:1/2"), "redis://u:***@h:1/2");
        assert_eq!(
            mask_secrets("seed[]=h:1&auth[]=alice&auth[]=pw&x=1"),
            "seed[]=h:1&auth[]=***&auth[]=***&x=1"
        );
        assert_eq!(mask_secrets("pw@h:1"), "***@h:1");
        assert_eq!(mask_secrets("alice:pw@h:1"), "alice:***@h:1");
        assert_eq!(
            mask_secrets("tcp://h?%61uth=pw&AUTH=pw&auth[pass]=pw&x=1"),
            "tcp://h?%61uth=***&AUTH=***&auth[pass]=***&x=1"
        );
        assert_eq!(mask_secrets("/run/a@b.sock"), "/run/a@b.sock");
        assert_eq!(
            mask_secrets("unix:///run/redis.sock?auth=pw"),
            "unix:///run/redis.sock?auth=***"
        );
    }

    #[test]
    fn decodes_escapes_and_plus() {
        assert_eq!(percent_decode("a%2Cb+c", true).unwrap(), "a,b c");
        assert_eq!(percent_decode("a+b", false).unwrap(), "a+b");
        assert_eq!(
            percent_decode("%zz", true).unwrap_err(),
            "bad percent-escape \"%zz\""
        );
        assert_eq!(
            percent_decode("ab%4", true).unwrap_err(),
            "bad percent-escape \"%4\""
        );
        assert!(percent_decode("%ff", true).unwrap_err().contains("UTF-8"));
    }

    #[test]
    fn quotes_hostile_text() {
        assert_eq!(quote(b"a\r\nb\"\x01", 64), "\"a\\r\\nb\\\"\\x01\"");
        assert_eq!(quote(b"abcdef", 3), "\"abc\"... (6 bytes)");
    }

    #[test]
    fn masks_passwords() {
        assert_eq!(
            mask_secrets("redis://u:pw@h:1/2?x=1"),
            "redis://u:***@h:1/2?x=1"
        );
        assert_eq!(mask_secrets("redis://pw@h"), "redis://***@h");
        assert_eq!(
            mask_secrets("tcp://h:1?auth=pw&auth[]=u&database=2"),
            "tcp://h:1?auth=***&auth[]=***&database=2"
        );
        assert_eq!(
            mask_secrets("tcp://h:1?auth[user]=u&auth[pass]=pw&auth%5Bpass%5D=pw"),
            "tcp://h:1?auth[user]=***&auth[pass]=***&auth%5Bpass%5D=***"
        );
        assert_eq!(
            mask_secrets("unix:///s.sock?database=1"),
            "unix:///s.sock?database=1"
        );
    }
}
