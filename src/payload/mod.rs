//! The codec between the session handler and the store: what PHP hands over is written as it is
//! or compressed (`rsession.compression`), and what the store holds is read back whatever wrote
//! it: a plain session, one rsession compressed, or one phpredis compressed
//! (`redis.session.compression`), so a fleet can switch settings, or switch from phpredis,
//! without a flush and without logging anyone out. With rsession.encryption_key_file, the
//! stored value is then sealed (encrypt.rs; the session handler composes the two: compressed
//! first, since sealed bytes do not compress).

mod compress;
pub mod encrypt;
mod lzf;
mod phpredis;

use std::borrow::Cow;

pub use compress::Algorithm;

/// The most a stored value may decompress to: a larger claim is refused before anything is
/// allocated (a decompression bomb would otherwise take the worker's memory).
pub const MAX_DECODED: usize = 64 << 20;

/// Below this many bytes a session is stored as it is when the setting is not given: it fits in
/// a packet either way, and compressing it would cost more than it saves.
pub const DEFAULT_THRESHOLD: usize = 1024;

/// How sessions are written (reads need no settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PayloadSettings {
    pub compression: Option<Algorithm>,
    /// zstd's level, 0 for zstd's default; lzf and lz4 have one level.
    pub level: i32,
    /// Sessions shorter than this are stored uncompressed.
    pub threshold: usize,
}

impl Default for PayloadSettings {
    fn default() -> Self {
        PayloadSettings {
            compression: None,
            level: 0,
            threshold: DEFAULT_THRESHOLD,
        }
    }
}

/// The bytes to store for `data`: borrowed as they are unless compression is on, the session
/// is long enough, and compressing it makes it smaller.
pub fn encode<'a>(settings: &PayloadSettings, data: &'a [u8]) -> Cow<'a, [u8]> {
    match settings.compression {
        Some(algorithm) if data.len() >= settings.threshold => {
            compress::seal(algorithm, settings.level, data).map_or(Cow::Borrowed(data), Cow::Owned)
        }
        _ => Cow::Borrowed(data),
    }
}

/// A stored value that carries rsession's header but cannot be read: damaged or cut short.
#[derive(Debug)]
pub struct Undecodable(pub String);

/// The session in a stored value. A plain session is handed back as it is (no copy): telling it
/// from a compressed one takes a few byte comparisons (see `phpredis::candidate`). A value that
/// only looks like phpredis's but does not decompress is handed back as it is too, as phpredis
/// does: it may be a session after all.
pub fn decode(stored: Vec<u8>) -> Result<Vec<u8>, Undecodable> {
    if stored.starts_with(compress::MAGIC) {
        return compress::open(&stored).map_err(Undecodable);
    }
    Ok(phpredis::decompress(&stored).unwrap_or(stored))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(compression: Option<Algorithm>, threshold: usize) -> PayloadSettings {
        PayloadSettings {
            compression,
            level: 0,
            threshold,
        }
    }

    #[test]
    fn plain_sessions_pass_through_without_a_copy() {
        let data = b"count|i:1;".repeat(200);
        assert!(matches!(
            encode(&settings(None, 0), &data),
            Cow::Borrowed(_)
        ));
        let stored = data.clone();
        let ptr = stored.as_ptr();
        let read = decode(stored).unwrap();
        assert_eq!(read.as_ptr(), ptr);
    }

    #[test]
    fn threshold_decides_what_is_compressed() {
        let data = b"count|i:1;".repeat(200);
        for a in [Algorithm::Lzf, Algorithm::Lz4, Algorithm::Zstd] {
            let small = encode(&settings(Some(a), data.len() + 1), &data);
            assert!(matches!(small, Cow::Borrowed(_)));
            let big = encode(&settings(Some(a), data.len()), &data);
            assert!(big.len() < data.len() / 4);
            assert_eq!(decode(big.into_owned()).unwrap(), data);
        }
    }

    #[test]
    fn a_damaged_rsession_value_is_an_error_not_garbage() {
        let data = b"count|i:1;".repeat(200);
        let sealed = encode(&settings(Some(Algorithm::Zstd), 0), &data).into_owned();
        let e = decode(sealed[..sealed.len() - 1].to_vec()).unwrap_err();
        assert!(e.0.contains("does not decompress"), "{}", e.0);
    }
}
