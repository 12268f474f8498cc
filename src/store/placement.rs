//! Sessions spread over several stores exactly as phpredis spreads them over the hosts of a
//! multi-host save_path (`tcp://a:6379?weight=1, tcp://b:6379?weight=3`), so that phpredis
//! and rsession, side by side or one after the other, find every session on the same host.
//!
//! phpredis's rule (`redis_pool_get_sock` in its redis_session.c), confirmed by experiment
//! against phpredis 5.3.7: 1000 sessions each for weights 1:1, 1:3, 3:1, 1:2:3 and 1:1:5, every
//! one on the host this module names.
//! - The first 4 bytes of the session id, not of the prefixed key, read as an unsigned 32-bit
//!   integer in the machine's byte order (phpredis `memcpy`s them), modulo the total weight.
//! - Each host owns as many consecutive values as its weight, counted from the *last* entry of
//!   the save_path (phpredis prepends each entry to its list): with `a?weight=1, b?weight=3`,
//!   0, 1 and 2 go to b, 3 goes to a.
//! - There is no failover: when a session's host is down, that session fails, and only it.
//!
//! A session's lock lives with its data: every call is placed by the session's key, and a lock
//! key (key + `_LOCK`) would be placed the same way, as it starts with the same id. (phpredis
//! takes its lock on the session's host, but releases it at close on the host its rule gives
//! for the *prefixed* key; rsession releases it where it took it.)

use std::sync::Arc;

use anyhow::{bail, Result};

use super::{session_id, Store, Ttl, Unlocked};
use crate::{config::text::quote, lock::Lock};

/// How many bytes of the id phpredis reads to place a session.
const PLACED_BY: usize = 4;

/// The weights of the hosts, as ranges of phpredis's position in save_path order reversed.
#[derive(Debug)]
pub struct Weights {
    /// (end of the host's range, exclusive; host index in save_path order), in phpredis's order.
    ranges: Vec<(u32, usize)>,
    total: u32,
}

impl Weights {
    /// `weights` in save_path order; each at least 1, together at most `i32::MAX` (the config
    /// checks both, as phpredis does).
    pub fn new(weights: &[u32]) -> Result<Weights> {
        let mut ranges = Vec::with_capacity(weights.len());
        let mut total: u32 = 0;
        for (host, &weight) in weights.iter().enumerate().rev() {
            match total.checked_add(weight) {
                Some(end) if weight > 0 && end <= i32::MAX as u32 => total = end,
                _ => bail!(
                    "host weights must be positive and add up to at most {}",
                    i32::MAX
                ),
            }
            ranges.push((total, host));
        }
        if total == 0 {
            bail!("no hosts to place sessions on");
        }
        Ok(Weights { ranges, total })
    }

    /// The index, in save_path order, of the host that holds session `id`. An id shorter than 4
    /// bytes is padded with zeros (phpredis reads past its end; `Placement` refuses such ids).
    pub fn host_of(&self, id: &[u8]) -> usize {
        let mut first = [0u8; PLACED_BY];
        let n = id.len().min(PLACED_BY);
        first[..n].copy_from_slice(&id[..n]);
        let position = u32::from_ne_bytes(first) % self.total;
        self.ranges
            .iter()
            .find(|(end, _)| position < *end)
            .map_or(0, |&(_, host)| host)
    }
}

/// A store made of several, each session on the one phpredis's rule names.
pub struct Placement {
    hosts: Vec<Arc<dyn Store>>,
    weights: Weights,
    /// The key prefix the Session puts before each id: skipped when placing a key.
    prefix_len: usize,
    label: String,
}

impl Placement {
    /// `hosts` with their weights, in save_path order; `label` names them all in messages.
    pub fn new(
        hosts: Vec<(Arc<dyn Store>, u32)>,
        prefix_len: usize,
        label: String,
    ) -> Result<Self> {
        let weights: Vec<u32> = hosts.iter().map(|(_, w)| *w).collect();
        Ok(Placement {
            weights: Weights::new(&weights)?,
            hosts: hosts.into_iter().map(|(store, _)| store).collect(),
            prefix_len,
            label,
        })
    }

    /// The store that holds `key` (a prefixed session key, or its lock key).
    fn host(&self, key: &[u8]) -> &dyn Store {
        let id = session_id(key, self.prefix_len);
        &*self.hosts[self.weights.host_of(id)]
    }
}

