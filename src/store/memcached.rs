//! memcached over one or many nodes: consistent hashing like php-memcached (libmemcached's
//! ketama), optional replicas on the next nodes of the ring, failed nodes skipped for
//! `retry_interval`.
//!
//! Each node is a `memcache::Client` over an r2d2 pool built here: no connection before the
//! first command, no round trip on checkout. Any I/O or protocol error discards the client, and
//! with it its connection: a reply that arrives late must never be read as another key's.
//! The client speaks memcached's text protocol: its binary protocol sends every header field in
//! a system call (and packet) of its own, which costs more than the round trip itself.

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use anyhow::{anyhow, bail, Result};
use memcache::{Client, ClientError, ConnectionManager, MemcacheError, Url};
use scheduled_thread_pool::ScheduledThreadPool;

use super::{
    ketama::{self, Ring},
    pool::{AfterError, Connector, LazyPool, Timeouts},
    Store, Ttl, Unlocked,
};
use crate::{
    config::{Address, MemcachedConfig},
    lock::{Lock, Seen},
};

/// memcached reads an expiry over 30 days as a Unix timestamp.
const MAX_RELATIVE_EXPIRY: Ttl = 30 * 24 * 3600;
/// memcached's key length limit.
pub const MAX_KEY_LEN: usize = 250;

struct NodeConnector {
    url: Url,
    connect_timeout: Duration,
    /// The memcache crate connects on its pool's threads, with no connect timeout of its own: a
    /// node's own thread keeps a hung connect from holding up the other nodes.
    threads: Arc<ScheduledThreadPool>,
}

impl Connector for NodeConnector {
    type Conn = Client;
    type Error = MemcacheError;

    /// Builds the client without connecting; its first command connects, waiting at most the
    /// connect timeout.
    fn connect(&self, _: &Timeouts) -> Result<Client, MemcacheError> {
        let pool = r2d2::Pool::builder()
            .max_size(1)
            .min_idle(Some(0))
            .test_on_check_out(false)
            .idle_timeout(None)
            .max_lifetime(None)
            .connection_timeout(self.connect_timeout)
            .thread_pool(self.threads.clone())
            .build_unchecked(ConnectionManager::new(self.url.clone()));
        Client::with_pool(pool)
    }

    /// The client's URL carries its timeouts: a store's nodes are its own.
    fn retime(&self, _: &mut Client, _: &Timeouts) -> Result<(), MemcacheError> {
        Ok(())
    }

    fn after_error(&self, e: &MemcacheError) -> AfterError {
        match e {
            // A refusal in step with the protocol; the key-length check never reached the server.
            MemcacheError::CommandError(_)
            | MemcacheError::ClientError(ClientError::KeyTooLong) => AfterError::Keep,
            MemcacheError::IOError(io) if dropped(io.kind()) => AfterError::Reconnect,
            _ => AfterError::Discard,
        }
    }

    fn describe(&self, e: &MemcacheError, _: &Timeouts) -> String {
        match e {
            // The pool reports connect failures as its own timeout: show the cause.
            MemcacheError::PoolError(p) => {
                let text = p.to_string();
                match text.strip_prefix("timed out waiting for connection: ") {
                    Some(cause) => format!("cannot connect: {cause}"),
                    None => format!("cannot connect within {:?}", self.connect_timeout),
                }
            }
            MemcacheError::IOError(io)
                if matches!(
                    io.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                "no reply in time (read_timeout)".into()
            }
            other => other.to_string(),
        }
    }
}

fn dropped(kind: std::io::ErrorKind) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        kind,
        BrokenPipe | ConnectionReset | ConnectionAborted | UnexpectedEof | NotConnected
    )
}

fn node_url(address: &Address, read_timeout: Duration) -> Result<Url> {
    let secs = read_timeout.as_secs_f64();
    let text = match address {
        Address::Tcp { host, port } if host.contains(':') => {
            format!("memcache://[{host}]:{port}?timeout={secs}")
        }
        Address::Tcp { host, port } => {
            format!("memcache://{host}:{port}?timeout={secs}&protocol=ascii")
        }
        Address::Unix(path) => format!("memcache://{}?timeout={secs}", path.display()),
    };
    Url::parse(&text).map_err(|e| anyhow!("memcached {address}: {e}"))
}

