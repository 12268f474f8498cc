//! phpredis's compressed session values (`redis.session.compression`, phpredis 6; the same code
//! as `Redis::OPT_COMPRESSION`), read only. Learnt from phpredis's library.c (redis_compress,
//! redis_uncompress):
//! - zstd: one zstd frame, as ZSTD_compress writes it (magic 28 B5 2F FD, content size set);
//! - lz4: 1 byte CRC-8 of the next 4, the uncompressed length (a native, so little-endian, C
//!   int), then one raw LZ4 block;
//! - lzf: a raw LZF stream, no header at all.
//!
//! phpredis itself hands a value that does not decompress to PHP unchanged; so does rsession.

use super::{lzf, Algorithm, MAX_DECODED};

const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];
/// igbinary's session header (format version 2): an uncompressed igbinary session.
const IGBINARY_HEADER: [u8; 4] = [0, 0, 0, 2];
const LZ4_HEADER: usize = 5;

/// What a stored value may be, from its first bytes alone: the check every read pays, so a
/// plain session costs a few byte comparisons and no trial decompression.
#[derive(Debug, PartialEq, Eq)]
enum Candidate {
    Zstd,
    Lz4(usize),
    Lzf,
}

/// Why these checks cannot take a PHP serializer's output for compressed data:
/// - zstd's magic starts with '(' then 0xB5: no serializer starts so (php: a variable name,
///   php_serialize: "a:", igbinary: 00 00 00 02, msgpack: a map byte 0x80-0x8F/0xDE/0xDF); and
///   the frame must then decode to exactly its declared size.
/// - lz4: bytes 1..5 must be a length of at most 64 MiB (any 4 printable ASCII bytes make at
///   least 0x20202020, 512 MiB: so never a php or php_serialize session, nor msgpack's map +
///   key), byte 0 their CRC-8 (1 chance in 256 for anything else), and the block must decode to
///   exactly that length using all of its input.
/// - lzf: a stream starts with a literal run, a byte below 0x20, which no text session does;
///   igbinary's header (00 00 00 02) is excluded; and since raw LZF has no check of its own, the
///   result is accepted only if it looks like a serializer's output (`looks_like_session`).
fn candidate(stored: &[u8]) -> Option<Candidate> {
    if stored.starts_with(&ZSTD_MAGIC) {
        return Some(Candidate::Zstd);
    }
    if let Some(&[crc, a, b, c, d]) = stored.get(..LZ4_HEADER) {
        let len = i32::from_le_bytes([a, b, c, d]);
        if let Ok(len @ 1..=MAX_DECODED) = usize::try_from(len) {
            if crc8(&[a, b, c, d]) == crc {
                return Some(Candidate::Lz4(len));
            }
        }
    }
    match stored.first() {
        Some(&first) if first < 0x20 && !stored.starts_with(&IGBINARY_HEADER) => {
            Some(Candidate::Lzf)
        }
        _ => None,
    }
}

/// The session phpredis compressed into `stored`, or `None` if `stored` is not one.
pub fn decompress(stored: &[u8]) -> Option<Vec<u8>> {
    match candidate(stored)? {
        Candidate::Zstd => {
            let size = zstd::zstd_safe::get_frame_content_size(stored).ok()??;
            let size = usize::try_from(size).ok().filter(|&s| s <= MAX_DECODED)?;
            Algorithm::Zstd.decompress(stored, size)
        }
        Candidate::Lz4(len) => Algorithm::Lz4.decompress(&stored[LZ4_HEADER..], len),
        Candidate::Lzf => {
            lzf::decompress(stored, MAX_DECODED).filter(|out| looks_like_session(out))
        }
    }
}

