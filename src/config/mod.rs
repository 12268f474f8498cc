//! save_path + `rsession.*` INI values → one typed configuration, or an error that says which
//! part was wrong. Plain Rust: the PHP layer only hands over the raw strings.

mod redis_hosts;
pub mod save_path;
pub mod text;

use std::time::Duration;

pub use redis_hosts::{RedisHost, RedisHostsConfig};
pub use save_path::{
    Address, Backend, Distribution, Endpoint, LockNode, Node, SavePathError, Sentinel, TlsOptions,
};

use crate::{
    lock::LockSettings,
    payload::{encrypt::Encryption, Algorithm, PayloadSettings, DEFAULT_THRESHOLD},
    store::{
        memcached::{LOCK_INFIX, MAX_KEY_LEN as MEMCACHED_MAX_KEY_LEN},
        redis::hash_tag,
        tls::TlsConfig,
    },
};

/// phpredis's session prefix, kept so sessions survive the switch to rsession.
pub const DEFAULT_REDIS_PREFIX: &str = "PHPREDIS_SESSION:";
/// phpredis's prefix for `rediscluster` sessions: its users keep their sessions.
pub const DEFAULT_REDIS_CLUSTER_PREFIX: &str = "PHPREDIS_CLUSTER_SESSION:";
/// php-memcached's session prefix (`memcached.sess_prefix`), for the same reason.
pub const DEFAULT_MEMCACHED_PREFIX: &str = "memc.sess.key.";
/// How long a failed memcached node is left alone before it is tried again.
pub const DEFAULT_RETRY_INTERVAL: Duration = Duration::from_secs(2);
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);
/// Lock expiry when neither rsession.lock_expire nor max_execution_time sets one.
pub const DEFAULT_LOCK_EXPIRE: Duration = Duration::from_secs(30);

/// The `rsession.*` INI settings as PHP holds them: raw text, validated here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct IniValues {
    pub connect_timeout: String,
    pub read_timeout: String,
    pub early_refresh: String,
    pub locking: String,
    pub lock_expire: String,
    pub lock_wait_timeout: String,
    pub lock_timeout_readonly: String,
    pub max_size: String,
    pub encryption_key_file: String,
    pub compression: String,
    pub compression_level: String,
    pub compression_threshold: String,
    pub slow_log_ms: String,
    /// PHP's own `max_execution_time`: a request cannot outlive it, so neither need its lock.
    pub max_execution_time: String,
    /// PHP's own `session.sid_length`: with the prefix, the length of every key.
    pub sid_length: String,
}

/// Where and how to reach one Redis server; also the key of its connection pool.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RedisConfig {
    /// The server; with `sentinel`, the first sentinel (the master's address is asked for).
    pub address: Address,
    /// rediss:// and tls://: the client settings, built from the entry's files once.
    pub tls: Option<TlsConfig>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub database: i64,
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
    /// After each session write, wait for this many replicas to have it (0: no wait).
    pub wait: u32,
    /// Redis Cluster: the seed nodes (`address` is the first); `None` for one server.
    pub cluster: Option<Vec<Address>>,
    /// Redis Sentinel: the master is whichever server these sentinels name.
    pub sentinel: Option<Sentinel>,
}

impl RedisConfig {
    /// The server for messages: `127.0.0.1:6379`, `127.0.0.1:6379 db 2`, `tls 127.0.0.1:6380`,
    /// `sentinel mymaster (127.0.0.1:26379,127.0.0.1:26380) db 2`.
    pub fn location(&self) -> String {
        if let Some(seeds) = &self.cluster {
            let seeds: Vec<String> = seeds.iter().map(Address::to_string).collect();
            return format!("cluster {}", seeds.join(","));
        }
        let server = match &self.sentinel {
            Some(sentinel) => sentinel.describe(),
            None if self.tls.is_some() => format!("tls {}", self.address),
            None => self.address.to_string(),
        };
        match self.database {
            0 => server,
            db => format!("{server} db {db}"),
        }
    }
}

/// One Redis server's settings from its save_path entry and its timeouts; with TLS, the files
/// the entry names are read here, so that a missing or bad one is a configuration error.
fn redis_config(
    endpoint: Endpoint,
    connect_timeout: Duration,
    read_timeout: Duration,
) -> Result<RedisConfig, String> {
    let address = endpoint.nodes[0].address.clone();
    let tls = match (&endpoint.tls, &address) {
        (Some(options), Address::Tcp { host, .. }) => Some(TlsConfig::new(options, host)?),
        _ => None,
    };
    Ok(RedisConfig {
        address,
        tls,
        username: endpoint.username,
        password: endpoint.password,
        database: endpoint.database.unwrap_or(0),
        connect_timeout,
        read_timeout,
        wait: endpoint.wait.unwrap_or(0),
        cluster: endpoint
            .cluster
            .then(|| endpoint.nodes.iter().map(|n| n.address.clone()).collect()),
        sentinel: endpoint.sentinel,
    })
}

