//! Redis over pooled blocking connections (conn.rs) to one server, or to a cluster
//! (cluster.rs): each call one round trip, bounded by one deadline, with the lock's owner check
//! done by the server.

use std::{cell::Cell, sync::Arc, time::Duration};

use anyhow::Result;
use once_cell::sync::Lazy;
use redis::{ConnectionLike, ErrorKind, RedisError, ServerErrorKind, Value};
use scheduled_thread_pool::ScheduledThreadPool;

pub mod cluster;
mod conn;
mod link;
mod lua;
mod sentinel;

pub use self::cluster::hash_tag;
use self::{
    conn::{Conn, Login},
    link::Link,
    lua::Lua,
    sentinel::Discovery,
};
use super::tls::TlsConfig;
use super::{
    pool::{AfterError, Connector, LazyPool, Timeouts},
    NotReplicated, Refused, Store, Ttl, Unlocked,
};
use crate::{
    config::{Address, RedisConfig},
    lock::{Lock, LOCK_SUFFIX},
};

// Server-side scripts: the owner check and the change happen atomically, in one round trip.
// KEYS[1] = data key, KEYS[2] = lock key, ARGV[1] = our token.

/// Writes the data (ARGV[2], expiring in ARGV[3] s) and releases the lock, if the lock is ours:
/// 1 = done, 0 = lock not ours, 3 = lock not ours but the data is already what we write (a
/// retry after a lost reply finds its own write). A refused write (OOM under maxmemory) still
/// releases the lock and answers the server's error.
static SET_UNLOCK: Lazy<Lua> = Lazy::new(|| {
    Lua::new(
        "if redis.call('GET', KEYS[2]) ~= ARGV[1] then \
           if redis.call('GET', KEYS[1]) == ARGV[2] then return 3 end \
           return 0 \
         end \
         local set = redis.pcall('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) \
         redis.call('DEL', KEYS[2]) \
         if type(set) == 'table' and set.err then return set end \
         return 1",
    )
});

/// ARGV[2] = new expiry in seconds, or 0 for release only. 1 = released, 2 = released, but no
/// value to refresh, 0 = lock not ours.
static TOUCH_UNLOCK: Lazy<Lua> = Lazy::new(|| {
    Lua::new(
        "if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end \
         local found = 1 \
         if ARGV[2] ~= '0' then found = redis.call('EXPIRE', KEYS[1], ARGV[2]) end \
         redis.call('DEL', KEYS[2]) \
         if found == 1 then return 1 else return 2 end",
    )
});

/// Cluster mode's lock_get: one command where one server gets three pipelined ones, since a
/// cluster redirects (ASK, during a resharding) a single command, not a batch. ARGV[2] = the
/// lock's expiry in ms, ARGV[3] = the data's new expiry in seconds, or 0 to leave it.
/// Returns {holder, data}; if the data cannot be read, the lock is not kept.
static LOCK_GET: Lazy<Lua> = Lazy::new(|| {
    Lua::new(
        "redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) \
         local holder = redis.call('GET', KEYS[2]) \
         local data \
         if ARGV[3] == '0' then data = redis.pcall('GET', KEYS[1]) \
         else data = redis.pcall('GETEX', KEYS[1], 'EX', ARGV[3]) end \
         if type(data) == 'table' and data.err then \
           if holder == ARGV[1] then redis.call('DEL', KEYS[2]) end \
           return data \
         end \
         return {holder, data}",
    )
});

static DELETE_UNLOCK: Lazy<Lua> = Lazy::new(|| {
    Lua::new(
        "redis.call('DEL', KEYS[1]) \
         if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end return 1",
    )
});

/// Releases the lock (KEYS[1]) if it holds our token (ARGV[1]). Sent as a plain EVAL, without
/// waiting for its reply, down a connection whose reply went missing (see `run_holding`).
static RELEASE: Lazy<Lua> = Lazy::new(|| {
    Lua::new(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end return 0",
    )
});

/// `RELEASE` of `lock`, the script whole: for a connection whose replies cannot be waited for,
/// where a NOSCRIPT could not be answered.
fn release_cmd(lock: &Lock) -> redis::Cmd {
    RELEASE.key(&lock.key).arg(&lock.token).eval_cmd()
}

fn unlocked(code: i64) -> Unlocked {
    match code {
        1 | 3 => Unlocked::Done,
        2 => Unlocked::ValueMissing,
        _ => Unlocked::LockLost,
    }
}

