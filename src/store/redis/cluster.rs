//! Redis Cluster: the redis crate's own cluster connection (slot map, MOVED/ASK redirects,
//! slot-map refresh, reconnects) runs over rsession's deadline-bounded connection to each node
//! (`Node`, a `conn::Conn`), so every round trip to every node still has one deadline.
//!
//! The crate retries a failed command itself. That is right after a redirect (the command did
//! not run) and after a dropped connection (a new one is opened), but it would also resend on
//! a connection whose reply is merely late, and then read that late reply as the answer to the
//! resent command. So a node whose reply went missing is closed and its error made final here:
//! the request fails within its deadline, and the next one reconnects.
//!
//! A session's lock lives in its data's hash slot (`lock_key`), so that taking the lock and
//! reading the data, or writing and releasing, stay one command on one node.

use std::{
    cell::Cell,
    collections::HashMap,
    sync::{Mutex, MutexGuard},
    time::{Duration, Instant},
};

use redis::{
    cluster::{ClusterClientBuilder, ClusterConnection, Connect},
    cluster_routing::Slot,
    ConnectionAddr, ConnectionLike, ErrorKind, IntoConnectionInfo, PushKind, RedisError,
    RedisResult, Value,
};

use super::conn::{Conn, Login};
use crate::{config::Address, lock::LOCK_SUFFIX, store::pool::Timeouts};

/// How often the crate retries a command after a redirect, a refused connection or a cluster
/// that is busy electing a new master (100 ms apart): enough to ride out a resharding's
/// TRYAGAIN and a failover's CLUSTERDOWN, and a bound on how long a request can spend on them.
const RETRIES: u32 = 5;
const RETRY_WAIT_MS: u64 = 100;

/// How long a node that did not answer in time is left out of new cluster connections (see
/// `STALLED`).
const SKIP_STALLED: Duration = Duration::from_secs(2);

/// Nodes ("host:port") that lately did not answer in time, and until when new cluster
/// connections leave them out. The pool replaces a cluster connection after a node failed (so a
/// failover's new slot map is read), and a new one connects to the seeds in turn, then to every
/// master: each time it waited out a stalled node's timeout, so one stalled master slowed the
/// sessions of all the others by up to twice the connect timeout per request (measured: 1.0 s
/// with timeout=0.5). Only that setting up skips them: a request for a session on such a node
/// still connects to it (and pays its timeout), so it works again as soon as the node does. A
/// refused connection costs nothing and is not recorded.
static STALLED: Mutex<Option<HashMap<String, Instant>>> = Mutex::new(None);

thread_local! {
    /// A new cluster connection is being set up on this thread (`connect`).
    static SETTING_UP: Cell<bool> = const { Cell::new(false) };
    /// The connect timeout of the store whose call runs on this thread. A pool's cluster
    /// connection is shared by every store on the same seeds and user, whatever their timeouts,
    /// and the crate connects to a node with the timeout of the store that made it: a store
    /// with timeout=0.3 waited 3 s for a stalled node through a connection that a store with
    /// timeout=3 had made.
    static CONNECT_TIMEOUT: Cell<Option<Duration>> = const { Cell::new(None) };
}

/// The calls that follow on this thread are `timeouts`' store's (no system call).
pub fn retime(c: &ClusterConnection<Node>, timeouts: &Timeouts) -> RedisResult<()> {
    CONNECT_TIMEOUT.set(Some(timeouts.connect));
    c.set_read_timeout(Some(timeouts.read))
}

fn stalled(address: &str) -> Option<Duration> {
    let stalled = STALLED.lock().unwrap_or_else(|p| p.into_inner());
    let until = stalled.as_ref()?.get(address)?;
    until.checked_duration_since(Instant::now())
}

/// Held across fork() (see fork_guard): no other thread holds it then, so a child finds it free.
pub(crate) fn lock_for_fork() -> MutexGuard<'static, impl Sized> {
    STALLED.lock().unwrap_or_else(|p| p.into_inner())
}

