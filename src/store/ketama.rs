//! Consistent hashing over memcached nodes, placing every session exactly where php-memcached's
//! session handler (libmemcached's ketama, its default) puts it, so a deployment switches
//! without moving or losing sessions. Checked against the real php-memcached in
//! `php-tests/044-memcached-php-memcached.phpt`.
//!
//! - `Ketama` (php-memcached's default, `memcached.sess_consistent_hash_type=ketama`): 100
//!   points per node, each the one-at-a-time hash of "host:port-N" ("host-N" on port 11211);
//!   weights play no part. A key is the one-at-a-time hash of the session id (the key prefix is
//!   not hashed, as libmemcached leaves its namespace out).
//! - `KetamaWeighted` (`ketama_weighted`): MD5 for keys and points, four points per digest, 160
//!   points per node scaled by its share of the total weight.
//!
//! A key goes to the first point at or after its hash, wrapping around.

use md5::{Digest, Md5};

pub use crate::config::Distribution;

/// libmemcached's default memcached port: a node on it is named without the port.
const DEFAULT_PORT: u16 = 11211;
const POINTS_PER_NODE: u32 = 100;
const WEIGHTED_POINTS_PER_NODE: f64 = 160.0;

pub struct Node {
    pub host: String,
    pub port: u16,
    pub weight: u32,
}

pub struct Ring {
    /// (hash, node index), sorted by hash.
    points: Vec<(u32, usize)>,
    distribution: Distribution,
    nodes: usize,
}

/// Bob Jenkins's one-at-a-time hash, libmemcached's default.
fn one_at_a_time(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0;
    for &b in bytes {
        h = h.wrapping_add(u32::from(b));
        h = h.wrapping_add(h << 10);
        h ^= h >> 6;
    }
    h = h.wrapping_add(h << 3);
    h ^= h >> 11;
    h.wrapping_add(h << 15)
}

/// The four little-endian words of an MD5 digest.
fn md5_words(bytes: &[u8]) -> [u32; 4] {
    let d = Md5::digest(bytes);
    std::array::from_fn(|i| {
        u32::from_le_bytes([d[4 * i], d[4 * i + 1], d[4 * i + 2], d[4 * i + 3]])
    })
}

fn point_name(node: &Node, n: u32) -> String {
    match node.port {
        DEFAULT_PORT => format!("{}-{n}", node.host),
        port => format!("{}:{port}-{n}", node.host),
    }
}

impl Ring {
    pub fn new(nodes: &[Node], distribution: Distribution) -> Ring {
        let mut points = Vec::new();
        let total_weight: u64 = nodes.iter().map(|n| u64::from(n.weight)).sum();
        for (index, node) in nodes.iter().enumerate() {
            match distribution {
                Distribution::Ketama => {
                    for n in 0..POINTS_PER_NODE {
                        points.push((one_at_a_time(point_name(node, n).as_bytes()), index));
                    }
                }
                Distribution::KetamaWeighted => {
                    let share = node.weight as f64 / total_weight.max(1) as f64;
                    // libmemcached's rounding, to the same number of points.
                    let per_node = ((share * WEIGHTED_POINTS_PER_NODE / 4.0 * nodes.len() as f64
                        + 1e-10)
                        .floor() as u32)
                        * 4;
                    for n in 0..per_node / 4 {
                        for word in md5_words(point_name(node, n).as_bytes()) {
                            points.push((word, index));
                        }
                    }
                }
            }
        }
        points.sort_by_key(|&(hash, _)| hash);
        Ring {
            points,
            distribution,
            nodes: nodes.len(),
        }
    }

    fn hash(&self, key: &[u8]) -> u32 {
        match self.distribution {
            Distribution::Ketama => one_at_a_time(key),
            Distribution::KetamaWeighted => md5_words(key)[0],
        }
    }

    /// The node for `key` (the session id, without the key prefix).
    pub fn primary(&self, key: &[u8]) -> usize {
        // One node holds every key: no hashing, as libmemcached does.
        if self.points.is_empty() || self.nodes == 1 {
            return 0;
        }
        let hash = self.hash(key);
        let at = self.points.partition_point(|&(point, _)| point < hash);
        self.points[if at == self.points.len() { 0 } else { at }].1
    }

    /// The primary, then the next nodes in list order: where libmemcached keeps replicas.
    pub fn with_replicas(&self, key: &[u8], replicas: usize) -> Route {
        let primary = self.primary(key);
        let len = replicas.min(self.nodes.saturating_sub(1)) + 1;
        let mut route = Route {
            inline: [0; Route::INLINE],
            len,
            spilled: Vec::new(),
        };
        let nodes = (0..len).map(|i| (primary + i) % self.nodes.max(1));
        match len <= Route::INLINE {
            true => route
                .inline
                .iter_mut()
                .zip(nodes)
                .for_each(|(at, n)| *at = n),
            false => route.spilled = nodes.collect(),
        }
        route
    }
}

/// A key's nodes in order, held inline when there are few: every command routes its key, and
/// a vector for one node cost an allocation per command.
pub struct Route {
    inline: [usize; Route::INLINE],
    len: usize,
    spilled: Vec<usize>,
}

impl Route {
    const INLINE: usize = 4;
}

