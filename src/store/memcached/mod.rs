//! memcached over one or many nodes: consistent hashing like php-memcached (libmemcached's
//! ketama), optional replicas on the next nodes of the ring, failed nodes skipped for
//! `retry_interval`. The protocol itself (text commands, pipelined) is in `wire`.
//!
//! Each node has a lazy pool of connections, opened in the request's own thread on first use,
//! with no round trip on checkout. A failed connect, an I/O error, a timeout or a reply out of
//! step discards the connection (a late reply must never be read as another command's) and
//! marks the node down. A `SERVER_ERROR` reply (value too large, out of memory) is the server
//! refusing one command on a healthy connection: the connection and the node stay in service.
//!
//! The lock is php-memcached's own item, `<prefix>lock.<id>`, placed where php-memcached places
//! it (by the hash of `lock.<id>`), so the two handlers wait for each other during a switch.
//! php-memcached stores `1` in it and deletes it unchecked; rsession stores a random token and
//! removes it only by its CAS version, so it never removes another request's lock.
//! With `lock_node=data` the same item sits on the session's own node instead: 2 round trips
//! always, for fleets that no longer run php-memcached.
//!
//! Locking costs 2 round trips per request when the lock and the data share their node (always
//! with one node), each one batch:
//! 1. open: `add` the lock with our random token (expiring), and `gets` the lock and the data
//!    with their CAS versions. The lock is ours when it holds our token, also when a retry
//!    after a dropped connection finds the lock its first attempt took.
//! 2. close: write the data with a `cas` against the version read under the lock, or with an
//!    `add` for a session that did not exist, so a newer write by anyone is never overwritten,
//!    even when our lock expired meanwhile; and release the lock with a `cas` against the
//!    lock's own version to an expiry already past, which removes it only if it is still ours.
//!    Unchanged data: `touch` and the release.
//!
//! When they are on two nodes, each step is two round trips, one after the other: the data is
//! read once the lock is ours (so it holds every write made under the lock before), and the
//! lock is released once the data is written (so the next holder reads it).
//!
//! Without locking: `get`, then `set` or `touch`. Each replica adds one round trip per write.

mod janitor;
mod wire;

use std::{
    cell::{Cell, RefCell},
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use anyhow::{anyhow, bail, Result};
use scheduled_thread_pool::ScheduledThreadPool;

use self::wire::{Conn, Item, Reply, WireError};
use super::{
    ketama::{self, Ring, Route},
    pool::{AfterError, Connector, LazyPool, Timeouts},
    Store, Ttl, Unlocked,
};
use crate::{
    config::{Address, Credentials, LockNode, MemcachedConfig},
    lock::{Lock, Seen},
};

/// memcached reads an expiry over 30 days as a Unix timestamp.
const MAX_RELATIVE_EXPIRY: Ttl = 30 * 24 * 3600;
/// memcached's key length limit.
pub const MAX_KEY_LEN: usize = 250;
/// An absolute expiry (over 30 days counts as a Unix time) already past: the item goes at once.
const EXPIRED: u32 = MAX_RELATIVE_EXPIRY as u32 + 1;
/// Between the prefix and the session id in a lock's key, as php-memcached names it.
pub const LOCK_INFIX: &[u8] = b"lock.";

/// The connections to one memcached node: shared by every store that lists the node (with the
/// same retry_interval and user), whatever its prefix and timeouts.
pub type NodePool = LazyPool<NodeConnector>;

pub struct NodeConnector {
    address: Address,
    /// For memcached's ASCII authentication, on each new connection.
    credentials: Option<Credentials>,
}

/// The pool for the node at `address`, which is left alone for `retry_interval` after it fails.
pub fn node_pool(
    address: &Address,
    retry_interval: Duration,
    credentials: Option<&Credentials>,
    threads: Arc<ScheduledThreadPool>,
) -> Arc<NodePool> {
    let connector = NodeConnector {
        address: address.clone(),
        credentials: credentials.cloned(),
    };
    let label = format!("memcached {address}");
    Arc::new(LazyPool::new(connector, label, threads).with_retry_interval(retry_interval))
}

impl Connector for NodeConnector {
    type Conn = Conn;
    type Error = WireError;

    fn connect(&self, timeouts: &Timeouts) -> Result<Conn, WireError> {
        let mut conn = Conn::connect(&self.address, timeouts.connect, timeouts.read)?;
        if let Some((user, password)) = &self.credentials {
            conn.authenticate(user, password)?;
        }
        Ok(conn)
    }

    fn retime(&self, conn: &mut Conn, timeouts: &Timeouts) -> Result<(), WireError> {
        conn.set_read_timeout(timeouts.read);
        Ok(())
    }

    fn after_error(&self, e: &WireError) -> AfterError {
        match e {
            WireError::Io(io) if dropped(io.kind()) => AfterError::Reconnect,
            _ => AfterError::Discard,
        }
    }

    fn is_timeout(&self, e: &WireError) -> bool {
        matches!(e, WireError::Timeout { .. })
            || matches!(e, WireError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut)
    }
}

fn dropped(kind: std::io::ErrorKind) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        kind,
        BrokenPipe | ConnectionReset | ConnectionAborted | UnexpectedEof | NotConnected
    )
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