/// The nodes new cluster connections leave out now, and for how long more.
pub fn stalled_nodes() -> Vec<(String, Duration)> {
    let stalled = STALLED.lock().unwrap_or_else(|p| p.into_inner());
    let now = Instant::now();
    let mut nodes: Vec<_> = stalled
        .iter()
        .flatten()
        .filter_map(|(address, until)| Some((address.clone(), until.checked_duration_since(now)?)))
        .collect();
    nodes.sort();
    nodes
}

fn mark_stalled(address: &str, stalled: bool) {
    let mut map = STALLED.lock().unwrap_or_else(|p| p.into_inner());
    match (stalled, map.as_mut()) {
        (true, _) => {
            map.get_or_insert_with(HashMap::new)
                .insert(address.to_owned(), Instant::now() + SKIP_STALLED);
        }
        (false, Some(map)) => {
            map.remove(address);
        }
        (false, None) => {}
    }
}

/// One node's connection, as the crate's cluster connection drives it.
pub struct Node {
    conn: Conn,
    address: String,
    /// The read timeout the crate last set: applied at the next round trip (the crate sets
    /// it through a shared reference).
    read_timeout: Cell<Duration>,
}

impl Node {
    /// A failed round trip. Errors that leave the connection usable or are safe to retry (a
    /// server's error reply, a dropped connection) go to the crate as they are; anything else
    /// (no reply in time, garbage) closes the connection and is final.
    fn fail(&mut self, e: RedisError) -> RedisError {
        if matches!(e.kind(), ErrorKind::Server(_) | ErrorKind::Extension)
            || e.is_connection_dropped()
        {
            return e;
        }
        self.conn.close();
        if e.is_timeout() {
            mark_stalled(&self.address, true);
        }
        let cause = if e.is_timeout() {
            format!(
                "no reply within {}s (timeout)",
                self.read_timeout.get().as_secs_f64()
            )
        } else {
            e.to_string()
        };
        RedisError::from((
            ErrorKind::Client,
            "node failed",
            format!("{}: {cause}", self.address),
        ))
    }

    fn timed(&mut self) -> &mut Conn {
        self.conn.set_round_trip_timeout(self.read_timeout.get());
        &mut self.conn
    }
}

impl Connect for Node {
    fn connect<T: IntoConnectionInfo>(info: T, timeout: Option<Duration>) -> RedisResult<Self> {
        let info = info.into_connection_info()?;
        let ConnectionAddr::Tcp(host, port) = info.addr() else {
            return Err(RedisError::from((
                ErrorKind::InvalidClientConfig,
                "unsupported node address",
                info.addr().to_string(),
            )));
        };
        let address = Address::Tcp {
            host: host.clone(),
            port: *port,
        };
        let settings = info.redis_settings();
        let login = Login {
            username: settings.username(),
            password: settings.password(),
            database: 0,
        };
        let name = address.to_string();
        let connect = CONNECT_TIMEOUT
            .get()
            .or(timeout)
            .unwrap_or(Duration::from_secs(1));
        if SETTING_UP.get() {
            if let Some(left) = stalled(&name) {
                return Err(RedisError::from((
                    ErrorKind::Client,
                    "node failed",
                    format!(
                        "{address}: skipped for {:.1}s more: it did not answer in time",
                        left.as_secs_f64()
                    ),
                )));
            }
        }
        let timeouts = Timeouts {
            connect,
            read: connect,
        };
        let connected = Conn::connect(&address, None, &login, &timeouts);
        mark_stalled(&name, matches!(&connected, Err(e) if e.is_timeout()));
        match connected {
            Ok(conn) => Ok(Node {
                conn,
                address: name,
                read_timeout: Cell::new(connect),
            }),
            // A node that does not answer in time is not retried at once: the next request
            // reconnects.
            Err(e) if e.is_timeout() => Err(RedisError::from((
                ErrorKind::Client,
                "node failed",
                format!(
                    "{address}: cannot connect: no answer within {}s (connect timeout)",
                    connect.as_secs_f64()
                ),
            ))),
            // A refused connection (a master that died, before its replica takes over) said
            // only "Connection refused", not which node (setting up, the crate names it). Still
            // a dropped connection, so the crate and the pool retry as before.
            Err(e) if e.is_connection_dropped() && !SETTING_UP.get() => Err(RedisError::from((
                ErrorKind::Io,
                "node failed",
                format!("{address}: cannot connect: {e}"),
            ))),
            Err(e) => Err(e),
        }
    }