/// Seconds to memcached's expiry field: relative up to 30 days, absolute beyond.
fn exptime(ttl: Ttl) -> Result<u32> {
    let when = match ttl {
        0..=MAX_RELATIVE_EXPIRY => ttl,
        _ => {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0)
                + ttl
        }
    };
    u32::try_from(when)
        .map_err(|_| anyhow!("a lifetime of {ttl}s is beyond what memcached can store"))
}

fn lock_exptime(lock: &Lock) -> Result<u32> {
    // memcached counts whole seconds: round up, so a lock never expires early.
    exptime(lock.expire.as_secs() + u64::from(lock.expire.subsec_nanos() > 0)).map(|t| t.max(1))
}

fn text_key(key: &[u8]) -> Result<&str> {
    std::str::from_utf8(key).map_err(|_| anyhow!("memcached keys must be text"))
}

pub struct MemcachedStore {
    nodes: Vec<LazyPool<NodeConnector>>,
    ring: Ring,
    /// Left out of a key when hashing it to its node.
    prefix_len: usize,
    replicas: usize,
    label: String,
    timeouts: Timeouts,
}

impl MemcachedStore {
    pub fn new(cfg: &MemcachedConfig) -> Result<Self> {
        let mut nodes = Vec::with_capacity(cfg.nodes.len());
        for node in &cfg.nodes {
            let connector = NodeConnector {
                url: node_url(&node.address, cfg.read_timeout)?,
                connect_timeout: cfg.connect_timeout,
                threads: crate::fork_guard::thread_pool("rsession-memcached"),
            };
            let threads = connector.threads.clone();
            let label = format!("memcached {}", node.address);
            nodes.push(
                LazyPool::new(connector, label, threads).with_retry_interval(cfg.retry_interval),
            );
        }
        let ring_nodes: Vec<ketama::Node> = cfg
            .nodes
            .iter()
            .map(|n| match &n.address {
                Address::Tcp { host, port } => ketama::Node {
                    host: host.clone(),
                    port: *port,
                    weight: n.weight,
                },
                Address::Unix(path) => ketama::Node {
                    host: path.display().to_string(),
                    port: 0,
                    weight: n.weight,
                },
            })
            .collect();
        let names: Vec<String> = cfg.nodes.iter().map(|n| n.address.to_string()).collect();
        Ok(MemcachedStore {
            nodes,
            ring: Ring::new(&ring_nodes, cfg.distribution),
            prefix_len: cfg.prefix.len(),
            replicas: cfg.replicas,
            label: format!("memcached {}", names.join(",")),
            timeouts: Timeouts {
                connect: cfg.connect_timeout,
                read: cfg.read_timeout,
            },
        })
    }

    /// The nodes that hold `key`: its primary, then its replicas. The ring hashes the session
    /// id alone, as php-memcached's handler does.
    fn route(&self, key: &[u8]) -> Vec<usize> {
        let id = key.get(self.prefix_len..).unwrap_or(key);
        self.ring.with_replicas(id, self.replicas)
    }

    /// The node that holds the session's lock: the first of its nodes not marked down.
    fn lock_node(&self, key: &[u8]) -> usize {
        let route = self.route(key);
        route
            .iter()
            .copied()
            .find(|&i| !self.nodes[i].is_down())
            .unwrap_or(route[0])
    }