/// A user name and its password.
pub type Credentials = (String, String);

/// Where and how to reach a set of memcached nodes; also the key of their pools.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MemcachedConfig {
    pub nodes: Vec<Node>,
    /// The key prefix: left out when hashing a key to its node, as libmemcached does.
    pub prefix: String,
    pub distribution: Distribution,
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
    pub replicas: usize,
    pub retry_interval: Duration,
    pub lock_node: LockNode,
    /// memcached's ASCII authentication (memcached -Y), for every node.
    pub credentials: Option<Credentials>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StoreConfig {
    Redis(RedisConfig),
    /// Several Redis servers, each session on one of them, placed as phpredis places it.
    RedisHosts(RedisHostsConfig),
    Memcached(MemcachedConfig),
}

/// Everything a request needs to run the session handler.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SessionConfig {
    pub store: StoreConfig,
    pub prefix: String,
    /// Refresh the expiry at read time (GETEX, Redis 6.2+) instead of after the request.
    pub early_refresh: bool,
    /// `None` when rsession.locking is off.
    pub lock: Option<LockSettings>,
    /// rsession.max_size: a session's data larger than this is not written (`None`: no cap).
    pub max_size: Option<usize>,
    /// rsession.encryption_key_file: the keys that seal sessions at rest (`None`: clear).
    pub encryption: Option<Encryption>,
    /// How session data is written (compressed or not).
    pub payload: PayloadSettings,
    /// rsession.slow_log_ms: round trips and lock waits longer than this are logged (`None`: off).
    pub slow_log: Option<Duration>,
    /// Settings that work but look like mistakes, to tell the operator once.
    pub notices: Vec<String>,
}

/// Parses PHP's boolean INI spellings.
pub fn parse_ini_bool(name: &str, value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "on" | "yes" | "true" => Ok(true),
        "" | "0" | "off" | "no" | "false" | "none" => Ok(false),
        _ => Err(format!(
            "{name} \"{value}\" is not a boolean (use 1/0, on/off)"
        )),
    }
}

/// A size in bytes as PHP writes sizes in php.ini (`1048576`, `512K`, `8M`, `1G`); an empty value
/// or 0 means `None`, no limit.
pub fn parse_ini_size(name: &str, value: &str) -> Result<Option<usize>, String> {
    let text = value.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let (digits, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], Some(c.to_ascii_uppercase())),
        _ => (text, None),
    };
    let shift = match unit {
        None => 0,
        Some('K') => 10,
        Some('M') => 20,
        Some('G') => 30,
        Some(_) => u32::MAX,
    };
    let bytes = digits
        .parse::<u64>()
        .ok()
        .filter(|_| shift != u32::MAX)
        .and_then(|n| n.checked_mul(1u64.checked_shl(shift)?))
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| {
            format!("{name} \"{value}\" is not a size in bytes (e.g. 1048576, 512K, 8M; 0 for no limit)")
        })?;
    Ok((bytes > 0).then_some(bytes))
}

/// rsession.slow_log_ms: whole milliseconds; an empty value or 0 means `None`, off.
pub fn parse_slow_log_ms(value: &str) -> Result<Option<Duration>, String> {
    let text = value.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let ms = text.parse::<u32>().map_err(|_| {
        format!("rsession.slow_log_ms \"{value}\" is not a whole number of milliseconds (0: off)")
    })?;
    Ok((ms > 0).then(|| Duration::from_millis(ms.into())))
}

/// Seconds; an empty value or 0 means `None`, "the default", never "wait forever".
fn ini_seconds(name: &str, value: &str) -> Result<Option<Duration>, String> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    save_path::parse_timeout(value, name)
}

/// A timeout this long was most likely meant in milliseconds (`timeout=2500`).
const SUSPECT_TIMEOUT: Duration = Duration::from_secs(100);

/// The notice for a suspiciously long timeout; `setting` names where it was set.
fn suspect_timeout(setting: &str, value: Duration) -> Option<String> {
    (value >= SUSPECT_TIMEOUT).then(|| {
        format!(
            "rsession: {setting} is {} seconds ({:.0} minutes): timeouts are in seconds; if milliseconds were meant, write {}",
            value.as_secs_f64(),
            value.as_secs_f64() / 60.0,
            value.as_secs_f64() / 1000.0
        )
    })
}