impl Store for Placement {
    /// Also refuses ids phpredis cannot place (it reads 4 bytes whatever the id's length), so
    /// that no session lands on a host phpredis would not look on.
    fn check_key(&self, key: &[u8]) -> Result<()> {
        let id = session_id(key, self.prefix_len);
        if id.len() < PLACED_BY {
            bail!(
                "{}: session id {} is {} bytes long: sessions spread over several Redis hosts \
                 need ids of at least {PLACED_BY} bytes (phpredis places them by their first {PLACED_BY})",
                self.label,
                quote(id, 16),
                id.len()
            );
        }
        self.host(key).check_key(key)
    }

    fn get(&self, key: &[u8], refresh: Option<Ttl>) -> Result<Option<Vec<u8>>> {
        self.host(key).get(key, refresh)
    }

    fn set(&self, key: &[u8], value: &[u8], ttl: Ttl) -> Result<()> {
        self.host(key).set(key, value, ttl)
    }

    fn touch(&self, key: &[u8], ttl: Ttl) -> Result<bool> {
        self.host(key).touch(key, ttl)
    }

    fn exists(&self, key: &[u8]) -> Result<bool> {
        self.host(key).exists(key)
    }

    fn delete(&self, key: &[u8]) -> Result<()> {
        self.host(key).delete(key)
    }

    fn label(&self) -> &str {
        &self.label
    }

    fn lock_get(
        &self,
        key: &[u8],
        lock: &Lock,
        refresh: Option<Ttl>,
    ) -> Result<(bool, Option<Vec<u8>>)> {
        self.host(key).lock_get(key, lock, refresh)
    }

    fn set_unlock(&self, key: &[u8], value: &[u8], ttl: Ttl, lock: &Lock) -> Result<Unlocked> {
        self.host(key).set_unlock(key, value, ttl, lock)
    }

    fn touch_unlock(&self, key: &[u8], ttl: Option<Ttl>, lock: &Lock) -> Result<Unlocked> {
        self.host(key).touch_unlock(key, ttl, lock)
    }