    /// Runs `f` on every node of the route: succeeds when one node did, returns the values.
    fn on_all<T>(
        &self,
        key: &[u8],
        op: &str,
        f: impl Fn(&mut Client, &str) -> Result<T, MemcacheError>,
    ) -> Result<Vec<T>> {
        let text = text_key(key)?;
        let mut done = Vec::new();
        let mut first_error = None;
        for i in self.route(key) {
            match self.nodes[i].run(op, &self.timeouts, |c| f(c, text)) {
                Ok(v) => done.push(v),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        match (done.is_empty(), first_error) {
            (true, Some(e)) => Err(e),
            _ => Ok(done),
        }
    }

    /// Releases `lock` if it is still ours, atomically: a `cas` against the version seen when it
    /// was taken, to an expiry already past (an absolute time in 1970), which removes it.
    fn unlock(&self, key: &[u8], lock: &Lock) -> Result<bool> {
        let lock_key = text_key(&lock.key)?;
        let Some(version) = seen(lock).lock else {
            return Ok(false);
        };
        self.nodes[self.lock_node(key)].run("release lock", &self.timeouts, |c| {
            c.cas(lock_key, "", EXPIRED, version)
        })
    }
}

/// An absolute expiry (over 30 days counts as a Unix time) already past: the item goes at once.
const EXPIRED: u32 = MAX_RELATIVE_EXPIRY as u32 + 1;

fn seen(lock: &Lock) -> Seen {
    *lock.seen.lock().unwrap_or_else(|p| p.into_inner())
}

/// A value with its flags and CAS version, as `gets` returns it.
type Versioned = (Vec<u8>, u32, Option<u64>);

impl Store for MemcachedStore {
    fn check_key(&self, key: &[u8]) -> Result<()> {
        if key.len() > MAX_KEY_LEN {
            bail!(
                "{}: key of {} bytes: prefix + session id must fit memcached's {MAX_KEY_LEN}-byte limit",
                self.label,
                key.len()
            );
        }
        Ok(())
    }

    /// The primary's copy; a replica's when the primary fails or lost it (e.g. restarted).
    fn get(&self, key: &[u8], refresh: Option<Ttl>) -> Result<Option<Vec<u8>>> {
        let text = text_key(key)?;
        let mut first_error = None;
        let mut answered = false;
        for i in self.route(key) {
            match self.nodes[i].run("get", &self.timeouts, |c| c.get::<Vec<u8>>(text)) {
                Ok(Some(value)) => {
                    if let Some(ttl) = refresh {
                        self.touch(key, ttl)?;
                    }
                    return Ok(Some(value));
                }
                Ok(None) => answered = true,
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        match (answered, first_error) {
            (false, Some(e)) => Err(e),
            _ => Ok(None),
        }
    }

    fn set(&self, key: &[u8], value: &[u8], ttl: Ttl) -> Result<()> {
        let exptime = exptime(ttl)?;
        self.on_all(key, "set", |c, k| c.set(k, value, exptime))
            .map(drop)
    }

    fn touch(&self, key: &[u8], ttl: Ttl) -> Result<bool> {
        let exptime = exptime(ttl)?;
        Ok(self
            .on_all(key, "touch", |c, k| c.touch(k, exptime))?
            .contains(&true))
    }

    fn exists(&self, key: &[u8]) -> Result<bool> {
        Ok(self.get(key, None)?.is_some())
    }

    fn delete(&self, key: &[u8]) -> Result<()> {
        self.on_all(key, "delete", |c, k| c.delete(k)).map(drop)
    }

    fn label(&self) -> &str {
        &self.label
    }

    /// `add` of the lock, then one `gets` of the lock and the data with their CAS versions: 2
    /// round trips. Who holds the lock is read back rather than taken from `add`'s answer, which
    /// this client's text protocol reports as success even when the lock already exists.
    fn lock_get(
        &self,
        key: &[u8],
        lock: &Lock,
        refresh: Option<Ttl>,
    ) -> Result<(bool, Option<Vec<u8>>)> {
        let (lock_key, data_key) = (text_key(&lock.key)?, text_key(key)?);
        let expire = lock_exptime(lock)?;
        let node = &self.nodes[self.lock_node(key)];
        node.run("add lock", &self.timeouts, |c| {
            c.add(lock_key, lock.token.as_str(), expire)
        })?;
        let mut found: HashMap<String, Versioned> =
            node.run("get", &self.timeouts, |c| c.gets(&[lock_key, data_key]))?;
        let holder = found.remove(lock_key);
        let taken = holder
            .as_ref()
            .is_some_and(|(token, _, _)| token.as_slice() == lock.token.as_bytes());
        let data = found.remove(data_key);
        if taken {
            let mut seen = lock.seen.lock().unwrap_or_else(|p| p.into_inner());
            *seen = Seen {
                lock: holder.and_then(|h| h.2),
                data: data.as_ref().and_then(|d| d.2),
            };
        }
        let value = match data {
            Some((value, _, _)) => Ok(Some(value)),
            // Missing on the lock's node: a replica may still have it (e.g. after a restart).
            None if self.replicas > 0 => self.get(key, None),
            None => Ok(None),
        };
        let value = value.and_then(|value| {
            if let (Some(ttl), Some(_)) = (refresh, &value) {
                self.touch(key, ttl)?;
            }
            Ok(value)
        });
        match value {
            Ok(value) => Ok((taken, value)),
            Err(e) => {
                if taken {
                    let _ = self.unlock(key, lock);
                }
                Err(e)
            }
        }
    }

    /// A `cas` against the version read under the lock (a plain `set` for a new session), then
    /// the release: 2 round trips, plus one per replica. The `cas` fails if anyone wrote since
    /// our read, e.g. a request that took our lock after it expired: its data is kept.
    fn set_unlock(&self, key: &[u8], value: &[u8], ttl: Ttl, lock: &Lock) -> Result<Unlocked> {
        let data_key = text_key(key)?;
        let exptime = exptime(ttl)?;
        let Some(version) = seen(lock).data else {
            // A new session (or one read from a replica): the lock is the guard.
            self.set(key, value, ttl)?;
            return Ok(match self.unlock(key, lock)? {
                true => Unlocked::Done,
                false => Unlocked::LockLost,
            });
        };
        let lock_node = self.lock_node(key);
        if !self.nodes[lock_node].run("cas", &self.timeouts, |c| {
            c.cas(data_key, value, exptime, version)
        })? {
            return Ok(Unlocked::LockLost);
        }
        for i in self.route(key).into_iter().filter(|&i| i != lock_node) {
            // A replica that fails only loses a copy: the write itself is done.
            let _ = self.nodes[i].run("set", &self.timeouts, |c| c.set(data_key, value, exptime));
        }
        self.unlock(key, lock)?;
        Ok(Unlocked::Done)
    }

    /// Unchanged data: `touch` it (when `ttl` is given) and release the lock.
    fn touch_unlock(&self, key: &[u8], ttl: Option<Ttl>, lock: &Lock) -> Result<Unlocked> {
        let found = match ttl {
            Some(ttl) => self.touch(key, ttl)?,
            None => true,
        };
        Ok(match (self.unlock(key, lock)?, found) {
            (false, _) => Unlocked::LockLost,
            (true, true) => Unlocked::Done,
            (true, false) => Unlocked::ValueMissing,
        })
    }

    fn delete_unlock(&self, key: &[u8], lock: &Lock) -> Result<()> {
        self.delete(key)?;
        self.unlock(key, lock).map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_over_30_days_is_absolute() {
        assert_eq!(exptime(1440).unwrap(), 1440);
        assert_eq!(exptime(MAX_RELATIVE_EXPIRY).unwrap(), 2_592_000);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let abs = u64::from(exptime(MAX_RELATIVE_EXPIRY + 1).unwrap());
        assert!(
            abs >= now + MAX_RELATIVE_EXPIRY && abs <= now + MAX_RELATIVE_EXPIRY + 5,
            "{abs}"
        );
        assert!(exptime(u64::MAX / 2).is_err());
    }

    #[test]
    fn lock_expiry_rounds_up_to_whole_seconds() {
        let lock = |ms| Lock::new(b"k", Duration::from_millis(ms)).unwrap();
        assert_eq!(lock_exptime(&lock(400)).unwrap(), 1);
        assert_eq!(lock_exptime(&lock(1000)).unwrap(), 1);
        assert_eq!(lock_exptime(&lock(1001)).unwrap(), 2);
    }
}