/// Every key is prefix + id (prefix + "lock." + id for the lock): with `session.sid_length` (default 32)
/// the longest a generated id gets, the prefix must leave it room under memcached's key limit.
fn check_memcached_key_room(prefix: &str, sid_length: &str, locking: bool) -> Result<(), String> {
    let id_len = sid_length.trim().parse::<usize>().unwrap_or(32);
    let (suffix, what) = match locking {
        true => (LOCK_INFIX.len(), " + \"lock.\" (the lock's key)"),
        false => (0, ""),
    };
    let key_len = prefix.len() + id_len + suffix;
    if key_len > MEMCACHED_MAX_KEY_LEN {
        return Err(format!(
            "prefix of {} bytes + session ids of {id_len} characters (session.sid_length){what} make keys of {key_len} bytes, over memcached's {MEMCACHED_MAX_KEY_LEN}-byte key limit; shorten the prefix",
            prefix.len()
        ));
    }
    Ok(())
}

/// In a cluster, a session's lock must live in its data's hash slot (see
/// `store::redis::cluster::lock_key`). That is possible unless the prefix holds a `}` that
/// closes no `{hash tag}`: a tag around the whole key would then end early.
fn cluster_lock_room(prefix: &str) -> Result<(), String> {
    if prefix.contains('}') && hash_tag(prefix.as_bytes()).is_none() {
        return Err(format!(
            "prefix {} holds a '}}' outside a {{hash tag}}: in a Redis Cluster the session's lock could not be put in its data's hash slot; remove the '}}' or make the prefix a complete tag such as {{sessions}}:",
            text::quote(prefix.as_bytes(), 64)
        ));
    }
    Ok(())
}

/// An entry's (connect, read) timeouts: its own, else the `rsession.*` setting, else the
/// default. One that looks like milliseconds adds a notice (once, however many entries).
fn entry_timeouts(
    endpoint: &Endpoint,
    ini_connect_timeout: Option<Duration>,
    ini_read_timeout: Option<Duration>,
    notices: &mut Vec<String>,
) -> (Duration, Duration) {
    let (connect_timeout, connect_setting) = match endpoint.connect_timeout {
        Some(t) => (t, "save_path timeout"),
        None => (
            ini_connect_timeout.unwrap_or(DEFAULT_TIMEOUT),
            "rsession.connect_timeout",
        ),
    };
    let (read_timeout, read_setting) = match endpoint.read_timeout {
        Some(t) => (t, "save_path read_timeout"),
        None => (
            ini_read_timeout.unwrap_or(DEFAULT_TIMEOUT),
            "rsession.read_timeout",
        ),
    };
    let suspects = [
        suspect_timeout(connect_setting, connect_timeout),
        suspect_timeout(read_setting, read_timeout),
    ];
    for notice in suspects.into_iter().flatten() {
        if !notices.contains(&notice) {
            notices.push(notice);
        }
    }
    (connect_timeout, read_timeout)
}

/// The lock settings, with their defaults: expiry = rsession.lock_expire, else
/// max_execution_time, else 30 s; wait = rsession.lock_wait_timeout, else the expiry, so a
/// crashed holder's lock expires before its waiters give up.
fn lock_settings(ini: &IniValues) -> Result<Option<LockSettings>, String> {
    if !parse_ini_bool("rsession.locking", &ini.locking)? {
        return Ok(None);
    }
    let max_execution = match ini.max_execution_time.trim().parse::<u64>() {
        Ok(secs) if secs > 0 => Some(Duration::from_secs(secs)),
        _ => None,
    };
    let expire = ini_seconds("rsession.lock_expire", &ini.lock_expire)?
        .or(max_execution)
        .unwrap_or(DEFAULT_LOCK_EXPIRE);
    let wait = ini_seconds("rsession.lock_wait_timeout", &ini.lock_wait_timeout)?.unwrap_or(expire);
    let readonly_on_timeout =
        parse_ini_bool("rsession.lock_timeout_readonly", &ini.lock_timeout_readonly)?;
    Ok(Some(LockSettings {
        expire,
        wait,
        readonly_on_timeout,
    }))
}