/// memcached's clock ticks once a second, and an item goes when the clock reaches its expiry: an
/// expiry of n seconds lasts between n - 1 and n (measured: a 1-second item lived 5 ms to 0.9 s).
/// A lock must never go early, so it gets its expiry rounded up to whole seconds, plus one tick.
fn lock_exptime(lock: &Lock) -> Result<u32> {
    exptime(lock.expire.as_secs() + u64::from(lock.expire.subsec_nanos() > 0) + 1)
}

fn seen(lock: &Lock) -> Seen {
    *lock.seen.lock().unwrap_or_else(|p| p.into_inner())
}

fn unexpected(reply: &Reply, op: &str) -> WireError {
    WireError::Protocol(format!("unexpected reply {reply:?} to {op}"))
}

/// Where the lock and the data were when the lock was taken, and their versions then.
struct HeldAt {
    lock_node: usize,
    lock_version: u64,
    data_node: usize,
    /// None: the session did not exist.
    data_version: Option<u64>,
}

impl HeldAt {
    fn of(lock: &Lock) -> Option<HeldAt> {
        let seen = seen(lock);
        Some(HeldAt {
            lock_node: seen.node?,
            lock_version: seen.lock?,
            data_node: seen.data_node?,
            data_version: seen.data,
        })
    }

    /// Whether one batch can both write the data and release the lock.
    fn together(&self) -> bool {
        self.lock_node == self.data_node
    }
}

/// A write the server refused on a healthy connection (`SERVER_ERROR`, or `NOT_STORED` to a
/// plain `set`), with memcached's item size limit when the value was too large.
struct Refused {
    reply: String,
    item_size_max: Option<u64>,
}

/// What a refused write left of the session's stored data.
#[derive(Clone, Copy)]
enum Left {
    /// `cas` and `add`: the stored item is untouched.
    Kept,
    /// A plain `set`: memcached removes the stored item when it cannot store the new one.
    Dropped,
}

/// Turns a refusal into its explanation; for a value too large, also asks the server for its
/// item size limit (`stats settings`), on this one rare path.
fn refusal(c: &mut Conn, reply: String) -> Result<Refused, WireError> {
    let item_size_max = match reply.contains("too large") {
        false => None,
        true => {
            c.stats_settings();
            c.send()?;
            c.stats()?
                .into_iter()
                .find(|(name, _)| name == "item_size_max")
                .and_then(|(_, value)| value.parse().ok())
        }
    };
    Ok(Refused {
        reply,
        item_size_max,
    })
}