    fn send_packed_command(&mut self, cmd: &[u8]) -> RedisResult<()> {
        let sent = self.timed().send_packed_command(cmd);
        sent.map_err(|e| self.fail(e))
    }

    /// Sends are bounded by the round trip's deadline, which the read timeout sets.
    fn set_write_timeout(&self, _: Option<Duration>) -> RedisResult<()> {
        Ok(())
    }

    fn set_read_timeout(&self, dur: Option<Duration>) -> RedisResult<()> {
        if let Some(dur) = dur {
            self.read_timeout.set(dur);
        }
        Ok(())
    }

    fn recv_response(&mut self) -> RedisResult<Value> {
        let reply = self.conn.read_reply();
        reply.map_err(|e| self.fail(e))
    }
}

impl ConnectionLike for Node {
    fn req_packed_command(&mut self, cmd: &[u8]) -> RedisResult<Value> {
        let reply = self.timed().req_packed_command(cmd);
        reply.map_err(|e| self.fail(e))
    }

    fn req_packed_commands(
        &mut self,
        cmd: &[u8],
        offset: usize,
        count: usize,
    ) -> RedisResult<Vec<Value>> {
        let replies = self.timed().req_packed_commands(cmd, offset, count);
        replies.map(disguise_later_errors).map_err(|e| self.fail(e))
    }

    fn get_db(&self) -> i64 {
        0
    }

    fn check_connection(&mut self) -> bool {
        self.timed().check_connection()
    }

    fn is_open(&self) -> bool {
        self.conn.is_open()
    }
}

/// Marks an error reply of a batch's later command, disguised (see `disguise_later_errors`).
const LATER_ERROR: &str = "rsession: error reply of a later command";

/// The crate turns an error reply anywhere in a batch into an error of the whole batch. Its
/// first command is what routed the batch (a write, whose redirect or CLUSTERDOWN the crate
/// must see to retry), but a later one's error says nothing about it: rsession's batches are a
/// write then its `WAIT`, and a refused `WAIT` (an ACL user without it) made a write that was
/// done look failed. So later commands' error replies pass the crate as push values, which it
/// leaves alone, and `reveal_errors` turns them back into the error replies they were.
fn disguise_later_errors(mut replies: Vec<Value>) -> Vec<Value> {
    for reply in replies.iter_mut().skip(1) {
        if let Value::ServerError(e) = reply {
            let text = format!("{} {}", e.code(), e.details().unwrap_or_default());
            *reply = Value::Push {
                kind: PushKind::Other(LATER_ERROR.to_owned()),
                data: vec![Value::BulkString(text.into_bytes())],
            };
        }
    }
    replies
}

/// A batch's replies as its node sent them: see `disguise_later_errors`.
pub fn reveal_errors(mut replies: Vec<Value>) -> Vec<Value> {
    for reply in &mut replies {
        if let Value::Push {
            kind: PushKind::Other(kind),
            data,
        } = reply
        {
            if let (LATER_ERROR, [Value::BulkString(text)]) = (kind.as_str(), data.as_slice()) {
                let line = [b"-", text.as_slice(), b"\r\n"].concat();
                if let Ok(error) = redis::parse_redis_value(&line) {
                    *reply = error;
                }
            }
        }
    }
    replies
}