/// rsession.compression, rsession.compression_level and rsession.compression_threshold.
fn payload_settings(ini: &IniValues) -> Result<PayloadSettings, String> {
    let compression = Algorithm::parse(&ini.compression).ok_or_else(|| {
        format!(
            "rsession.compression \"{}\" is not a known compression (use none, lzf, lz4 or zstd)",
            ini.compression
        )
    })?;
    let level = match ini.compression_level.trim() {
        "" => 0,
        text => match text.parse::<i32>() {
            Ok(level @ 0..=22) => level,
            _ => {
                return Err(format!(
                    "rsession.compression_level \"{text}\" is not a zstd level (0 for zstd's default, 1 to 22)"
                ))
            }
        },
    };
    let threshold = match ini.compression_threshold.trim() {
        "" => DEFAULT_THRESHOLD,
        text => text.parse::<usize>().map_err(|_| {
            format!(
                "rsession.compression_threshold \"{text}\" is not a number of bytes (0 or more)"
            )
        })?,
    };
    Ok(PayloadSettings {
        compression,
        level,
        threshold,
    })
}

/// Builds the configuration a request uses: one store from one entry, or Redis hosts from
/// several (memcached lists its nodes in one entry).
pub fn resolve(save_path: &str, ini: &IniValues) -> Result<SessionConfig, String> {
    let ini_connect_timeout = ini_seconds("rsession.connect_timeout", &ini.connect_timeout)?;
    let ini_read_timeout = ini_seconds("rsession.read_timeout", &ini.read_timeout)?;
    let early_refresh = parse_ini_bool("rsession.early_refresh", &ini.early_refresh)?;
    let lock = lock_settings(ini)?;
    let max_size = parse_ini_size("rsession.max_size", &ini.max_size)?;
    let encryption = match ini.encryption_key_file.trim() {
        "" => None,
        path => Some(Encryption::load(path, "rsession.encryption_key_file")?),
    };
    let payload = payload_settings(ini)?;
    let slow_log = parse_slow_log_ms(&ini.slow_log_ms)?;

    let endpoints = save_path::parse(save_path).map_err(|e| e.to_string())?;
    let entry_error = |n: usize, reason: &str| {
        let text = save_path::entries(save_path)
            .into_iter()
            .nth(n)
            .unwrap_or_default();
        SavePathError {
            entry: Some((n + 1, text::mask_secrets(&text))),
            reason: reason.into(),
        }
        .to_string()
    };
    let mut notices = Vec::new();
    let mut timeouts =
        |e: &Endpoint| entry_timeouts(e, ini_connect_timeout, ini_read_timeout, &mut notices);
    if endpoints.len() > 1 {
        if let Some(n) = endpoints.iter().position(|e| e.cluster) {
            return Err(entry_error(
                n,
                "a Redis Cluster is the whole save_path: list its seed nodes in this one entry",
            ));
        }
        if let Some(n) = endpoints.iter().position(|e| e.sentinel.is_some()) {
            return Err(entry_error(
                n,
                "redis+sentinel:// cannot be combined with other entries: the sentinels name \
                 one master, which holds every session",
            ));
        }
        let hosts = redis_hosts::resolve(endpoints, timeouts, entry_error)?;
        return Ok(SessionConfig {
            prefix: hosts.prefix.clone(),
            store: StoreConfig::RedisHosts(hosts),
            early_refresh,
            lock,
            max_size,
            encryption,
            payload,
            slow_log,
            notices,
        });
    }
    let first = endpoints
        .into_iter()
        .next()
        .expect("parse never returns an empty list");
    let (connect_timeout, read_timeout) = timeouts(&first);
    let default_prefix = match first.backend {
        Backend::Redis if first.cluster => DEFAULT_REDIS_CLUSTER_PREFIX,
        Backend::Redis => DEFAULT_REDIS_PREFIX,
        Backend::Memcached => DEFAULT_MEMCACHED_PREFIX,
    };
    let prefix = first
        .prefix
        .clone()
        .unwrap_or_else(|| default_prefix.to_owned());
    let store = match first.backend {
        Backend::Redis => {
            if first.cluster {
                cluster_lock_room(&prefix).map_err(|e| entry_error(0, &e))?;
            }
            StoreConfig::Redis(
                redis_config(first, connect_timeout, read_timeout)
                    .map_err(|e| entry_error(0, &e))?,
            )
        }
        Backend::Memcached => {
            if let Some(bad) = prefix.bytes().find(|b| !b.is_ascii_graphic()) {
                return Err(entry_error(
                    0,
                    &format!(
                        "prefix {} contains byte {bad:#04x}; memcached keys can only hold printable ASCII (no spaces, control characters or non-ASCII bytes)",
                        text::quote(prefix.as_bytes(), 64)
                    ),
                ));
            }
            check_memcached_key_room(&prefix, &ini.sid_length, lock.is_some())
                .map_err(|e| entry_error(0, &e))?;
            StoreConfig::Memcached(MemcachedConfig {
                nodes: first.nodes,
                prefix: prefix.clone(),
                distribution: first.distribution.unwrap_or_default(),
                connect_timeout,
                read_timeout,
                replicas: first.replicas.unwrap_or(0),
                retry_interval: first.retry_interval.unwrap_or(DEFAULT_RETRY_INTERVAL),
                lock_node: first.lock_node.unwrap_or_default(),
                credentials: first.username.zip(first.password),
            })
        }
    };
    Ok(SessionConfig {
        store,
        prefix,
        early_refresh,
        lock,
        max_size,
        encryption,
        payload,
        slow_log,
        notices,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ini(ct: &str, rt: &str, er: &str) -> IniValues {
        IniValues {
            connect_timeout: ct.into(),
            read_timeout: rt.into(),
            early_refresh: er.into(),
            ..Default::default()
        }
    }

    #[test]
    fn sizes_are_read_as_php_writes_them() {
        let size = |v: &str| parse_ini_size("rsession.max_size", v);
        assert_eq!(size(""), Ok(None));
        assert_eq!(size("0"), Ok(None));
        assert_eq!(size("1000"), Ok(Some(1000)));
        assert_eq!(size("512K"), Ok(Some(512 << 10)));
        assert_eq!(size(" 8m "), Ok(Some(8 << 20)));
        assert_eq!(size("1G"), Ok(Some(1 << 30)));
        for bad in ["abc", "-1", "1.5M", "1X", "M", "99999999999999999999G"] {
            let e = size(bad).unwrap_err();
            assert!(
                e.contains("rsession.max_size") && e.contains("not a size"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn slow_log_is_whole_milliseconds_and_zero_is_off() {
        assert_eq!(parse_slow_log_ms(""), Ok(None));
        assert_eq!(parse_slow_log_ms("0"), Ok(None));
        assert_eq!(
            parse_slow_log_ms(" 250 "),
            Ok(Some(Duration::from_millis(250)))
        );
        for bad in ["-1", "1.5", "abc", "99999999999"] {
            let e = parse_slow_log_ms(bad).unwrap_err();
            assert!(
                e.starts_with(&format!("rsession.slow_log_ms \"{bad}\"")),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn cluster_has_phpredis_cluster_prefix_and_one_entry() {
        let c = resolve(
            "redis+cluster://127.0.0.1:7000,127.0.0.1:7001",
            &ini("", "", ""),
        )
        .unwrap();
        assert_eq!(c.prefix, "PHPREDIS_CLUSTER_SESSION:");
        let StoreConfig::Redis(r) = c.store else {
            panic!("not redis")
        };
        assert_eq!(r.location(), "cluster 127.0.0.1:7000,127.0.0.1:7001");
        let c = resolve("seed[]=h:7000&prefix={app}:", &ini("", "", "")).unwrap();
        assert_eq!(c.prefix, "{app}:");
        let e = resolve("redis://a:1, redis+cluster://h:7000", &ini("", "", "")).unwrap_err();
        assert!(
            e.contains("entry 2") && e.contains("whole save_path"),
            "{e}"
        );
        for bad in ["x}:", "{}:", "a}{}"] {
            let e = resolve(&format!("seed[]=h:7000&prefix={bad}"), &ini("", "", "")).unwrap_err();
            assert!(e.contains("outside a {hash tag}"), "{bad}: {e}");
        }
    }

    fn locking(
        locking: &str,
        expire: &str,
        wait: &str,
        readonly: &str,
        max_exec: &str,
    ) -> IniValues {
        IniValues {
            locking: locking.into(),
            lock_expire: expire.into(),
            lock_wait_timeout: wait.into(),
            lock_timeout_readonly: readonly.into(),
            max_execution_time: max_exec.into(),
            ..Default::default()
        }
    }

    #[test]
    fn lock_defaults_follow_max_execution_time_then_30s() {
        let lock = |ini: IniValues| resolve("redis://h", &ini).unwrap().lock;
        let l = lock(locking("1", "", "", "", "0")).unwrap();
        assert_eq!(
            (l.expire, l.wait, l.readonly_on_timeout),
            (Duration::from_secs(30), Duration::from_secs(30), false)
        );
        let l = lock(locking("1", "0", "0", "0", "45")).unwrap();
        assert_eq!(
            (l.expire, l.wait),
            (Duration::from_secs(45), Duration::from_secs(45))
        );
        let l = lock(locking("on", "2.5", "0.5", "1", "45")).unwrap();
        assert_eq!(
            (l.expire, l.wait, l.readonly_on_timeout),
            (
                Duration::from_millis(2500),
                Duration::from_millis(500),
                true
            )
        );
        assert_eq!(lock(locking("0", "2", "", "", "")), None);
    }

    #[test]
    fn bad_lock_settings_name_the_setting() {
        let e = resolve("redis://h", &locking("sometimes", "", "", "", "")).unwrap_err();
        assert_eq!(
            e,
            "rsession.locking \"sometimes\" is not a boolean (use 1/0, on/off)"
        );
        let e = resolve("redis://h", &locking("1", "-1", "", "", "")).unwrap_err();
        assert!(e.starts_with("rsession.lock_expire \"-1\""), "{e}");
        let e = resolve("redis://h", &locking("1", "", "x", "", "")).unwrap_err();
        assert!(e.starts_with("rsession.lock_wait_timeout \"x\""), "{e}");
    }

    fn redis(c: &SessionConfig) -> &RedisConfig {
        match &c.store {
            StoreConfig::Redis(r) => r,
            other => panic!("not redis: {other:?}"),
        }
    }

    #[test]
    fn memcached_defaults_and_parameters() {
        let c = resolve("memcached://a,b:11212:3", &IniValues::default()).unwrap();
        assert_eq!(c.prefix, "memc.sess.key.");
        let StoreConfig::Memcached(m) = &c.store else {
            panic!("{c:?}")
        };
        assert_eq!(m.nodes.len(), 2);
        assert_eq!(
            m.nodes[1],
            Node {
                address: Address::Tcp {
                    host: "b".into(),
                    port: 11212
                },
                weight: 3
            }
        );
        assert_eq!(
            m.nodes[0].address,
            Address::Tcp {
                host: "a".into(),
                port: 11211
            }
        );
        assert_eq!((m.replicas, m.retry_interval), (0, Duration::from_secs(2)));
        assert_eq!(m.lock_node, LockNode::PhpMemcached);
        let c = resolve("memcached://a,b?lock_node=data", &IniValues::default()).unwrap();
        assert!(matches!(&c.store, StoreConfig::Memcached(m) if m.lock_node == LockNode::Data));
        let e = resolve("memcached://a?lock_node=own", &IniValues::default()).unwrap_err();
        assert!(
            e.contains("lock_node \"own\" is not php-memcached or data"),
            "{e}"
        );
        let e = resolve("redis://a?lock_node=data", &IniValues::default()).unwrap_err();
        assert!(
            e.contains("parameter \"lock_node\" is for memcached, not Redis"),
            "{e}"
        );
        let c = resolve(
            "memcached://a,b?replicas=1&retry_interval=0.5&prefix=s.",
            &IniValues::default(),
        )
        .unwrap();
        let StoreConfig::Memcached(m) = &c.store else {
            panic!("{c:?}")
        };
        assert_eq!(
            (m.replicas, m.retry_interval, c.prefix.as_str()),
            (1, Duration::from_millis(500), "s.")
        );
        let e = resolve("memcached://a?prefix=my+app", &IniValues::default()).unwrap_err();
        assert!(
            e.contains("contains byte 0x20; memcached keys can only hold printable ASCII"),
            "{e}"
        );
    }

    #[test]
    fn defaults_apply_when_nothing_is_given() {
        let c = resolve("redis://h", &ini("", "", "")).unwrap();
        assert_eq!(c.prefix, "PHPREDIS_SESSION:");
        assert_eq!(redis(&c).database, 0);
        assert_eq!(redis(&c).connect_timeout, Duration::from_secs(1));
        assert_eq!(redis(&c).read_timeout, Duration::from_secs(1));
        assert!(!c.early_refresh);
    }

    #[test]
    fn save_path_overrides_ini_timeouts() {
        let c = resolve("redis://h?timeout=0.2", &ini("3", "4", "on")).unwrap();
        assert_eq!(redis(&c).connect_timeout, Duration::from_millis(200));
        assert_eq!(redis(&c).read_timeout, Duration::from_secs(4));
        assert!(c.early_refresh);
    }

    #[test]
    fn bad_ini_values_name_the_setting() {
        let e = resolve("redis://h", &ini("soon", "", "")).unwrap_err();
        assert_eq!(
            e,
            "rsession.connect_timeout \"soon\" is not a number of seconds"
        );
        let e = resolve("redis://h", &ini("", "-2", "")).unwrap_err();
        assert!(e.starts_with("rsession.read_timeout \"-2\""), "{e}");
        let e = resolve("redis://h", &ini("", "", "maybe")).unwrap_err();
        assert_eq!(
            e,
            "rsession.early_refresh \"maybe\" is not a boolean (use 1/0, on/off)"
        );
    }

    #[test]
    fn compression_settings_parse_or_name_the_setting() {
        let with = |compression: &str, level: &str, threshold: &str| {
            resolve(
                "redis://h",
                &IniValues {
                    compression: compression.into(),
                    compression_level: level.into(),
                    compression_threshold: threshold.into(),
                    ..Default::default()
                },
            )
        };
        assert_eq!(
            with("", "", "").unwrap().payload,
            PayloadSettings::default()
        );
        let p = with("ZSTD", "19", "0").unwrap().payload;
        assert_eq!(
            (p.compression, p.level, p.threshold),
            (Some(Algorithm::Zstd), 19, 0)
        );
        assert_eq!(
            with("lz4", "", "").unwrap().payload.compression,
            Some(Algorithm::Lz4)
        );
        assert_eq!(with("none", "", "").unwrap().payload.compression, None);
        assert_eq!(
            with("gzip", "", "").unwrap_err(),
            "rsession.compression \"gzip\" is not a known compression (use none, lzf, lz4 or zstd)"
        );
        assert!(with("zstd", "23", "")
            .unwrap_err()
            .starts_with("rsession.compression_level \"23\""));
        assert!(with("zstd", "", "1k")
            .unwrap_err()
            .starts_with("rsession.compression_threshold \"1k\""));
    }

    /// A file of the test's own in the temp directory, removed when dropped.
    struct TempFile(std::path::PathBuf);

    impl TempFile {
        fn new(name: &str, content: &str) -> TempFile {
            let path = std::env::temp_dir().join(format!("rsession-{}-{name}", std::process::id()));
            std::fs::write(&path, content).unwrap();
            TempFile(path)
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    fn redis_tls(save_path: &str) -> RedisConfig {
        match resolve(save_path, &IniValues::default()) {
            Ok(SessionConfig {
                store: StoreConfig::Redis(r),
                ..
            }) => r,
            other => panic!("{save_path}: {other:?}"),
        }
    }

    #[test]
    fn tls_builds_its_settings_and_shows_in_the_location() {
        let r = redis_tls("rediss://u:pw@h:6380/2?verify_peer=0");
        assert!(r.tls.is_some());
        assert_eq!(r.location(), "tls h:6380 db 2");
        assert_eq!(
            redis_tls("tls://[::1]:6380?verify_peer=0").location(),
            "tls [::1]:6380"
        );
        assert_eq!(redis_tls("redis://h").tls, None);
        // TLS settings are part of a pool's identity: the same settings are equal (however
        // often built), other settings or another name are not.
        let tls = |path: &str| redis_tls(path).tls;
        assert_eq!(
            tls("rediss://h?verify_peer=0"),
            tls("rediss://h?verify_peer=0&timeout=2")
        );
        assert_ne!(
            tls("rediss://h?verify_peer=0"),
            tls("rediss://h2?verify_peer=0")
        );
        assert_ne!(
            tls("rediss://h?verify_peer=0"),
            tls("rediss://h?verify_peer=0&cafile=/etc/ssl/certs/ca-certificates.crt")
        );
        if std::path::Path::new("/etc/ssl/certs/ca-certificates.crt").exists() {
            // No cafile: the system's CAs.
            assert!(redis_tls("rediss://h:6380").tls.is_some());
        }
    }

    #[test]
    fn tls_file_errors_name_the_option_and_the_file() {
        let empty = TempFile::new("empty.pem", "");
        let garbage = TempFile::new(
            "garbage.pem",
            "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
        );
        let (empty, garbage) = (
            empty.0.display().to_string(),
            garbage.0.display().to_string(),
        );
        let cases = [
            (
                "rediss://h?cafile=/nonexistent/ca.pem".to_owned(),
                "save_path entry 1 \"rediss://h?cafile=/nonexistent/ca.pem\": cafile \"/nonexistent/ca.pem\": cannot read: No such file or directory".to_owned(),
            ),
            (
                format!("rediss://h?cafile={empty}"),
                format!("cafile \"{empty}\": no certificate in it (expected PEM: -----BEGIN CERTIFICATE-----)"),
            ),
            (format!("rediss://h?cafile={garbage}"), format!("cafile \"{garbage}\": bad PEM")),
            (
                format!("rediss://h?verify_peer=0&cafile={empty}"),
                format!("cafile \"{empty}\": no certificate in it"),
            ),
            (
                format!("rediss://h?verify_peer=0&cert={garbage}&key={empty}"),
                format!("cert \"{garbage}\": bad PEM"),
            ),
            (
                "rediss://h?verify_peer=0&cert=/nonexistent/c.pem&key=/nonexistent/k.pem".to_owned(),
                "cert \"/nonexistent/c.pem\": cannot read".to_owned(),
            ),
            (
                "rediss://a..b?verify_peer=0".to_owned(),
                "host \"a..b\" is not a name TLS can check a certificate for".to_owned(),
            ),
        ];
        for (path, expected) in cases {
            let e = resolve(&path, &IniValues::default()).unwrap_err();
            assert!(
                e.contains(&expected),
                "{path}: got {e:?}, expected {expected:?}"
            );
        }
    }

    #[test]
    fn timeouts_that_round_to_zero_are_refused() {
        let e = resolve("redis://h?timeout=1e-10", &IniValues::default()).unwrap_err();
        assert!(
            e.contains("timeout \"1e-10\" is below 1 millisecond"),
            "{e}"
        );
        let e = resolve("redis://h", &ini("", "0.0000000001", "")).unwrap_err();
        assert!(
            e.starts_with("rsession.read_timeout \"0.0000000001\" is below 1 millisecond"),
            "{e}"
        );
        assert!(resolve("redis://h?timeout=0.001", &IniValues::default()).is_ok());
    }

    #[test]
    fn timeouts_that_look_like_milliseconds_give_a_notice() {
        let c = resolve("redis://h?timeout=2500", &IniValues::default()).unwrap();
        assert_eq!(
            c.notices,
            ["rsession: save_path timeout is 2500 seconds (42 minutes): timeouts are in seconds; if milliseconds were meant, write 2.5"]
        );
        let c = resolve("redis://h", &ini("", "300", "")).unwrap();
        assert!(c.notices[0].starts_with("rsession: rsession.read_timeout is 300 seconds"));
        assert!(resolve("redis://h?timeout=30", &IniValues::default())
            .unwrap()
            .notices
            .is_empty());
    }

    #[test]
    fn memcached_prefix_must_leave_room_for_the_id() {
        let long = "p".repeat(218);
        let ok = format!("memcached://h?prefix={long}");
        assert!(resolve(&ok, &IniValues::default()).is_ok());
        let e = resolve(&format!("{ok}x"), &IniValues::default()).unwrap_err();
        assert!(
            e.contains("prefix of 219 bytes + session ids of 32 characters (session.sid_length) make keys of 251 bytes, over memcached's 250-byte key limit"),
            "{e}"
        );
        let ini = IniValues {
            sid_length: "26".into(),
            ..IniValues::default()
        };
        assert!(resolve(&format!("{ok}x"), &ini).is_ok());
        // With locking, the lock's key ("lock." more) must fit too.
        let locking = IniValues {
            locking: "1".into(),
            ..IniValues::default()
        };
        let e = resolve(
            &format!("memcached://h?prefix={}", "p".repeat(214)),
            &locking,
        )
        .unwrap_err();
        assert!(
            e.contains("+ \"lock.\" (the lock's key) make keys of 251 bytes"),
            "{e}"
        );
        assert!(resolve(
            &format!("memcached://h?prefix={}", "p".repeat(213)),
            &locking
        )
        .is_ok());
    }

    #[test]
    fn sentinel_config_names_the_sentinels_and_stands_alone() {
        let c = resolve(
            "redis+sentinel://a:1,b:2/m/3?auth=pw&sentinel_auth=spw&wait=1",
            &IniValues::default(),
        )
        .unwrap();
        let r = redis(&c);
        assert_eq!(c.prefix, DEFAULT_REDIS_PREFIX);
        assert_eq!(
            (r.database, r.wait, r.password.as_deref()),
            (3, 1, Some("pw"))
        );
        let s = r.sentinel.as_ref().unwrap();
        assert_eq!(
            (s.service.as_str(), s.password.as_deref()),
            ("m", Some("spw"))
        );
        assert_eq!(r.location(), "sentinel m (a:1,b:2) db 3");
        let e = resolve(
            "redis://x, redis+sentinel://a:1,b:2/m",
            &IniValues::default(),
        )
        .unwrap_err();
        assert!(
            e.starts_with("save_path entry 2 \"redis+sentinel://a:1,b:2/m\": redis+sentinel:// cannot be combined with other entries"),
            "{e}"
        );
    }

    #[test]
    fn later_entries_are_validated_too() {
        let e = resolve("redis://a,redis://b:x", &IniValues::default()).unwrap_err();
        assert!(e.starts_with("save_path entry 2 \"redis://b:x\""), "{e}");
    }
}
