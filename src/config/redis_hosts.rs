//! Several Redis entries in one save_path: phpredis's way to spread sessions over servers,
//! `tcp://a:6379?weight=1, tcp://b:6379?weight=3`. Each entry is a host with its own address,
//! auth, database, timeouts and weight, as in phpredis; which host holds which session is
//! decided in `store::placement`.

use std::time::Duration;

use super::{
    redis_config, save_path::Backend, text, Endpoint, RedisConfig, SavePathError,
    DEFAULT_REDIS_PREFIX,
};

/// phpredis adds the weights up in a C `int`.
const MAX_TOTAL_WEIGHT: u64 = i32::MAX as u64;

/// One host of a multi-host save_path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RedisHost {
    pub redis: RedisConfig,
    /// The host's share of the sessions: `weight` out of the total.
    pub weight: u32,
}

/// The hosts, in save_path order, and the one key prefix they share.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RedisHostsConfig {
    pub hosts: Vec<RedisHost>,
    /// Left out of a key when placing it: sessions are placed by their id alone.
    pub prefix: String,
}

impl RedisHostsConfig {
    pub fn weights(&self) -> Vec<u32> {
        self.hosts.iter().map(|h| h.weight).collect()
    }

    /// Every host and its share: `127.0.0.1:6379 (weight 1/4), 127.0.0.1:6380 db 2 (weight 3/4)`.
    pub fn describe(&self) -> String {
        let total: u64 = self.hosts.iter().map(|h| u64::from(h.weight)).sum();
        let hosts: Vec<String> = self
            .hosts
            .iter()
            .map(|h| format!("{} (weight {}/{total})", h.redis.location(), h.weight))
            .collect();
        hosts.join(", ")
    }
}

/// Builds the hosts of a save_path with more than one entry. `timeouts` gives an entry's
/// (connect, read) timeouts; `entry_error(n, reason)` words an error about the 0-based entry `n`.
pub(super) fn resolve(
    endpoints: Vec<Endpoint>,
    mut timeouts: impl FnMut(&Endpoint) -> (Duration, Duration),
    entry_error: impl Fn(usize, &str) -> String,
) -> Result<RedisHostsConfig, String> {
    let prefix_of = |e: &Endpoint| {
        e.prefix
            .clone()
            .unwrap_or_else(|| DEFAULT_REDIS_PREFIX.to_owned())
    };
    let prefix = prefix_of(&endpoints[0]);
    let mut hosts = Vec::with_capacity(endpoints.len());
    for (n, endpoint) in endpoints.into_iter().enumerate() {
        if endpoint.backend == Backend::Memcached {
            return Err(entry_error(
                n,
                "memcached cannot be combined with other entries: list every memcached node in \
                 one entry (memcached://a,b), or list only Redis hosts",
            ));
        }
        // phpredis would keep each host's sessions under that host's own prefix. That is
        // refused rather than followed: one prefix per save_path keeps a session's key the
        // same on every path through rsession, and differing prefixes are far likelier a
        // mistake than a plan.
        let own = prefix_of(&endpoint);
        if own != prefix {
            return Err(entry_error(
                n,
                &format!(
                    "prefix {} differs from entry 1's {}{}; rsession needs one prefix for all \
                     hosts: give every entry the same prefix=",
                    text::quote(own.as_bytes(), 64),
                    text::quote(prefix.as_bytes(), 64),
                    if prefix == DEFAULT_REDIS_PREFIX {
                        " (the default)"
                    } else {
                        ""
                    },
                ),
            ));
        }
        let weight = endpoint.nodes[0].weight;
        let (connect_timeout, read_timeout) = timeouts(&endpoint);
        hosts.push(RedisHost {
            redis: redis_config(endpoint, connect_timeout, read_timeout)
                .map_err(|e| entry_error(n, &e))?,
            weight,
        });
    }
    let total: u64 = hosts.iter().map(|h| u64::from(h.weight)).sum();
    if total > MAX_TOTAL_WEIGHT {
        return Err(SavePathError {
            entry: None,
            reason: format!(
                "the weights add up to {total}; phpredis, and so rsession, take at most {MAX_TOTAL_WEIGHT}"
            ),
        }
        .to_string());
    }
    Ok(RedisHostsConfig { hosts, prefix })
}

#[cfg(test)]
mod tests {
    use crate::config::{resolve, Address, IniValues, StoreConfig};

    use super::*;

    fn hosts(save_path: &str, ini: &IniValues) -> (RedisHostsConfig, String) {
        let c = resolve(save_path, ini).unwrap_or_else(|e| panic!("{save_path}: {e}"));
        match c.store {
            StoreConfig::RedisHosts(h) => (h, c.prefix),
            other => panic!("{save_path}: not several hosts: {other:?}"),
        }
    }

    fn tcp(host: &str, port: u16) -> Address {
        Address::Tcp {
            host: host.into(),
            port,
        }
    }

