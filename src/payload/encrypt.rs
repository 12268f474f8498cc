//! Encryption at rest (`rsession.encryption_key_file`): a session's value is sealed with
//! XChaCha20-Poly1305 under the first key of the key file, with a fresh random 24-byte nonce
//! per write (random nonces of that size never repeat in practice, however many writes), and
//! the session id as associated data, so that a value copied under another id does not open.
//! Every key of the file opens what it sealed: a new key goes first, the old ones stay until
//! the sessions they sealed were rewritten or expired, and nobody is logged out by a rotation.
//!
//! A sealed value: `\0RSE` (no PHP serializer's output starts so: igbinary's starts
//! `\0\0\0\x02`, the others with printable text or a msgpack map), a version byte (1), the
//! first 4 bytes of the MD5 of the key that sealed it (to find it without trying them all;
//! it says nothing of the key), the nonce, then the ciphertext and its 16-byte tag.

use std::{
    fs,
    path::{Path, PathBuf},
    sync::Arc,
};

use base64::Engine;
use chacha20poly1305::{
    aead::{Aead, KeyInit, Payload},
    XChaCha20Poly1305, XNonce,
};
use md5::{Digest, Md5};

pub const MAGIC: &[u8; 4] = b"\0RSE";
const VERSION: u8 = 1;
const TAG_LEN: usize = 4;
const NONCE_LEN: usize = 24;
const HEADER_LEN: usize = MAGIC.len() + 1 + TAG_LEN + NONCE_LEN;
/// Poly1305's tag, after the ciphertext.
const MAC_LEN: usize = 16;

/// The keys of one key file, the sealing one first.
pub struct Keys {
    keys: Vec<([u8; TAG_LEN], XChaCha20Poly1305)>,
}

impl std::fmt::Debug for Keys {
    /// The keys are never shown, only how many there are.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Keys({} keys)", self.keys.len())
    }
}

/// rsession.encryption_key_file, read: its keys, known (compared, hashed) by the file's path.
/// The file is read when a configuration is first resolved in a process, so a rotation takes
/// effect when the workers restart (php-fpm reload).
#[derive(Debug, Clone)]
pub struct Encryption {
    pub path: PathBuf,
    pub keys: Arc<Keys>,
}

impl Encryption {
    pub fn load(path: &str, setting: &str) -> Result<Encryption, String> {
        let path = PathBuf::from(path);
        let keys = Arc::new(Keys::load(&path, setting)?);
        Ok(Encryption { path, keys })
    }
}

impl PartialEq for Encryption {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path
    }
}

impl Eq for Encryption {}

impl std::hash::Hash for Encryption {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.path.hash(state)
    }
}

/// Whether `stored` is a sealed value (and so must be opened before PHP sees it).
pub fn is_sealed(stored: &[u8]) -> bool {
    stored.starts_with(MAGIC)
}

impl Keys {
    /// Reads a key file: one key per line, each 32 random bytes in base64 (e.g. from
    /// `head -c 32 /dev/urandom | base64`); blank lines and lines starting with `#` are
    /// skipped. `setting` names the INI setting in errors.
    pub fn load(path: &Path, setting: &str) -> Result<Keys, String> {
        let text = fs::read_to_string(path)
            .map_err(|e| format!("{setting} \"{}\": cannot read: {e}", path.display()))?;
        Keys::parse(&text).map_err(|e| format!("{setting} \"{}\": {e}", path.display()))
    }

