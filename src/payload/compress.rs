//! rsession's own compressed values: a header that says what follows, then the compressed bytes.
//!
//! ```text
//! 00 'R' 'S' 'C' | algorithm (1 lzf, 2 lz4, 3 zstd) | uncompressed length, u32 LE | data
//! ```
//!
//! Why this header: no PHP serializer's output starts with a NUL then "RSC" (php writes a
//! variable name, php_serialize "a:", msgpack a map byte, igbinary 00 00 00 02, whose second
//! byte is 0, not 'R'); nor does phpredis's lzf, whose stream would have to go on with a back
//! reference from 'S' into a 1-byte output. So the header alone tells a value rsession
//! compressed, and a value that has it but does not decode is damaged, not someone else's.
//! The length lets a read refuse a decompression bomb before it allocates.

use super::{lzf, MAX_DECODED};

pub const MAGIC: &[u8; 4] = b"\0RSC";
const HEADER: usize = MAGIC.len() + 1 + 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    Lzf,
    Lz4,
    Zstd,
}

impl Algorithm {
    pub fn parse(name: &str) -> Option<Option<Algorithm>> {
        match name.trim().to_ascii_lowercase().as_str() {
            "" | "none" | "0" | "off" => Some(None),
            "lzf" => Some(Some(Algorithm::Lzf)),
            "lz4" => Some(Some(Algorithm::Lz4)),
            "zstd" => Some(Some(Algorithm::Zstd)),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Lzf => "lzf",
            Algorithm::Lz4 => "lz4",
            Algorithm::Zstd => "zstd",
        }
    }

    fn code(self) -> u8 {
        match self {
            Algorithm::Lzf => 1,
            Algorithm::Lz4 => 2,
            Algorithm::Zstd => 3,
        }
    }

    fn from_code(code: u8) -> Option<Algorithm> {
        [Algorithm::Lzf, Algorithm::Lz4, Algorithm::Zstd]
            .into_iter()
            .find(|a| a.code() == code)
    }

    /// `body` decompressed, if it gives exactly `len` bytes (the caller bounds `len`): for
    /// rsession's own values and phpredis's alike.
    pub fn decompress(self, body: &[u8], len: usize) -> Option<Vec<u8>> {
        let out = match self {
            Algorithm::Lzf => lzf::decompress(body, len),
            Algorithm::Lz4 => {
                let mut out = vec![0; len];
                lz4_flex::block::decompress_into(body, &mut out)
                    .ok()
                    .filter(|&n| n == len)
                    .map(|_| out)
            }
            Algorithm::Zstd => zstd::bulk::decompress(body, len).ok(),
        };
        out.filter(|out| out.len() == len)
    }
}

/// `data` compressed with `algorithm`, header first; `None` when that would not be smaller
/// (the caller then stores it as it is).
pub fn seal(algorithm: Algorithm, level: i32, data: &[u8]) -> Option<Vec<u8>> {
    let len = u32::try_from(data.len()).ok()?;
    let mut out = Vec::with_capacity(HEADER + data.len() / 2);
    out.extend_from_slice(MAGIC);
    out.push(algorithm.code());
    out.extend_from_slice(&len.to_le_bytes());
    match algorithm {
        Algorithm::Lzf => out.extend(lzf::compress(data)),
        Algorithm::Lz4 => out.extend(lz4_flex::block::compress(data)),
        Algorithm::Zstd => out.extend(zstd::bulk::compress(data, level).ok()?),
    }
    (out.len() < data.len()).then_some(out)
}

/// The data in a value that starts with [`MAGIC`], or why it cannot be read.
pub fn open(stored: &[u8]) -> Result<Vec<u8>, String> {
    let Some(&[_, _, _, _, code, a, b, c, d]) = stored.get(..HEADER) else {
        return Err(format!("its header is cut short ({} bytes)", stored.len()));
    };
    let algorithm = Algorithm::from_code(code)
        .ok_or_else(|| format!("unknown compression algorithm {code}"))?;
    let len = u32::from_le_bytes([a, b, c, d]) as usize;
    if len > MAX_DECODED {
        return Err(format!(
            "it claims {len} bytes uncompressed, over the {MAX_DECODED} bytes rsession accepts"
        ));
    }
    algorithm.decompress(&stored[HEADER..], len).ok_or_else(|| {
        format!(
            "its {} data does not decompress to {len} bytes",
            algorithm.name()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Algorithm; 3] = [Algorithm::Lzf, Algorithm::Lz4, Algorithm::Zstd];

    fn session() -> Vec<u8> {
        (0..200)
            .map(|n| {
                format!(
                    "item{n}|a:2:{{s:3:\"sku\";s:8:\"SKU-{n:04}\";s:3:\"qty\";i:{};}}",
                    n % 7
                )
            })
            .collect::<String>()
            .into_bytes()
    }

    #[test]
    fn round_trips_each_algorithm() {
        let data = session();
        for a in ALL {
            let sealed = seal(a, 0, &data).unwrap();
            assert!(sealed.starts_with(MAGIC));
            assert!(sealed.len() < data.len() / 3, "{a:?}: {}", sealed.len());
            assert_eq!(open(&sealed).unwrap(), data, "{a:?}");
        }
    }

    #[test]
    fn incompressible_data_is_left_alone() {
        for a in ALL {
            assert_eq!(seal(a, 0, b"x|i:1;"), None);
        }
    }

    #[test]
    fn damaged_values_say_why() {
        let data = session();
        for a in ALL {
            let sealed = seal(a, 0, &data).unwrap();
            assert!(
                open(&sealed[..sealed.len() / 2]).is_err(),
                "{a:?} truncated"
            );
            assert!(open(&sealed[..6]).unwrap_err().contains("cut short"));
            let mut longer = sealed.clone();
            longer[5] = longer[5].wrapping_add(1);
            assert!(open(&longer).is_err(), "{a:?} wrong length");
        }
        let mut unknown = seal(Algorithm::Lz4, 0, &data).unwrap();
        unknown[4] = 9;
        assert!(open(&unknown).unwrap_err().contains("unknown"));
        let mut bomb = seal(Algorithm::Zstd, 0, &data).unwrap();
        bomb[5..9].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(open(&bomb).unwrap_err().contains("over the"));
    }
}
