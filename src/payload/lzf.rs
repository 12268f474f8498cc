//! LZF (Marc Lehmann's format, which phpredis and PECL lzf use): written here from the format's
//! description, since the one Rust crate for it is deprecated. A stream is a sequence of
//! instructions, each starting with a control byte:
//! - below 32: a run of `ctrl + 1` literal bytes follows;
//! - otherwise a back reference: length `(ctrl >> 5) + 2` (when `ctrl >> 5` is 7, a second byte
//!   adds to it), then one byte that, with the low 5 bits of ctrl, gives the distance - 1.
//!
//! So a stream can never start with a back reference: it starts with a byte below 32.

/// The longest literal run and match, and the farthest distance, one instruction can hold.
const MAX_LITERAL: usize = 32;
const MAX_MATCH: usize = 7 + 255 + 2;
const MAX_DISTANCE: usize = 1 << 13;

/// Decompresses `input`, refusing (`None`) anything that is not a whole, valid LZF stream or
/// that would grow past `cap` bytes.
pub fn decompress(input: &[u8], cap: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len().saturating_mul(3).min(cap));
    let mut i = 0;
    while i < input.len() {
        let ctrl = usize::from(input[i]);
        i += 1;
        if ctrl < MAX_LITERAL {
            let run = input.get(i..i + ctrl + 1)?;
            if out.len() + run.len() > cap {
                return None;
            }
            out.extend_from_slice(run);
            i += run.len();
            continue;
        }
        let mut len = ctrl >> 5;
        if len == 7 {
            len += usize::from(*input.get(i)?);
            i += 1;
        }
        len += 2;
        let distance = ((ctrl & 0x1f) << 8 | usize::from(*input.get(i)?)) + 1;
        i += 1;
        if distance > out.len() || out.len() + len > cap {
            return None;
        }
        // The match may overlap what it produces (a run): copy byte by byte.
        let from = out.len() - distance;
        for k in from..from + len {
            let byte = out[k];
            out.push(byte);
        }
    }
    Some(out)
}

/// Compresses `input` greedily, remembering the last place each 3-byte sequence was seen.
pub fn compress(input: &[u8]) -> Vec<u8> {
    const HASH_BITS: u32 = 14;
    let hash = |at: usize| {
        let v =
            u32::from(input[at]) << 16 | u32::from(input[at + 1]) << 8 | u32::from(input[at + 2]);
        (v.wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)) as usize
    };
    // Positions + 1 (0: never seen).
    let mut seen = vec![0usize; 1 << HASH_BITS];
    let mut out = Vec::with_capacity(input.len() + input.len() / MAX_LITERAL + 1);
    let literals = |out: &mut Vec<u8>, run: &[u8]| {
        for chunk in run.chunks(MAX_LITERAL) {
            out.push((chunk.len() - 1) as u8);
            out.extend_from_slice(chunk);
        }
    };
    let (mut pending, mut i) = (0, 0);
    while i + 3 <= input.len() {
        let h = hash(i);
        let candidate = std::mem::replace(&mut seen[h], i + 1);
        if let Some(at) = candidate.checked_sub(1) {
            let distance = i - at;
            if distance <= MAX_DISTANCE && input[at..at + 3] == input[i..i + 3] {
                let longest = (input.len() - i).min(MAX_MATCH);
                let mut len = 3;
                while len < longest && input[at + len] == input[i + len] {
                    len += 1;
                }
                literals(&mut out, &input[pending..i]);
                let (coded, d) = (len - 2, distance - 1);
                let high = (d >> 8) as u8;
                if coded < 7 {
                    out.push((coded as u8) << 5 | high);
                } else {
                    out.push(7 << 5 | high);
                    out.push((coded - 7) as u8);
                }
                out.push(d as u8);
                i += len;
                pending = i;
                continue;
            }
        }
        i += 1;
    }
    literals(&mut out, &input[pending..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_text_runs_and_edges() {
        let long: Vec<u8> = (0..50_000u32).map(|n| (n % 251) as u8).collect();
        let cases: [&[u8]; 7] = [
            b"",
            b"a",
            b"ab",
            b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            b"user|a:2:{s:4:\"name\";s:5:\"alice\";s:4:\"cart\";a:0:{}}user|a:2:{s:4:\"name\";s:5:\"alice\";}",
            &long,
            b"0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz",
        ];
        for case in cases {
            let packed = compress(case);
            assert_eq!(decompress(&packed, usize::MAX).as_deref(), Some(case));
        }
        assert!(compress(&long).len() < long.len() / 10);
    }

    #[test]
    fn refuses_bad_streams_and_bombs() {
        // A back reference first, a literal run cut short, a distance beyond the output.
        assert_eq!(decompress(b"\x20\x00", 100), None);
        assert_eq!(decompress(b"\x05abc", 100), None);
        assert_eq!(decompress(b"\x00a\x20\x05", 100), None);
        // 1 byte then a 264-byte run of it: fine under the cap, refused over it.
        let bomb = b"\x00a\xe0\xff\x00";
        assert_eq!(decompress(bomb, 1000).map(|v| v.len()), Some(1 + 264));
        assert_eq!(decompress(bomb, 100), None);
    }
}