/// The two replies of a pipelined write and its `WAIT`, under one deadline.
fn two_replies(c: &mut Link, batch: &[u8]) -> redis::RedisResult<[Value; 2]> {
    c.req_packed_commands(batch, 0, 2)?
        .try_into()
        .map_err(|_| RedisError::from((ErrorKind::Parse, "expected 2 replies")))
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// The connections to one Redis server, database and user: shared by every store that names
/// them, whatever its prefix and timeouts.
pub type RedisPool = LazyPool<RedisConnector>;

pub struct RedisStore {
    pool: Arc<RedisPool>,
    /// A Redis Cluster: locks go in their data's hash slot, and lock_get is one script.
    cluster: bool,
    timeouts: Timeouts,
    /// `wait=`: replicas that must confirm each session write (0: none asked).
    wait: u32,
}

pub struct RedisConnector {
    route: Route,
    username: Option<String>,
    password: Option<String>,
    database: i64,
}

/// Where a new connection goes: the modes differ only here.
enum Route {
    Server {
        address: Address,
        tls: Option<TlsConfig>,
    },
    /// The master the sentinels name.
    Sentinel(Discovery),
    /// A cluster, through its seed nodes.
    Cluster(Vec<Address>),
}

impl Connector for RedisConnector {
    type Conn = Link;
    type Error = RedisError;

    /// Connects and authenticates/selects the database, all within the connect timeout; to a
    /// cluster, reads the slot map from the first seed that answers.
    fn connect(&self, timeouts: &Timeouts) -> Result<Link, RedisError> {
        let login = Login {
            username: self.username.as_deref(),
            password: self.password.as_deref(),
            database: self.database,
        };
        match &self.route {
            Route::Server { address, tls } => {
                Conn::connect(address, tls.as_ref(), &login, timeouts).map(Link::Server)
            }
            Route::Sentinel(sentinel) => sentinel.connect(&login, timeouts).map(Link::Server),
            Route::Cluster(seeds) => {
                cluster::connect(seeds, &login, timeouts).map(|c| Link::Cluster(Box::new(c)))
            }
        }
    }

    fn retime(&self, conn: &mut Link, timeouts: &Timeouts) -> Result<(), RedisError> {
        conn.retime(timeouts)
    }

    fn after_error(&self, e: &RedisError) -> AfterError {
        // Sentinel: the server was the master when connected to, and is no longer (an
        // operator's REPLICAOF; a failover itself kills the old master's clients). Kept, the
        // connection would fail every write for as long as the worker lives. The command did
        // nothing: a replica refuses every write, in a script too, and a batch's replies all
        // came, so no lock was taken or left (run_holding sends no release after a server's
        // error; none is needed). The connection goes, the sentinels are asked again, and the
        // pool retries once on the master they name, as after a connection the server closed:
        // there the lock and the data are what the old master last replicated, and a lock the
        // failover lost makes the owner-checked write answer "lock lost", not overwrite. (A
        // script that only reads on the demoted master, e.g. the release of a lock it no longer
        // has, answers as a replica would; the next write moves the connection.)
        if matches!(self.route, Route::Sentinel(_))
            && matches!(
                e.kind(),
                ErrorKind::Server(ServerErrorKind::ReadOnly | ServerErrorKind::MasterDown)
            )
        {
            return AfterError::Reconnect;
        }
        match e.kind() {
            ErrorKind::Server(_) | ErrorKind::Extension => AfterError::Keep,
            _ if e.is_connection_dropped() => AfterError::Reconnect,
            _ => AfterError::Discard,
        }
    }

    /// A cluster node's timeout comes disguised (cluster.rs words it, ending in "(timeout)").
    fn is_timeout(&self, e: &RedisError) -> bool {
        e.is_timeout() || e.detail().is_some_and(|d| d.ends_with("(timeout)"))
    }

    fn describe(&self, e: &RedisError, timeouts: &Timeouts) -> String {
        // A cluster's failures (cluster.rs), already worded with the nodes and their causes.
        if let (ErrorKind::Client | ErrorKind::Io, Some(detail)) = (e.kind(), e.detail()) {
            return detail.to_owned();
        }
        // The crate's "No connections found": its slot map names no node that answers.
        if e.kind() == ErrorKind::ClusterConnectionNotFound {
            return format!("no cluster node to send it to: the slot map from the seeds names none that answers ({e})");
        }
        if e.is_timeout() {
            format!("no reply within {}s (timeout)", timeouts.read.as_secs_f64())
        } else {
            e.to_string()
        }
    }
}

/// The pool for `cfg`'s server, database and user (its timeouts play no part).
pub fn pool(cfg: &RedisConfig, threads: Arc<ScheduledThreadPool>) -> Result<Arc<RedisPool>> {
    let route = match (&cfg.cluster, &cfg.sentinel) {
        (Some(seeds), _) => Route::Cluster(seeds.clone()),
        (None, Some(sentinel)) => Route::Sentinel(Discovery::new(sentinel.clone())),
        (None, None) => Route::Server {
            address: cfg.address.clone(),
            tls: cfg.tls.clone(),
        },
    };
    let connector = RedisConnector {
        route,
        username: cfg.username.clone(),
        password: cfg.password.clone(),
        database: cfg.database,
    };
    Ok(Arc::new(LazyPool::new(
        connector,
        format!("redis {}", cfg.location()),
        threads,
    )))
}

impl RedisStore {
    /// A store over `pool` with `cfg`'s timeouts.
    pub fn new(cfg: &RedisConfig, pool: Arc<RedisPool>) -> Self {
        RedisStore {
            pool,
            cluster: cfg.cluster.is_some(),
            timeouts: Timeouts {
                connect: cfg.connect_timeout,
                read: cfg.read_timeout,
            },
            wait: cfg.wait,
        }
    }

    /// `WAIT` for the replicas `wait=` names, sent right behind a write in the same round trip.
    fn wait_command(&self) -> Vec<u8> {
        redis::cmd("WAIT")
            .arg(self.wait)
            .arg(self.wait_limit())
            .get_packed_command()
    }

    /// How long `WAIT` may wait, in ms: its reply must come within the batch's `read_timeout`,
    /// and Redis ends a timed-out WAIT up to ~100 ms late (measured: 450 of 500 ms overran), so
    /// 200 ms less, and at least a quarter of it.
    fn wait_limit(&self) -> u64 {
        let read = millis(self.timeouts.read);
        read.saturating_sub(200).max(read / 4).max(1)
    }

    /// The warning when fewer replicas than `wait=` confirmed a write, which is done.
    fn check_replicas(&self, confirmed: Value) -> Result<()> {
        // The write is done whatever WAIT answered: a WAIT the server refused is a warning too.
        let confirmed: i64 = match confirmed {
            Value::ServerError(e) => {
                return Err(anyhow::Error::new(NotReplicated(format!(
                    "{}: session written, but WAIT for wait={} replicas failed: {}",
                    self.pool.label(),
                    self.wait,
                    RedisError::from(e)
                ))))
            }
            other => redis::from_redis_value(other)?,
        };
        if confirmed >= i64::from(self.wait) {
            return Ok(());
        }
        let limit = self.wait_limit();
        Err(anyhow::Error::new(NotReplicated(format!(
            "{}: session written, but only {confirmed} of {} replicas confirmed it within {limit}ms \
             (wait={}); it may be lost if this server fails now",
            self.pool.label(),
            self.wait,
            self.wait
        ))))
    }

    /// A write Redis refused for lack of memory (maxmemory with noeviction): says how big the
    /// session was and what the limit is, read from INFO on this error path only.
    fn explain_refusal(&self, e: anyhow::Error, size: usize) -> anyhow::Error {
        if !e.to_string().contains("OOM") {
            return e;
        }
        let memory = self
            .run("INFO memory", |c| {
                redis::cmd("INFO").arg("memory").query::<String>(c)
            })
            .ok()
            .map(|info| {
                let field = |name: &str| {
                    info.lines()
                        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
                        .unwrap_or("?")
                        .trim()
                        .to_owned()
                };
                format!(
                    "; maxmemory is {} bytes, {} in use",
                    field("maxmemory"),
                    field("used_memory")
                )
            })
            .unwrap_or_default();
        anyhow::Error::new(Refused(format!(
            "{e:#} (a session of {size} bytes, not saved; the stored one is kept{memory})"
        )))
    }

    /// Runs a command that takes, holds or releases `lock`. If its reply goes missing (a
    /// timeout, garbage), the command may have run and left the lock ours: the owner-checked
    /// release goes down the same connection at once, without waiting for its reply. Redis runs
    /// a connection's commands in order, so it runs after the command even on a stalled server
    /// that resumes later; a release from anywhere else could run first, and find nothing. (A
    /// connection that is gone takes nothing more: the session then has the janitor release
    /// the lock on a fresh one.) A server's error reply is not a lost reply: the scripts release
    /// the lock themselves then.
    fn run_holding<T>(
        &self,
        op: &str,
        lock: &Lock,
        f: impl Fn(&mut Link) -> redis::RedisResult<T>,
    ) -> Result<T> {
        self.run(op, |c| {
            let reply = f(c);
            if let Err(e) = &reply {
                if !matches!(e.kind(), ErrorKind::Server(_) | ErrorKind::Extension) {
                    c.send_without_reply(&release_cmd(lock).get_packed_command());
                }
            }
            reply
        })
    }

    fn run<T>(&self, op: &str, f: impl Fn(&mut Link) -> redis::RedisResult<T>) -> Result<T> {
        self.pool.run(op, &self.timeouts, f)
    }
}

impl Store for RedisStore {
    /// In a cluster, a key and its lock must share a hash slot (see cluster::lock_key).
    fn check_key(&self, key: &[u8]) -> Result<()> {
        if self.cluster && !cluster::lock_fits(key) {
            anyhow::bail!(
                "{}: key {} holds a '}}' outside a {{hash tag}}, so its lock cannot share its hash slot",
                self.label(),
                crate::config::text::quote(key, 64)
            );
        }
        Ok(())
    }

    fn lock_key(&self, key: &[u8]) -> Vec<u8> {
        match self.cluster {
            true => cluster::lock_key(key),
            false => [key, LOCK_SUFFIX].concat(),
        }
    }

    fn get(&self, key: &[u8], refresh: Option<Ttl>) -> Result<Option<Vec<u8>>> {
        match refresh {
            None => self.run("GET", |c| redis::cmd("GET").arg(key).query(c)),
            Some(ttl) => self.run("GETEX", |c| {
                redis::cmd("GETEX").arg(key).arg("EX").arg(ttl).query(c)
            }),
        }
    }

    fn set(&self, key: &[u8], value: &[u8], ttl: Ttl) -> Result<()> {
        let set = redis::cmd("SET")
            .arg(key)
            .arg(value)
            .arg("EX")
            .arg(ttl)
            .clone();
        if self.wait == 0 {
            return self
                .run("SET", |c| set.query(c))
                .map_err(|e| self.explain_refusal(e, value.len()));
        }
        let mut batch = set.get_packed_command();
        batch.extend(self.wait_command());
        let confirmed = self
            .run("SET+WAIT", |c| {
                let [stored, confirmed]: [Value; 2] = two_replies(c, &batch)?;
                if let Value::ServerError(e) = stored {
                    return Err(e.into());
                }
                Ok(confirmed)
            })
            .map_err(|e| self.explain_refusal(e, value.len()))?;
        self.check_replicas(confirmed)
    }

    fn touch(&self, key: &[u8], ttl: Ttl) -> Result<bool> {
        self.run("EXPIRE", |c| {
            redis::cmd("EXPIRE").arg(key).arg(ttl).query(c)
        })
    }

    fn exists(&self, key: &[u8]) -> Result<bool> {
        self.run("EXISTS", |c| redis::cmd("EXISTS").arg(key).query(c))
    }

    fn delete(&self, key: &[u8]) -> Result<()> {
        self.run("DEL", |c| redis::cmd("DEL").arg(key).query::<i64>(c))
            .map(drop)
    }

    fn label(&self) -> &str {
        self.pool.label()
    }

    /// One script, one reply: take the lock, read the data.
    /// `SET lock token NX PX`, `GET lock` and `GET` (or `GETEX`) in one write: one round trip,
    /// its three replies under one deadline, and cheaper for the server than a script. The lock
    /// is ours when it holds our token, also when a retry after a lost reply finds the lock its
    /// first try took. If the data cannot be read (e.g. WRONGTYPE), the lock is not kept.
    fn lock_get(
        &self,
        key: &[u8],
        lock: &Lock,
        refresh: Option<Ttl>,
    ) -> Result<(bool, Option<Vec<u8>>)> {
        if self.cluster {
            return self.run_holding("lock+GET", lock, |c| {
                let (holder, data): (Option<Vec<u8>>, Option<Vec<u8>>) = LOCK_GET
                    .key(key)
                    .key(&lock.key)
                    .arg(&lock.token)
                    .arg(millis(lock.expire))
                    .arg(refresh.unwrap_or(0))
                    .invoke(c)?;
                Ok((holder.as_deref() == Some(lock.token.as_bytes()), data))
            });
        }
        let mut batch = redis::cmd("SET")
            .arg(&lock.key)
            .arg(&lock.token)
            .arg("NX")
            .arg("PX")
            .arg(millis(lock.expire))
            .get_packed_command();
        batch.extend(redis::cmd("GET").arg(&lock.key).get_packed_command());
        batch.extend(match refresh {
            None => redis::cmd("GET").arg(key).get_packed_command(),
            Some(ttl) => redis::cmd("GETEX")
                .arg(key)
                .arg("EX")
                .arg(ttl)
                .get_packed_command(),
        });
        self.run_holding("lock+GET", lock, |c| {
            let [taken, holder, data]: [Value; 3] = c
                .req_packed_commands(&batch, 0, 3)?
                .try_into()
                .map_err(|_| RedisError::from((ErrorKind::Parse, "expected 3 replies")))?;
            if let Value::ServerError(e) = taken {
                return Err(e.into());
            }
            let mine = redis::from_redis_value::<Option<Vec<u8>>>(holder)?.as_deref()
                == Some(lock.token.as_bytes());
            match data {
                Value::ServerError(e) => {
                    if mine {
                        let _ = release_cmd(lock).query::<i64>(c);
                    }
                    Err(e.into())
                }
                data => Ok((mine, redis::from_redis_value::<Option<Vec<u8>>>(data)?)),
            }
        })
    }

    fn set_unlock(&self, key: &[u8], value: &[u8], ttl: Ttl, lock: &Lock) -> Result<Unlocked> {
        // Equal data stored means our write landed only on a retry, after the first try's reply
        // was lost (3); on a first try it is another writer's: the lock was lost. A cluster
        // connection retries by itself, unseen here, so there it always counts as our write.
        let tries = Cell::new(0);
        let outcome = |code: i64| match code {
            3 if tries.get() == 1 && !self.cluster => Unlocked::LockLost,
            code => unlocked(code),
        };
        if self.wait == 0 {
            return self
                .run_holding("SET+unlock", lock, |c| {
                    tries.set(tries.get() + 1);
                    SET_UNLOCK
                        .key(key)
                        .key(&lock.key)
                        .arg(&lock.token)
                        .arg(value)
                        .arg(ttl)
                        .invoke(c)
                        .map(outcome)
                })
                .map_err(|e| self.explain_refusal(e, value.len()));
        }
        // The script in full (EVAL): a pipelined EVALSHA could not fall back on NOSCRIPT.
        let mut batch = SET_UNLOCK
            .key(key)
            .key(&lock.key)
            .arg(&lock.token)
            .arg(value)
            .arg(ttl)
            .eval_cmd()
            .get_packed_command();
        batch.extend(self.wait_command());
        let (unlocked, confirmed) = self
            .run_holding("SET+unlock+WAIT", lock, |c| {
                tries.set(tries.get() + 1);
                let [code, confirmed]: [Value; 2] = two_replies(c, &batch)?;
                let code: i64 = match code {
                    Value::ServerError(e) => return Err(e.into()),
                    code => redis::from_redis_value(code)?,
                };
                Ok((outcome(code), confirmed))
            })
            .map_err(|e| self.explain_refusal(e, value.len()))?;
        match unlocked {
            Unlocked::Done => self.check_replicas(confirmed).map(|()| Unlocked::Done),
            other => Ok(other),
        }
    }

    fn touch_unlock(&self, key: &[u8], ttl: Option<Ttl>, lock: &Lock) -> Result<Unlocked> {
        self.run_holding("unlock", lock, |c| {
            TOUCH_UNLOCK
                .key(key)
                .key(&lock.key)
                .arg(&lock.token)
                .arg(ttl.unwrap_or(0))
                .invoke(c)
                .map(unlocked)
        })
    }

    fn delete_unlock(&self, key: &[u8], lock: &Lock) -> Result<()> {
        self.run_holding("DEL+unlock", lock, |c| {
            DELETE_UNLOCK
                .key(key)
                .key(&lock.key)
                .arg(&lock.token)
                .invoke::<i64>(c)
                .map(drop)
        })
    }
}