/// CRC-8, polynomial 0x31, initial value 0xFF, as phpredis checks its lz4 length.
fn crc8(bytes: &[u8]) -> u8 {
    let mut crc = 0xffu8;
    for &byte in bytes {
        crc ^= byte;
        for _ in 0..8 {
            crc = if crc & 0x80 != 0 {
                crc << 1 ^ 0x31
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// Could `data` be what one of PHP's session serializers wrote? igbinary's header, msgpack's
/// map, php_serialize's array, or php's `name|` followed by a serialized value's type.
pub fn looks_like_session(data: &[u8]) -> bool {
    match data {
        [] => false,
        _ if data.starts_with(&IGBINARY_HEADER) || data.starts_with(b"a:") => true,
        [0x80..=0x8f | 0xde | 0xdf, ..] => true,
        _ => match memchr::memchr(b'|', data) {
            Some(bar) if bar > 0 => matches!(
                data.get(bar + 1),
                Some(
                    b'N' | b'b'
                        | b'i'
                        | b'd'
                        | b's'
                        | b'S'
                        | b'a'
                        | b'O'
                        | b'C'
                        | b'r'
                        | b'R'
                        | b'E'
                )
            ),
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lz4(data: &[u8]) -> Vec<u8> {
        let len = (data.len() as i32).to_le_bytes();
        let mut out = vec![crc8(&len)];
        out.extend_from_slice(&len);
        out.extend(lz4_flex::block::compress(data));
        out
    }

    const SESSION: &[u8] = b"user|a:1:{s:4:\"name\";s:5:\"alice\";}count|i:3;";

    /// Values the real phpredis client (5.3.7, `Redis::OPT_COMPRESSION`, the code phpredis 6's
    /// session handler compresses with) wrote to Redis, read back raw: byte for byte.
    #[test]
    fn reads_what_phpredis_wrote() {
        let text = include_bytes!("testdata/session.txt");
        for stored in [
            &include_bytes!("testdata/phpredis-lzf.bin")[..],
            include_bytes!("testdata/phpredis-lz4.bin"),
            include_bytes!("testdata/phpredis-zstd.bin"),
        ] {
            assert_ne!(stored, text);
            assert_eq!(decompress(stored).as_deref(), Some(&text[..]));
        }
        let igbinary = include_bytes!("testdata/session.igbinary");
        let stored = include_bytes!("testdata/phpredis-lzf-igbinary.bin");
        assert_eq!(decompress(stored).as_deref(), Some(&igbinary[..]));
        assert_eq!(decompress(igbinary), None);
    }

    #[test]
    fn reads_each_format() {
        assert_eq!(decompress(&lz4(SESSION)).as_deref(), Some(SESSION));
        let z = zstd::bulk::compress(SESSION, 3).unwrap();
        assert_eq!(decompress(&z).as_deref(), Some(SESSION));
        assert_eq!(
            decompress(&lzf::compress(SESSION)).as_deref(),
            Some(SESSION)
        );
    }

    #[test]
    fn never_takes_a_plain_session_for_compressed() {
        let plain: [&[u8]; 8] = [
            b"",
            SESSION,
            b"a:1:{s:1:\"x\";i:1;}",
            b"\x00\x00\x00\x02\x14\x01\x11\x01x\x06\x01",
            b"\x81\xa1x\x01",
            b"(weird|i:1;",
            b"\x01odd|i:1;",
            b"\x1f\x00\x00\x00\x02",
        ];
        for p in plain {
            assert_eq!(decompress(p), None, "{p:?}");
        }
        // Only the first four kinds pay more than the byte checks.
        assert_eq!(candidate(SESSION), None);
        assert_eq!(candidate(b"a:1:{s:1:\"x\";i:1;}"), None);
        assert_eq!(candidate(b"\x00\x00\x00\x02\x14\x01"), None);
        assert_eq!(candidate(b"\x81\xa1x\x01"), None);
    }

    #[test]
    fn damaged_values_are_refused() {
        let mut l = lz4(SESSION);
        l[1] ^= 1; // the length no longer matches its CRC
        assert_eq!(decompress(&l), None);
        let l = lz4(SESSION);
        assert_eq!(decompress(&l[..l.len() - 3]), None);
        let z = zstd::bulk::compress(SESSION, 3).unwrap();
        assert_eq!(decompress(&z[..z.len() - 2]), None);
        // LZF that decodes but not to a session.
        assert_eq!(decompress(&lzf::compress(b"just some text")), None);
        // Random bytes never crash, and never pass for a session by chance here.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for n in 0..20_000 {
            let bytes: Vec<u8> = (0..n % 64)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                })
                .collect();
            if candidate(&bytes) == Some(Candidate::Lzf) {
                assert!(decompress(&bytes).is_none_or(|out| looks_like_session(&out)));
            } else {
                let _ = decompress(&bytes);
            }
        }
    }

    #[test]
    fn a_length_over_the_cap_is_not_lz4() {
        let len = (MAX_DECODED as i32 + 1).to_le_bytes();
        let mut v = vec![crc8(&len)];
        v.extend_from_slice(&len);
        v.extend_from_slice(b"\x10abc");
        assert_eq!(candidate(&v), None);
    }
}
