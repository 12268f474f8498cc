//! PLACEHOLDER until the libmemcached-compatible ring lands: plain modulo placement.

pub struct Node {
    pub host: String,
    pub port: u16,
    pub weight: u32,
}

pub struct Ring {
    len: usize,
}

impl Ring {
    pub fn new(nodes: &[Node]) -> Ring {
        Ring { len: nodes.len() }
    }

    pub fn primary(&self, key: &[u8]) -> usize {
        key.iter()
            .fold(0usize, |h, &b| h.wrapping_mul(31).wrapping_add(b as usize))
            % self.len
    }

    pub fn successors(&self, key: &[u8], n: usize) -> Vec<usize> {
        let p = self.primary(key);
        (0..n.min(self.len)).map(|i| (p + i) % self.len).collect()
    }
}