/// How a locked write of the data ended.
enum Written {
    Stored,
    /// Not stored: the item's version (or existence) changed since it was read.
    Changed,
    /// `cas` found no item at all: it expired or was removed since it was read.
    Gone,
    Refused(Refused),
}

fn written(c: &mut Conn, reply: Reply, op: &str) -> Result<Written, WireError> {
    Ok(match reply {
        Reply::Stored => Written::Stored,
        Reply::Exists | Reply::NotStored => Written::Changed,
        Reply::NotFound => Written::Gone,
        Reply::ServerError(e) => Written::Refused(refusal(c, e)?),
        other => return Err(unexpected(&other, op)),
    })
}

/// Whether the stored value is exactly `value`: a write of ours that landed before its reply
/// was lost (the retry finds its own write), or the same bytes written by someone else.
fn holds(c: &mut Conn, key: &[u8], value: &[u8]) -> Result<bool, WireError> {
    c.get(key);
    c.send()?;
    Ok(c.values()?.first().is_some_and(|item| item.data == value))
}

/// What the owner-checked release of a lock found.
fn released(reply: Reply) -> Result<bool, WireError> {
    match reply {
        Reply::Stored => Ok(true),
        // Someone else's lock now, or expired and gone: not ours to release.
        Reply::Exists | Reply::NotFound => Ok(false),
        // Out of memory for the (empty) release: the lock stays until it expires.
        Reply::ServerError(_) => Ok(false),
        other => Err(unexpected(&other, "the lock release")),
    }
}

/// Appends the owner-checked release of a lock: a `cas` against the version it had when we
/// took it, to an expiry already past, which removes it. A lock that expired and was taken by
/// another request has another version: it stays.
fn release(c: &mut Conn, lock_key: &[u8], version: u64) {
    c.cas(lock_key, b"", EXPIRED, version);
}

pub struct MemcachedStore {
    nodes: Vec<Arc<NodePool>>,
    timeouts: Timeouts,
    ring: Ring,
    /// Left out of a key when hashing it to its node.
    prefix_len: usize,
    replicas: usize,
    /// Locks on the data's node instead of php-memcached's (`lock_node=data`).
    lock_with_data: bool,
    label: String,
}

impl MemcachedStore {
    /// `pool_for` gives each node's pool (see [`node_pool`]), which the registry shares between
    /// stores.
    pub fn new(
        cfg: &MemcachedConfig,
        mut pool_for: impl FnMut(&Address, Duration, Option<&Credentials>) -> Arc<NodePool>,
    ) -> Result<Self> {
        let nodes = cfg
            .nodes
            .iter()
            .map(|node| pool_for(&node.address, cfg.retry_interval, cfg.credentials.as_ref()))
            .collect();
        let ring_nodes: Vec<ketama::Node> = cfg
            .nodes
            .iter()
            .map(|n| match &n.address {
                // libmemcached names an IPv6 node as written, in brackets.
                Address::Tcp { host, port } if host.contains(':') => ketama::Node {
                    host: format!("[{host}]"),
                    port: *port,
                    weight: n.weight,
                },
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
            timeouts: Timeouts {
                connect: cfg.connect_timeout,
                read: cfg.read_timeout,
            },
            ring: Ring::new(&ring_nodes, cfg.distribution),
            prefix_len: cfg.prefix.len(),
            replicas: cfg.replicas,
            lock_with_data: cfg.lock_node == LockNode::Data,
            label: format!("memcached {}", names.join(",")),
        })
    }

    /// The nodes that hold `key`: its primary, then its replicas. The ring hashes the session
    /// id alone, as php-memcached's handler does.
    fn route(&self, key: &[u8]) -> Route {
        let id = key.get(self.prefix_len..).unwrap_or(key);
        self.ring.with_replicas(id, self.replicas)
    }

    /// The nodes of `key` other than `node`: where the copies of what `node` holds go.
    fn copies(&self, key: &[u8], node: usize) -> Vec<usize> {
        let route = self.route(key);
        route.iter().copied().filter(|&i| i != node).collect()
    }