/// Connects to the cluster through the first seed that answers and reads its slot map; a
/// connection to each master follows.
pub fn connect(
    seeds: &[Address],
    login: &Login,
    timeouts: &Timeouts,
) -> RedisResult<ClusterConnection<Node>> {
    let seeds: Vec<(String, u16)> = seeds
        .iter()
        .filter_map(|a| match a {
            Address::Tcp { host, port } => Some((host.clone(), *port)),
            Address::Unix(_) => None,
        })
        .collect();
    let mut builder = ClusterClientBuilder::new(seeds)
        .connection_timeout(timeouts.connect)
        .response_timeout(timeouts.read)
        .retries(RETRIES)
        .min_retry_wait(RETRY_WAIT_MS)
        .max_retry_wait(RETRY_WAIT_MS);
    if let Some(user) = login.username {
        builder = builder.username(user);
    }
    if let Some(password) = login.password {
        builder = builder.password(password);
    }
    /// Ends SETTING_UP however `connect` returns, and skips the nodes that stalled during it
    /// for SKIP_STALLED from now on: a setup that waits out several stalled nodes in turn can
    /// last longer than SKIP_STALLED, and then its first marks had run out before the next
    /// request, which waited for every node again (all 6 nodes stalled, timeout=0.5: 3 s per
    /// request, each request).
    struct SetUp(Instant);
    impl Drop for SetUp {
        fn drop(&mut self) {
            SETTING_UP.set(false);
            let marked_since = self.0 + SKIP_STALLED;
            let mut stalled = STALLED.lock().unwrap_or_else(|p| p.into_inner());
            for until in stalled.iter_mut().flat_map(|m| m.values_mut()) {
                if *until >= marked_since {
                    *until = Instant::now() + SKIP_STALLED;
                }
            }
        }
    }
    CONNECT_TIMEOUT.set(Some(timeouts.connect));
    SETTING_UP.set(true);
    let _set_up = SetUp(Instant::now());
    builder.build()?.get_generic_connection::<Node>()
}

/// The part of `key` Redis hashes to its slot: the first `{...}` that holds something.
pub fn hash_tag(key: &[u8]) -> Option<&[u8]> {
    let open = key.iter().position(|&b| b == b'{')?;
    let len = key[open + 1..].iter().position(|&b| b == b'}')?;
    (len > 0).then(|| &key[open + 1..open + 1 + len])
}

/// The key of the lock on `key`, in `key`'s hash slot without renaming `key` (so phpredis's
/// cluster handler still finds the session): a key that has a hash tag keeps it, with phpredis's
/// `_LOCK` after it; otherwise the whole key becomes the tag, `{<key>}_LOCK`. A key with a `}`
/// and no tag cannot be wrapped (the tag would end early): `check_key` refuses it.
pub fn lock_key(key: &[u8]) -> Vec<u8> {
    match hash_tag(key) {
        Some(_) => [key, LOCK_SUFFIX].concat(),
        None => [b"{", key, b"}", LOCK_SUFFIX].concat(),
    }
}

/// Whether `key` and its lock share a hash slot.
pub fn lock_fits(key: &[u8]) -> bool {
    Slot::for_key(key) == Slot::for_key(lock_key(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_is_in_the_data_slot_and_the_data_key_keeps_its_name() {
        for key in [
            &b"PHPREDIS_CLUSTER_SESSION:abc123"[..],
            b"PHPREDIS_CLUSTER_SESSION:z",
            b"{app}:sess:abc",
            b"x{:abc",
            b"a{b}c{d}",
        ] {
            assert!(lock_fits(key), "{}", String::from_utf8_lossy(key));
        }
        assert_eq!(
            lock_key(b"PHPREDIS_CLUSTER_SESSION:abc"),
            b"{PHPREDIS_CLUSTER_SESSION:abc}_LOCK"
        );
        assert_eq!(lock_key(b"{app}:abc"), b"{app}:abc_LOCK");
        // Without the wrapping, the lock would land in another slot than its data.
        let key = b"PHPREDIS_CLUSTER_SESSION:abc";
        assert_ne!(
            Slot::for_key(key),
            Slot::for_key([&key[..], LOCK_SUFFIX].concat())
        );
    }

    #[test]
    fn a_later_command_error_passes_the_crate_and_comes_back_whole() {
        let refused = redis::parse_redis_value(b"-NOPERM no WAIT for you\r\n").unwrap();
        let replies = disguise_later_errors(vec![Value::Int(1), refused.clone()]);
        // The crate fails a batch whose replies hold an error anywhere (extract_error).
        assert!(Value::Array(replies.clone()).extract_error().is_ok());
        assert_eq!(reveal_errors(replies), vec![Value::Int(1), refused]);
    }

    #[test]
    fn a_brace_that_closes_no_tag_cannot_be_wrapped() {
        assert!(!lock_fits(b"pre}fix:abc"));
        assert!(!lock_fits(b"{}x}abc"));
        assert!(!lock_fits(b"{}abc"));
    }
}