    #[test]
    fn each_entry_is_a_host_with_its_own_settings() {
        let ini = IniValues {
            connect_timeout: "2".into(),
            read_timeout: "3".into(),
            ..Default::default()
        };
        let (h, prefix) = hosts(
            "tcp://a:6379?weight=1&auth[user]=u&auth[pass]=p&database=2&timeout=0.5, \
             unix:///run/r.sock?weight=3&read_timeout=4 redis://:pw@c:7000/5",
            &ini,
        );
        assert_eq!(prefix, DEFAULT_REDIS_PREFIX);
        assert_eq!(h.prefix, DEFAULT_REDIS_PREFIX);
        assert_eq!(h.weights(), [1, 3, 1]);
        let [a, b, c] = &h.hosts[..] else {
            panic!("{h:?}")
        };
        assert_eq!(
            a.redis,
            RedisConfig {
                address: tcp("a", 6379),
                tls: None,
                username: Some("u".into()),
                password: Some("p".into()),
                database: 2,
                connect_timeout: Duration::from_millis(500),
                read_timeout: Duration::from_secs(3),
                wait: 0,
                cluster: None,
                sentinel: None,
            }
        );
        assert_eq!(b.redis.address, Address::Unix("/run/r.sock".into()));
        assert_eq!((b.redis.password.as_deref(), b.redis.database), (None, 0));
        assert_eq!(
            (b.redis.connect_timeout, b.redis.read_timeout),
            (Duration::from_secs(2), Duration::from_secs(4))
        );
        assert_eq!(
            (
                c.redis.address.clone(),
                c.redis.password.as_deref(),
                c.redis.database
            ),
            (tcp("c", 7000), Some("pw"), 5)
        );
        assert_eq!(
            h.describe(),
            "a:6379 db 2 (weight 1/5), unix:/run/r.sock (weight 3/5), c:7000 db 5 (weight 1/5)"
        );
    }

    #[test]
    fn a_timeout_that_looks_like_milliseconds_gives_one_notice() {
        let c = resolve(
            "tcp://a?timeout=2500, tcp://b?timeout=2500",
            &IniValues::default(),
        )
        .unwrap();
        assert_eq!(
            c.notices,
            ["rsession: save_path timeout is 2500 seconds (42 minutes): timeouts are in seconds; if milliseconds were meant, write 2.5"]
        );
    }

    #[test]
    fn one_entry_stays_one_server() {
        let c = resolve("tcp://a:6379?weight=5", &IniValues::default()).unwrap();
        assert!(matches!(c.store, StoreConfig::Redis(_)), "{c:?}");
    }

    #[test]
    fn a_shared_prefix_is_the_sessions_prefix() {
        let (h, prefix) = hosts(
            "tcp://a?prefix=app:, tcp://b?prefix=app:",
            &IniValues::default(),
        );
        assert_eq!((h.prefix.as_str(), prefix.as_str()), ("app:", "app:"));
        // The default, given explicitly or not, is one prefix.
        hosts(
            "tcp://a, tcp://b?prefix=PHPREDIS_SESSION:",
            &IniValues::default(),
        );
    }

    #[test]
    fn different_prefixes_are_refused_naming_both_entries() {
        let e = resolve("tcp://a, tcp://b?prefix=B:", &IniValues::default()).unwrap_err();
        assert_eq!(
            e,
            "save_path entry 2 \"tcp://b?prefix=B:\": prefix \"B:\" differs from entry 1's \
             \"PHPREDIS_SESSION:\" (the default); rsession needs one prefix for all hosts: give \
             every entry the same prefix="
        );
        let e = resolve(
            "tcp://a?prefix=A:,tcp://b?prefix=A:,tcp://c",
            &IniValues::default(),
        )
        .unwrap_err();
        assert!(
            e.starts_with(
                "save_path entry 3 \"tcp://c\": prefix \"PHPREDIS_SESSION:\" differs from entry 1's \"A:\";"
            ),
            "{e}"
        );
    }

    #[test]
    fn tls_goes_with_its_own_entry() {
        let (h, _) = hosts(
            "tcp://a, tls://b:6380?auth=pw&stream[verify_peer]=0",
            &IniValues::default(),
        );
        assert_eq!(
            (
                h.hosts[0].redis.tls.is_some(),
                h.hosts[1].redis.tls.is_some()
            ),
            (false, true)
        );
        assert_eq!(h.describe(), "a:6379 (weight 1/2), tls b:6380 (weight 1/2)");
        let e = resolve(
            "tcp://a, tls://b:6380?auth=pw&cafile=/nonexistent/ca.pem",
            &IniValues::default(),
        )
        .unwrap_err();
        assert!(
            e.starts_with("save_path entry 2 \"tls://b:6380?auth=***&cafile=/nonexistent/ca.pem\": cafile \"/nonexistent/ca.pem\": cannot read"),
            "{e}"
        );
    }

    #[test]
    fn memcached_cannot_join_redis_hosts() {
        let e = resolve("tcp://a, memcached://m1,m2", &IniValues::default()).unwrap_err();
        assert!(
            e.starts_with(
                "save_path entry 2 \"memcached://m1,m2\": memcached cannot be combined with other entries"
            ),
            "{e}"
        );
        let e = resolve("memcached://m1?prefix=x, tcp://a", &IniValues::default()).unwrap_err();
        assert!(e.starts_with("save_path entry 1 "), "{e}");
    }

    #[test]
    fn weights_must_fit_phpredis_int() {
        let e = resolve(
            "tcp://a?weight=2147483647, tcp://b?weight=1",
            &IniValues::default(),
        )
        .unwrap_err();
        assert_eq!(
            e,
            "save_path: the weights add up to 2147483648; phpredis, and so rsession, take at most 2147483647"
        );
    }
}