    /// The first node of `route` not marked down (the first one if all are): the one that
    /// holds a key's lock, or is written first.
    fn first_live(&self, route: &[usize]) -> usize {
        route
            .iter()
            .copied()
            .find(|&i| !self.nodes[i].is_down())
            .unwrap_or(route[0])
    }

    /// The start of the session id in `key`, enough to find it in logs.
    fn short_id(&self, key: &[u8]) -> String {
        let id = key.get(self.prefix_len..).unwrap_or(key);
        String::from_utf8_lossy(&id[..id.len().min(8)]).into_owned()
    }

    /// The warning for a write `node` refused.
    fn refused(
        &self,
        node: usize,
        key: &[u8],
        len: usize,
        r: Refused,
        left: Left,
    ) -> anyhow::Error {
        let why = match r.item_size_max {
            Some(limit) => format!(
                "its {len} bytes of data are over memcached's item size limit of {limit} bytes \
                 (memcached -I; the limit also counts the key and about 50 bytes of item header)"
            ),
            None => format!("memcached refused it ({})", r.reply),
        };
        let left = match left {
            Left::Kept => "the data stored before is kept",
            Left::Dropped => {
                "memcached removed the copy stored before, as it does when it refuses a set"
            }
        };
        anyhow::Error::new(super::Refused(format!(
            "{}: session {}…: not saved: {why}; {left}",
            self.nodes[node].label(),
            self.short_id(key)
        )))
    }

    /// Runs `f` on each node of `key`'s route, one after the other. Succeeds when one node
    /// did; returns what each node that succeeded gave, with its index.
    fn on_route<T>(
        &self,
        key: &[u8],
        op: &str,
        f: impl Fn(&mut Conn) -> Result<T, WireError>,
    ) -> Result<Vec<(usize, T)>> {
        self.on_nodes(&self.route(key), op, f)
    }