    fn parse(text: &str) -> Result<Keys, String> {
        let mut keys = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(line)
                .map_err(|_| format!("line {}: not base64", n + 1))?;
            let key: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
                format!(
                    "line {}: a key is 32 bytes (256 bits), this one is {} (make one with: head -c 32 /dev/urandom | base64)",
                    n + 1,
                    bytes.len()
                )
            })?;
            let digest = Md5::digest(key);
            let mut tag = [0; TAG_LEN];
            tag.copy_from_slice(&digest[..TAG_LEN]);
            keys.push((tag, XChaCha20Poly1305::new(&key.into())));
        }
        if keys.is_empty() {
            return Err("holds no key (one base64-encoded 32-byte key per line)".into());
        }
        Ok(Keys { keys })
    }

    /// `plain` sealed for session `id`, under the first key.
    pub fn seal(&self, id: &[u8], plain: &[u8]) -> Result<Vec<u8>, String> {
        let (tag, cipher) = &self.keys[0];
        let mut nonce = [0; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|e| format!("no random nonce: {e}"))?;
        let sealed = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: id,
                },
            )
            .map_err(|_| "encryption failed".to_owned())?;
        let mut out = Vec::with_capacity(HEADER_LEN + sealed.len());
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        out.extend_from_slice(tag);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// The session `id`'s value, opened; an error says why it does not open (another key,
    /// tampered with, or sealed for another id).
    pub fn open(&self, id: &[u8], stored: &[u8]) -> Result<Vec<u8>, String> {
        if stored.len() < HEADER_LEN + MAC_LEN || !is_sealed(stored) {
            return Err(format!(
                "an encrypted value of {} bytes is too short",
                stored.len()
            ));
        }
        if stored[MAGIC.len()] != VERSION {
            return Err(format!(
                "encrypted with format version {}, which this rsession does not know",
                stored[MAGIC.len()]
            ));
        }
        let tag = &stored[MAGIC.len() + 1..MAGIC.len() + 1 + TAG_LEN];
        let nonce = XNonce::from_slice(&stored[HEADER_LEN - NONCE_LEN..HEADER_LEN]);
        let Some((_, cipher)) = self.keys.iter().find(|(t, _)| t == tag) else {
            return Err("encrypted with a key that is not in the key file".into());
        };
        cipher
            .decrypt(
                nonce,
                Payload {
                    msg: &stored[HEADER_LEN..],
                    aad: id,
                },
            )
            .map_err(|_| {
                "does not decrypt: changed since it was written, or copied from another session id"
                    .into()
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K1: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const K2: &str = "/////////////////////////////////////////w8=";

    fn keys(text: &str) -> Keys {
        Keys::parse(text).unwrap()
    }

    #[test]
    fn sealed_values_open_for_their_id_only() {
        let k = keys(K1);
        let sealed = k.seal(b"abc", b"user|i:42;").unwrap();
        assert!(is_sealed(&sealed));
        assert_eq!(sealed.len(), HEADER_LEN + 10 + MAC_LEN);
        assert_eq!(k.open(b"abc", &sealed).unwrap(), b"user|i:42;");
        assert!(k
            .open(b"abd", &sealed)
            .unwrap_err()
            .contains("another session id"));
        // A fresh nonce each time: the same session never seals to the same bytes.
        assert_ne!(sealed, k.seal(b"abc", b"user|i:42;").unwrap());
    }

    #[test]
    fn a_rotated_file_opens_what_the_old_key_sealed() {
        let old = keys(K1);
        let sealed = old.seal(b"id", b"x").unwrap();
        let rotated = keys(&format!("# new key first\n{K2}\n\n{K1}\n"));
        assert_eq!(rotated.open(b"id", &sealed).unwrap(), b"x");
        // New writes use the new key, which the old file cannot open.
        let resealed = rotated.seal(b"id", b"x").unwrap();
        assert!(old
            .open(b"id", &resealed)
            .unwrap_err()
            .contains("not in the key file"));
    }

    #[test]
    fn tampered_truncated_and_foreign_values_do_not_open() {
        let k = keys(K1);
        let sealed = k.seal(b"id", b"secret data").unwrap();
        for n in [HEADER_LEN + 3, sealed.len() - 1] {
            let mut bad = sealed.clone();
            bad[n] ^= 1;
            assert!(k.open(b"id", &bad).is_err(), "byte {n} flipped");
        }
        assert!(k.open(b"id", &sealed[..sealed.len() - 1]).is_err());
        assert!(k
            .open(b"id", &sealed[..20])
            .unwrap_err()
            .contains("too short"));
        let mut future = sealed.clone();
        future[4] = 9;
        assert!(k.open(b"id", &future).unwrap_err().contains("version 9"));
    }

    #[test]
    fn key_file_errors_name_the_line() {
        let e = |t: &str| Keys::parse(t).map(|_| ()).unwrap_err();
        assert!(e("").contains("holds no key"));
        assert!(e("# only a comment\n").contains("holds no key"));
        assert!(e(&format!("{K1}\nnot base64!\n")).contains("line 2: not base64"));
        assert!(e("AAEC\n").contains("line 1: a key is 32 bytes (256 bits), this one is 3"));
    }

    #[test]
    fn no_serializer_output_looks_sealed() {
        // php, php_serialize, igbinary (version 2), msgpack (a map), and an empty session.
        for plain in [
            &b"a|i:1;"[..],
            b"a:1:{s:1:\"a\";i:1;}",
            b"\0\0\0\x02\x14\x01",
            b"\x81\xa1a\x01",
            b"",
        ] {
            assert!(!is_sealed(plain));
        }
    }
}