    fn delete_unlock(&self, key: &[u8], lock: &Lock) -> Result<()> {
        self.host(key).delete_unlock(key, lock)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::{
        config::{Address, RedisConfig},
        lock::LOCK_SUFFIX,
        store::redis::RedisStore,
    };

    /// Session ids and the host (0-based, save_path order) the real phpredis 5.3.7 put each on,
    /// read back from the servers, on x86_64. phpredis reads the id's bytes in the machine's
    /// byte order, so these hold on little-endian machines.
    const ONE_ONE: &[(&[u8], usize)] = &[
        (b"p-grhTdcx7ioJsMZwJIZ4yc1aB", 1),
        (b"RDkhroUh36HOO0Zfwnr6pHaVrI", 1),
        (b"Re7Tf0EMrUv5R7OzX1M38nh48O", 1),
        (b"wejpRqCXhHiZMaLKwIE84x1vFY", 0),
        (b"by8jwkOiXJ8CDyTSvQSA4sdV1Y", 1),
        (b"qlSkGhLh,4aKDzl3zh6YENW1DA", 0),
        (b"85BrtYOZLlna0NgRnHc4WSy4Iy", 1),
        (b"snhNlIxPze,2jjiMVHuOPfwoHj", 0),
        (b"nO97dyc-ZJOSrVGGXh-hcSblHu", 1),
        (b"NUhrUCYiS1uCuU9qOKLLptXzkV", 1),
        (b"r45j1GIVlVUpRy071gM-eN22V-", 1),
        (b"sWSzxHaHM,0xnUotbDPJek019l", 0),
        (b"CDuDs5MF-WzdexAXPnHUuoquHH", 0),
        (b"TM3KXYgzF1mvQ3q5fxKI-ty4Tn", 1),
        (b"vdIMQfSxWh5zHEFG,mKAvlXOCH", 1),
        (b"wp3etp5PSSHhJA26X8MdlSND9k", 0),
        (b"AXF2jED,tbLQWlvWyD26Qvi6b1", 0),
        (b"2yRG1sQACi,duCMZ0RLnG,cImD", 1),
        (b"4ybjgQPYNIqhwLigjsox46sxJH", 1),
        (b"LigSlF4BTFCSBWZolKNhRjKIhs", 1),
    ];

    /// `tcp://a?weight=1, tcp://b?weight=3`
    const ONE_THREE: &[(&[u8], usize)] = &[
        (b"br6ZN233cMmNQ5dpybSa0REcdi", 1),
        (b"pz,AzxuT-wimOgk6XJ9JuMwKrX", 1),
        (b"pXofpSxU4w41HIBbRP4RbRHLYw", 1),
        (b"G66J32saWXkzVSTkHJxktF5PRH", 0),
        (b"wHiVJSQT6OrPyCARW0MBk-g3Jn", 0),
        (b"VSUCLx4pIm5G9Xrs24MUIQ4z7P", 1),
        (b"SuNAKacj8q8mFUe4pf4xskhqH4", 0),
        (b"rjOoHIt0x,4vCBk2qawvNyRaOg", 1),
        (b"hkGDDuVh6h3f0xIJUkqE8o8fc,", 1),
        (b"LjFeuHfe51fmPijshptuj2yLKX", 1),
        (b"8FPBV1TAZdgKtEPhAaT2Of,uAw", 1),
        (b"oP5y--q4untRwr2c4-mCtOnORx", 0),
        (b"5jKTJrLDhOhlUwoCR6r4n8TxoX", 1),
        (b"Oi7whwR90-dLLv0rnZuQzvySjA", 0),
        (b"s4F,7diiqzgPTLUN6x86eSuNY3", 0),
        (b"0RB,jznbJ5,NZIqG7bDyv3MyGt", 1),
        (b"Bass-UVkJ3KWLsgZFhU4UWwN5N", 1),
        (b"2pPR-S-W0G8PqdAHr4ic77H9tX", 1),
        (b"wP4XMyAii5xtXV-GfL22aOqCwb", 0),
        (b"TkU-93VF8oWTQyHiuvPesjcnQ8", 1),
    ];

    /// `tcp://a?weight=1, tcp://b?weight=2, tcp://c?weight=3`: a total that does not divide
    /// 256, so all four bytes count.
    const ONE_TWO_THREE: &[(&[u8], usize)] = &[
        (b"iMagCyQpIWzqQ,2KSBda9bQ2wj", 2),
        (b"ljbmRb1iosbEcWmyQRDz5UPWol", 1),
        (b"No-NJ77RWXW6-PPfmCjMTaoWJm", 2),
        (b"Z,Auj50lLpJFQz2hsX8BdL5XpN", 1),
        (b"1gq7XQqRVLAzmx3VONTzkMAYH,", 0),
        (b"4r6JZUjH3pgAtp9OM2iW9GsDoS", 2),
        (b"-aNsTFUEFrLcLM34noZNdJWSEr", 0),
        (b"Qvv1MgDeTpCWJuN,LvO8CCl21,", 1),
        (b"WB6vvEJKQ5ICISXEhjXw8iPqjc", 2),
        (b"FMhYH8,g5wRAsELsfYwdChapvf", 1),
        (b"etrXkJhDLLbxUv9UcEh6GommUX", 0),
        (b"CXto02eoDRsklyLXL1KxO9YGml", 2),
        (b"A6a4LG,E0QLtvLnD0Jfsah2dAh", 2),
        (b"vmIe15eviGq-qpT,a1Dv0v2CVk", 2),
        (b"RIHw6AEQICnCVwF6ekDUAsmHTn", 1),
        (b"R6a1XIApJkpRDl4g7jq,orT03u", 2),
        (b"-uPHQZx93yMURzYVVKkWmzUf4d", 0),
        (b"Y,z,UJnHSOnsRmtYLRiG1fjAFA", 0),
        (b"MabAFKKeanW9wxCUL9apEMCAoH", 2),
        (b"djbApmPTVq,pjK3UaTJhRvFJ6s", 2),
    ];

    #[test]
    #[cfg(target_endian = "little")]
    fn places_sessions_where_phpredis_put_them() {
        for (weights, vectors) in [
            (&[1, 1][..], ONE_ONE),
            (&[1, 3], ONE_THREE),
            (&[1, 2, 3], ONE_TWO_THREE),
        ] {
            let w = Weights::new(weights).unwrap();
            for &(id, host) in vectors {
                assert_eq!(
                    w.host_of(id),
                    host,
                    "weights {weights:?}, id {}",
                    String::from_utf8_lossy(id)
                );
            }
        }
    }

    #[test]
    fn ranges_count_from_the_last_entry() {
        // "aaaa" reads as 0x61616161 in either byte order: 1 mod 4, 1 mod 6, 3 mod 5.
        let host = |weights: &[u32]| Weights::new(weights).unwrap().host_of(b"aaaa");
        assert_eq!(host(&[1, 3]), 1); // the last entry owns 0..3
        assert_eq!(host(&[3, 1]), 0); // the last owns 0 only
        assert_eq!(host(&[3, 2, 1]), 1); // c owns 0, b 1..3
        assert_eq!(host(&[1, 1, 3]), 1); // c owns 0..3, b 3
        assert_eq!(host(&[5]), 0);
        // Short ids are padded with zeros: position 0, the last entry's.
        assert_eq!(Weights::new(&[1, 1]).unwrap().host_of(b""), 1);
    }

    #[test]
    fn weights_are_checked() {
        assert!(Weights::new(&[]).is_err());
        assert!(Weights::new(&[1, 0]).is_err());
        assert!(Weights::new(&[i32::MAX as u32, 1]).is_err());
        assert!(Weights::new(&[i32::MAX as u32 - 1, 1]).is_ok());
    }

    fn store(port: u16) -> Arc<dyn Store> {
        let cfg = RedisConfig {
            address: Address::Tcp {
                host: "127.0.0.1".into(),
                port,
            },
            tls: None,
            username: None,
            password: None,
            database: 0,
            connect_timeout: Duration::from_secs(1),
            read_timeout: Duration::from_secs(1),
            wait: 0,
            cluster: None,
            sentinel: None,
        };
        // Nothing connects until a command runs: these tests only look at where keys go.
        Arc::new(RedisStore::new(
            &cfg,
            crate::store::redis::pool(&cfg, crate::fork_guard::thread_pool("test")).unwrap(),
        ))
    }

    fn two_hosts(prefix: &str) -> Placement {
        Placement::new(
            vec![(store(1), 1), (store(2), 1)],
            prefix.len(),
            "redis 127.0.0.1:1 (weight 1/2), 127.0.0.1:2 (weight 1/2)".into(),
        )
        .unwrap()
    }

    #[test]
    fn keys_are_placed_by_the_id_after_the_prefix_with_their_locks() {
        let p = two_hosts("PHPREDIS_SESSION:");
        // 'w' is odd: the first entry; 'p' even: the last.
        let key = b"PHPREDIS_SESSION:wejpRqCXhHiZMaLKwIE84x1vFY";
        assert_eq!(p.host(key).label(), "redis 127.0.0.1:1");
        let lock = Lock::new([&key[..], LOCK_SUFFIX].concat(), Duration::from_secs(1)).unwrap();
        assert_eq!(p.host(&lock.key).label(), "redis 127.0.0.1:1");
        assert_eq!(
            p.host(b"PHPREDIS_SESSION:p-grhTdcx7ioJsMZwJIZ4yc1aB")
                .label(),
            "redis 127.0.0.1:2"
        );
        // The same ids under an empty prefix go to the same hosts.
        let p = two_hosts("");
        assert_eq!(
            p.host(b"wejpRqCXhHiZMaLKwIE84x1vFY").label(),
            "redis 127.0.0.1:1"
        );
        assert_eq!(
            p.host(b"p-grhTdcx7ioJsMZwJIZ4yc1aB").label(),
            "redis 127.0.0.1:2"
        );
        assert_eq!(
            p.label(),
            "redis 127.0.0.1:1 (weight 1/2), 127.0.0.1:2 (weight 1/2)"
        );
    }

    #[test]
    fn ids_too_short_to_place_are_refused() {
        let p = two_hosts("S:");
        let e = p.check_key(b"S:abc").unwrap_err().to_string();
        assert_eq!(
            e,
            "redis 127.0.0.1:1 (weight 1/2), 127.0.0.1:2 (weight 1/2): session id \"abc\" is 3 \
             bytes long: sessions spread over several Redis hosts need ids of at least 4 bytes \
             (phpredis places them by their first 4)"
        );
        p.check_key(b"S:abcd").unwrap();
    }
}