    fn on_nodes<T>(
        &self,
        nodes: &[usize],
        op: &str,
        f: impl Fn(&mut Conn) -> Result<T, WireError>,
    ) -> Result<Vec<(usize, T)>> {
        let mut done = Vec::new();
        let mut first_error = None;
        for &i in nodes {
            match self.nodes[i].run(op, &self.timeouts, &f) {
                Ok(v) => done.push((i, v)),
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

    /// The first copy found on `nodes`, in order (a replica's when the primary fails or lost
    /// it, e.g. after a restart); with `refresh`, its expiry is reset in the same round trip
    /// on the node that has it, and on the others after.
    fn get_from(
        &self,
        key: &[u8],
        nodes: &[usize],
        refresh: Option<u32>,
    ) -> Result<Option<Vec<u8>>> {
        let mut first_error = None;
        let mut answered = false;
        for (n, &i) in nodes.iter().enumerate() {
            let found = self.nodes[i].run("get", &self.timeouts, |c| {
                c.get(key);
                if let Some(exptime) = refresh {
                    c.touch(key, exptime);
                }
                c.send()?;
                let value = c.values()?.into_iter().next().map(|item| item.data);
                if refresh.is_some() {
                    c.reply()?;
                }
                Ok(value)
            });
            match found {
                Ok(Some(value)) => {
                    if let Some(exptime) = refresh {
                        self.touch_copies(key, &nodes[n + 1..], exptime);
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

    /// Best effort on replicas: a replica that fails only loses a copy.
    fn touch_copies(&self, key: &[u8], nodes: &[usize], exptime: u32) {
        for &i in nodes {
            let _ = self.nodes[i].run("touch", &self.timeouts, |c| {
                c.touch(key, exptime);
                c.send()?;
                c.reply()
            });
        }
    }

    fn set_copies(&self, key: &[u8], value: &[u8], nodes: &[usize], exptime: u32) {
        for &i in nodes {
            let _ = self.nodes[i].run("set", &self.timeouts, |c| {
                c.set(key, value, exptime);
                c.send()?;
                c.reply()
            });
        }
    }

    /// Releases the lock on its own (after the data and its copies were written): true if it
    /// was ours.
    fn release_alone(&self, lock: &Lock, at: &HeldAt) -> Result<bool> {
        self.nodes[at.lock_node].run("release lock", &self.timeouts, |c| {
            release(c, &lock.key, at.lock_version);
            c.send()?;
            released(c.reply()?)
        })
    }

    /// `release_alone` after a write that is done: a failure must not turn the saved write into
    /// a failed one, so the janitor retries the release; meanwhile the lock counts as not ours.
    fn release_after_write(&self, lock: &Lock, at: &HeldAt) -> bool {
        self.release_alone(lock, at).unwrap_or_else(|_| {
            janitor::release_version_later(
                self.nodes[at.lock_node].clone(),
                self.timeouts,
                lock.key.clone(),
                at.lock_version,
                lock.expire,
            );
            false
        })
    }

    /// The data and its version on `node`, read with `gets` (and refreshed with `refresh`).
    fn gets_on(&self, node: usize, key: &[u8], refresh: Option<u32>) -> Result<Option<Item>> {
        self.nodes[node].run("get", &self.timeouts, |c| {
            c.gets(&[key]);
            if let Some(exptime) = refresh {
                c.touch(key, exptime);
            }
            c.send()?;
            let item = c.values()?.into_iter().next();
            if refresh.is_some() {
                c.reply()?;
            }
            Ok(item)
        })
    }
}

impl Store for MemcachedStore {
    fn check_key(&self, key: &[u8]) -> Result<()> {
        if key.len() > MAX_KEY_LEN {
            bail!(
                "{}: key of {} bytes: prefix + session id must fit memcached's {MAX_KEY_LEN}-byte limit",
                self.label,
                key.len()
            );
        }
        // Checked before already (session id alphabet, prefix rules); here because a space or a
        // line break in a key would let it inject commands into the text protocol.
        if let Some(bad) = key.iter().find(|&&b| b <= b' ' || b == 0x7f) {
            bail!(
                "{}: key contains byte {bad:#04x}; memcached keys cannot hold spaces or control characters",
                self.label
            );
        }
        Ok(())
    }

    fn get(&self, key: &[u8], refresh: Option<Ttl>) -> Result<Option<Vec<u8>>> {
        let refresh = refresh.map(exptime).transpose()?;
        self.get_from(key, &self.route(key), refresh)
    }

    fn set(&self, key: &[u8], value: &[u8], ttl: Ttl) -> Result<()> {
        let exptime = exptime(ttl)?;
        let results = self.on_route(key, "set", |c| {
            c.set(key, value, exptime);
            c.send()?;
            match c.reply()? {
                Reply::Stored => Ok(None),
                Reply::ServerError(e) => Ok(Some(refusal(c, e)?)),
                Reply::NotStored => Ok(Some(Refused {
                    reply: "NOT_STORED".into(),
                    item_size_max: None,
                })),
                other => Err(unexpected(&other, "set")),
            }
        })?;
        // Stored if one node stored it; refused (by every node that answered) otherwise.
        if results.iter().any(|(_, refused)| refused.is_none()) {
            return Ok(());
        }
        match results.into_iter().next() {
            Some((node, Some(r))) => Err(self.refused(node, key, value.len(), r, Left::Dropped)),
            _ => Ok(()),
        }
    }

    fn touch(&self, key: &[u8], ttl: Ttl) -> Result<bool> {
        let exptime = exptime(ttl)?;
        let results = self.on_route(key, "touch", |c| {
            c.touch(key, exptime);
            c.send()?;
            match c.reply()? {
                Reply::Touched => Ok(true),
                Reply::NotFound | Reply::ServerError(_) => Ok(false),
                other => Err(unexpected(&other, "touch")),
            }
        })?;
        Ok(results.iter().any(|(_, touched)| *touched))
    }

    fn exists(&self, key: &[u8]) -> Result<bool> {
        Ok(self.get(key, None)?.is_some())
    }

    fn delete(&self, key: &[u8]) -> Result<()> {
        self.on_route(key, "delete", |c| {
            c.delete(key);
            c.send()?;
            match c.reply()? {
                Reply::Deleted | Reply::NotFound => Ok(()),
                other => Err(unexpected(&other, "delete")),
            }
        })
        .map(drop)
    }

    fn label(&self) -> &str {
        &self.label
    }

    /// php-memcached's `<prefix>lock.<id>`; routed, like every key, by what follows the prefix.
    fn lock_key(&self, key: &[u8]) -> Vec<u8> {
        let (prefix, id) = key.split_at(self.prefix_len.min(key.len()));
        [prefix, LOCK_INFIX, id].concat()
    }

    /// One round trip when the lock and the data share their node: `add` of the lock, `gets` of
    /// the lock and the data (and, with `refresh`, a `touch` of the data), in one batch. On two
    /// nodes, the data is read once the lock's batch has answered.
    fn lock_get(
        &self,
        key: &[u8],
        lock: &Lock,
        refresh: Option<Ttl>,
    ) -> Result<(bool, Option<Vec<u8>>)> {
        if lock.key.len() > MAX_KEY_LEN {
            bail!(
                "{}: lock key of {} bytes: prefix + \"lock.\" + session id must fit memcached's {MAX_KEY_LEN}-byte limit",
                self.label,
                lock.key.len()
            );
        }
        let expire = lock_exptime(lock)?;
        let refresh = refresh.map(exptime).transpose()?;
        let route = self.route(key);
        let data_node = self.first_live(&route);
        let lock_node = match self.lock_with_data {
            true => data_node,
            false => self.first_live(&self.route(&lock.key)),
        };
        let together = lock_node == data_node;
        // What a failed batch leaves behind, for the janitor: its `add` may yet take the lock.
        let abandoned = RefCell::new(None);
        let batch = self.nodes[lock_node].run("lock+get", &self.timeouts, |c| {
            let mut added = None;
            let result = (|| {
                c.add(&lock.key, lock.token.as_bytes(), expire);
                match together {
                    true => c.gets(&[&lock.key, key]),
                    false => c.gets(&[&lock.key]),
                }
                if let (true, Some(exptime)) = (together, refresh) {
                    c.touch(key, exptime);
                }
                c.send()?;
                let reply = c.reply()?;
                added = Some(reply.clone());
                let items = c.values()?;
                if together && refresh.is_some() {
                    c.reply()?;
                }
                Ok((reply, items))
            })();
            if result.is_err() {
                *abandoned.borrow_mut() = Some(janitor::Abandoned {
                    conn: match added {
                        None => c.detach(lock.expire).ok(),
                        Some(_) => None,
                    },
                    added,
                    lock_key: lock.key.clone(),
                    token: lock.token.as_bytes().to_vec(),
                });
            }
            result
        });
        let (added, items): (Reply, Vec<Item>) = match batch {
            Ok(replies) => replies,
            Err(e) => {
                if let Some(abandoned) = abandoned.into_inner() {
                    janitor::release_later(abandoned, self.nodes[lock_node].clone(), self.timeouts);
                }
                return Err(e);
            }
        };
        if let Reply::ServerError(e) = &added {
            bail!(
                "{}: session {}…: cannot take its lock: memcached refused it ({e})",
                self.nodes[lock_node].label(),
                self.short_id(key)
            );
        }
        let mut holder = None;
        let mut data = None;
        for item in items {
            // The lock was asked for first, the data second.
            match item.index {
                0 => holder = Some(item),
                _ => data = Some(item),
            }
        }
        // Ours if it holds our token: also when this is a retry whose first `add` landed.
        let taken = holder.filter(|h| h.data == lock.token.as_bytes());
        if let Some(holder) = &taken {
            // Noted before the data is read: if that read fails, the release still knows where
            // and which the lock is.
            *lock.seen.lock().unwrap_or_else(|p| p.into_inner()) = Seen {
                lock: holder.cas,
                data: None,
                node: Some(lock_node),
                data_node: Some(data_node),
            };
        }
        let taken = taken.is_some();
        if !together {
            data = self.gets_on(data_node, key, refresh)?;
        }
        if taken {
            lock.seen.lock().unwrap_or_else(|p| p.into_inner()).data =
                data.as_ref().and_then(|d| d.cas);
        }
        let others: Vec<usize> = route.iter().copied().filter(|&i| i != data_node).collect();
        let value = match data {
            Some(item) => {
                if let Some(exptime) = refresh {
                    self.touch_copies(key, &others, exptime);
                }
                Some(item.data)
            }
            // Missing on its first node: a replica may still have it (e.g. after a restart).
            // The write will then `add` it there.
            None if !others.is_empty() => self.get_from(key, &others, refresh).unwrap_or(None),
            None => None,
        };
        Ok((taken, value))
    }

    /// One round trip when the lock and the data share their node and there are no replicas:
    /// the conditional write and the release in one batch. Otherwise the data and its copies
    /// are written first and the lock released after, so that the next holder reads them and a
    /// later request's copies never lose to ours.
    fn set_unlock(&self, key: &[u8], value: &[u8], ttl: Ttl, lock: &Lock) -> Result<Unlocked> {
        let Some(at) = HeldAt::of(lock) else {
            return Ok(Unlocked::LockLost);
        };
        let node = at.data_node;
        let exptime = exptime(ttl)?;
        let copies = self.copies(key, node);
        let release_now = copies.is_empty() && at.together();
        // Equal bytes stored mean our write landed only on a retry, after the first try's reply
        // was lost; on a first try they are another writer's (two requests that both turned
        // n into n+1), and taking them for ours would report a lost update as saved.
        let tries = Cell::new(0);
        let (outcome, ours) = self.nodes[node].run("write+unlock", &self.timeouts, |c| {
            tries.set(tries.get() + 1);
            match at.data_version {
                Some(version) => c.cas(key, value, exptime, version),
                // A session that did not exist when we locked it: a newer new session written
                // by someone else meanwhile stays.
                None => c.add(key, value, exptime),
            }
            if release_now {
                release(c, &lock.key, at.lock_version);
            }
            c.send()?;
            let write = c.reply()?;
            let ours = match release_now {
                true => Some(released(c.reply()?)?),
                false => None,
            };
            let mut outcome = written(c, write, "the data write")?;
            if let Written::Changed = outcome {
                if tries.get() > 1 && holds(c, key, value)? {
                    outcome = Written::Stored;
                }
            }
            Ok((outcome, ours))
        })?;
        // The lock is ours if its release found it so, or (released on its own) if the data
        // write succeeded.
        let ours = match (ours, &outcome) {
            (Some(ours), _) => ours,
            (None, written) => {
                if let Written::Stored = written {
                    self.set_copies(key, value, &copies, exptime);
                }
                self.release_after_write(lock, &at)
            }
        };
        match outcome {
            Written::Stored => Ok(Unlocked::Done),
            Written::Refused(r) => Err(self.refused(node, key, value.len(), r, Left::Kept)),
            Written::Changed | Written::Gone if !ours => Ok(Unlocked::LockLost),
            // The lock stayed ours throughout, yet the item vanished: it expired or was
            // evicted (or removed by a writer that takes no lock) while we held it. Put it
            // back, unless someone created it in the meantime.
            Written::Gone => {
                let tries = Cell::new(0);
                let stored = self.nodes[node].run("add", &self.timeouts, |c| {
                    tries.set(tries.get() + 1);
                    c.add(key, value, exptime);
                    c.send()?;
                    let reply = c.reply()?;
                    Ok(reply == Reply::Stored || (tries.get() > 1 && holds(c, key, value)?))
                })?;
                if stored {
                    self.set_copies(key, value, &copies, exptime);
                    return Ok(Unlocked::Done);
                }
                Err(self.changed_meanwhile(node, key))
            }
            Written::Changed => Err(self.changed_meanwhile(node, key)),
        }
    }

    /// One round trip when the lock and the data share their node: `touch` (when `ttl` is
    /// given) and the release; otherwise the `touch`, then the release.
    fn touch_unlock(&self, key: &[u8], ttl: Option<Ttl>, lock: &Lock) -> Result<Unlocked> {
        let Some(at) = HeldAt::of(lock) else {
            return Ok(Unlocked::LockLost);
        };
        let exptime = ttl.map(exptime).transpose()?;
        let release_now = at.together();
        let nothing_here = exptime.is_none() && !release_now;
        let (found, ours) = match nothing_here {
            true => (true, None),
            false => self.nodes[at.data_node].run("touch+unlock", &self.timeouts, |c| {
                if let Some(exptime) = exptime {
                    c.touch(key, exptime);
                }
                if release_now {
                    release(c, &lock.key, at.lock_version);
                }
                c.send()?;
                let found = match exptime {
                    Some(_) => match c.reply()? {
                        Reply::Touched => true,
                        Reply::NotFound | Reply::ServerError(_) => false,
                        other => return Err(unexpected(&other, "touch")),
                    },
                    None => true,
                };
                let ours = match release_now {
                    true => Some(released(c.reply()?)?),
                    false => None,
                };
                Ok((found, ours))
            })?,
        };
        let ours = match ours {
            Some(ours) => ours,
            // A failure here leaves the lock to the caller, which retries the release.
            None => self.release_alone(lock, &at)?,
        };
        if let Some(exptime) = exptime {
            let copies = self.copies(key, at.data_node);
            self.touch_copies(key, &copies, exptime);
        }
        Ok(match (ours, found) {
            (false, _) => Unlocked::LockLost,
            (true, true) => Unlocked::Done,
            (true, false) => Unlocked::ValueMissing,
        })
    }

    /// The copies first, then the data, then the lock (in one batch when they share their
    /// node): a reader never finds a replica's copy of a destroyed session once its lock is free.
    fn delete_unlock(&self, key: &[u8], lock: &Lock) -> Result<()> {
        let Some(at) = HeldAt::of(lock) else {
            return self.delete(key);
        };
        let copies = self.copies(key, at.data_node);
        for &i in &copies {
            let _ = self.nodes[i].run("delete", &self.timeouts, |c| {
                c.delete(key);
                c.send()?;
                c.reply()
            });
        }
        let release_now = at.together();
        self.nodes[at.data_node].run("delete+unlock", &self.timeouts, |c| {
            c.delete(key);
            if release_now {
                release(c, &lock.key, at.lock_version);
            }
            c.send()?;
            match c.reply()? {
                Reply::Deleted | Reply::NotFound => {}
                other => return Err(unexpected(&other, "delete")),
            }
            match release_now {
                true => released(c.reply()?).map(drop),
                false => Ok(()),
            }
        })?;
        if !release_now {
            self.release_alone(lock, &at)?;
        }
        Ok(())
    }
}

impl MemcachedStore {
    fn changed_meanwhile(&self, node: usize, key: &[u8]) -> anyhow::Error {
        anyhow!(
            "{}: session {}…: not saved: it was changed since this request read it, by a writer \
             that does not take the lock (rsession.locking=0 or another handler); its data is kept",
            self.nodes[node].label(),
            self.short_id(key)
        )
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
    fn lock_expiry_rounds_up_to_whole_seconds_plus_one_tick() {
        let lock = |ms| Lock::new(b"k".to_vec(), Duration::from_millis(ms)).unwrap();
        assert_eq!(lock_exptime(&lock(400)).unwrap(), 2);
        assert_eq!(lock_exptime(&lock(1000)).unwrap(), 2);
        assert_eq!(lock_exptime(&lock(1001)).unwrap(), 3);
    }
}