impl std::ops::Deref for Route {
    type Target = [usize];

    fn deref(&self) -> &[usize] {
        match self.len <= Route::INLINE {
            true => &self.inline[..self.len],
            false => &self.spilled,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes(list: &[(u16, u32)]) -> Vec<Node> {
        list.iter()
            .map(|&(port, weight)| Node {
                host: "127.0.0.1".into(),
                port,
                weight,
            })
            .collect()
    }

    #[test]
    fn one_at_a_time_known_values() {
        assert_eq!(one_at_a_time(b""), 0);
        assert_eq!(one_at_a_time(b"a"), 0xca2e_9442);
        assert_eq!(
            one_at_a_time(b"The quick brown fox jumps over the lazy dog"),
            0x519e_91f5
        );
    }

    // Placements recorded from the real php-memcached (Debian bookworm: php-memcached 3.2,
    // libmemcached 1.0.18) over these node lists; the phpt checks hundreds more live.
    const IDS: [&str; 12] = [
        "ket0000cfcd208495d565ef66e7",
        "ket0001c4ca4238a0b923820dcc",
        "ket0002c81e728d9d4c2f636f06",
        "ket0003eccbc87e4b5ce2fe2830",
        "ket0004a87ff679a2f3e71d9181",
        "ket0005e4da3b7fbbce2345d777",
        "ket00061679091c5a880faf6fb5",
        "ket00078f14e45fceea167a5a36",
        "ket0008c9f0f895fb98ab9159f5",
        "ket000945c48cce2e2d7fbdea1a",
        "ket0010d3d9446802a44259755d",
        "ket00116512bd43d9caa6e02c99",
    ];

    fn placed(ring: &Ring) -> Vec<usize> {
        IDS.iter().map(|id| ring.primary(id.as_bytes())).collect()
    }

    #[test]
    fn matches_php_memcached_default_ketama() {
        let ring = Ring::new(
            &nodes(&[(16381, 1), (16382, 1), (16383, 1)]),
            Distribution::Ketama,
        );
        assert_eq!(placed(&ring), [0, 2, 2, 2, 0, 1, 2, 0, 0, 0, 1, 2]);
    }

    #[test]
    fn a_node_on_the_default_port_is_named_without_it() {
        let ring = Ring::new(
            &nodes(&[(11211, 1), (16382, 1), (16383, 1)]),
            Distribution::Ketama,
        );
        assert_eq!(placed(&ring), [0, 0, 0, 2, 2, 1, 2, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn matches_php_memcached_ketama_weighted() {
        let ring = Ring::new(
            &nodes(&[(16381, 1), (16382, 3), (16383, 1)]),
            Distribution::KetamaWeighted,
        );
        assert_eq!(placed(&ring), [1, 1, 1, 2, 1, 1, 0, 0, 0, 1, 1, 2]);
    }

    #[test]
    fn weights_shape_only_the_weighted_ring() {
        let plain = Ring::new(
            &nodes(&[(16381, 1), (16382, 3), (16383, 1)]),
            Distribution::Ketama,
        );
        let equal = Ring::new(
            &nodes(&[(16381, 1), (16382, 1), (16383, 1)]),
            Distribution::Ketama,
        );
        let weighted = Ring::new(
            &nodes(&[(16381, 1), (16382, 3), (16383, 1)]),
            Distribution::KetamaWeighted,
        );
        let mut share = [0usize; 3];
        for i in 0..3000 {
            let id = format!("id{i}");
            assert_eq!(plain.primary(id.as_bytes()), equal.primary(id.as_bytes()));
            share[weighted.primary(id.as_bytes())] += 1;
        }
        assert!(
            share[1] > share[0] * 2 && share[1] > share[2] * 2,
            "{share:?}"
        );
        assert_eq!(weighted.points.len(), 96 + 288 + 96);
    }

    #[test]
    fn replicas_follow_list_order_and_stay_distinct() {
        let ring = Ring::new(&nodes(&[(1, 1), (2, 1), (3, 1)]), Distribution::Ketama);
        for i in 0..100 {
            let id = format!("r{i}");
            let route = ring.with_replicas(id.as_bytes(), 5);
            assert_eq!(route.len(), 3);
            assert_eq!(route[1], (route[0] + 1) % 3);
            assert_eq!(route[2], (route[0] + 2) % 3);
        }
        assert_eq!(ring.with_replicas(b"x", 0).len(), 1);
    }

    #[test]
    fn long_routes_spill_to_the_heap_in_the_same_order() {
        let list: Vec<(u16, u32)> = (1..=7).map(|port| (port, 1)).collect();
        let ring = Ring::new(&nodes(&list), Distribution::Ketama);
        for replicas in [0, 3, 4, 6, 9] {
            let route = ring.with_replicas(b"some-id", replicas);
            let first = route[0];
            let expected: Vec<usize> = (0..replicas.min(6) + 1).map(|i| (first + i) % 7).collect();
            assert_eq!(&*route, &expected[..], "{replicas} replicas");
        }
        // One node: no hashing, always node 0.
        let one = Ring::new(&nodes(&[(1, 1)]), Distribution::Ketama);
        assert_eq!(&*one.with_replicas(b"anything", 3), &[0]);
    }
}
