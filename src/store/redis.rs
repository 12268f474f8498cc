//! Redis over pooled blocking connections: one command, one round trip, every call bounded by
//! the configured timeouts.

use std::{sync::Arc, time::Duration};

use anyhow::Result;
use once_cell::sync::Lazy;
use redis::{
    ConnectionAddr, ConnectionInfo, ErrorKind, IntoConnectionInfo, RedisConnectionInfo, RedisError,
    Script,
};
use scheduled_thread_pool::ScheduledThreadPool;

use super::{
    pool::{AfterError, Connector, LazyPool},
    Store, Ttl, Unlocked,
};
use crate::{
    config::{Address, RedisConfig},
    lock::Lock,
};

// Server-side scripts: the owner check and the change happen atomically, in one round trip.
// KEYS[1] = data key, KEYS[2] = lock key, ARGV[1] = our token. 1 = done, 0 = lock not ours.

static SET_UNLOCK: Lazy<Script> = Lazy::new(|| {
    Script::new(
        "if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end \
         redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) \
         redis.call('DEL', KEYS[2]) return 1",
    )
});

/// ARGV[2] = new expiry in seconds, or 0 for release only. 2 = released, but no value to refresh.
static TOUCH_UNLOCK: Lazy<Script> = Lazy::new(|| {
    Script::new(
        "if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end \
         local found = 1 \
         if ARGV[2] ~= '0' then found = redis.call('EXPIRE', KEYS[1], ARGV[2]) end \
         redis.call('DEL', KEYS[2]) \
         if found == 1 then return 1 else return 2 end",
    )
});

static DELETE_UNLOCK: Lazy<Script> = Lazy::new(|| {
    Script::new(
        "redis.call('DEL', KEYS[1]) \
         if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end return 1",
    )
});

fn unlocked(code: i64) -> Unlocked {
    match code {
        1 => Unlocked::Done,
        2 => Unlocked::ValueMissing,
        _ => Unlocked::LockLost,
    }
}

/// One pipelined reply: a server error stays the server's error.
fn reply<T: redis::FromRedisValue>(value: redis::Value) -> Result<T, RedisError> {
    match value {
        redis::Value::ServerError(e) => Err(e.into()),
        value => Ok(redis::from_redis_value(value)?),
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

pub struct RedisStore {
    pool: LazyPool<RedisConnector>,
}

struct RedisConnector {
    info: ConnectionInfo,
    connect_timeout: Duration,
    read_timeout: Duration,
}

impl Connector for RedisConnector {
    type Conn = redis::Connection;
    type Error = RedisError;

    /// Connects and authenticates/selects the database, all within the connect timeout.
    fn connect(&self) -> Result<redis::Connection, RedisError> {
        let conn = redis::Client::open(self.info.clone())?
            .get_connection_with_timeout(self.connect_timeout)?;
        conn.set_read_timeout(Some(self.read_timeout))?;
        conn.set_write_timeout(Some(self.read_timeout))?;
        Ok(conn)
    }

    fn after_error(&self, e: &RedisError) -> AfterError {
        match e.kind() {
            ErrorKind::Server(_) | ErrorKind::Extension => AfterError::Keep,
            _ if e.is_connection_dropped() => AfterError::Reconnect,
            _ => AfterError::Discard,
        }
    }

    fn describe(&self, e: &RedisError) -> String {
        if e.is_timeout() {
            format!("no reply within {:?} (timeout)", self.read_timeout)
        } else {
            e.to_string()
        }
    }
}

fn connection_info(cfg: &RedisConfig) -> Result<ConnectionInfo> {
    let addr = match &cfg.address {
        Address::Tcp { host, port } => ConnectionAddr::Tcp(host.clone(), *port),
        Address::Unix(path) => ConnectionAddr::Unix(path.clone()),
    };
    // No CLIENT SETINFO on connect: only AUTH and SELECT when configured.
    let mut redis = RedisConnectionInfo::default()
        .set_db(cfg.database)
        .set_skip_set_lib_name();
    if let Some(user) = &cfg.username {
        redis = redis.set_username(user);
    }
    if let Some(password) = &cfg.password {
        redis = redis.set_password(password);
    }
    Ok(addr.into_connection_info()?.set_redis_settings(redis))
}

impl RedisStore {
    pub fn new(cfg: &RedisConfig, threads: Arc<ScheduledThreadPool>) -> Result<Self> {
        let connector = RedisConnector {
            info: connection_info(cfg)?,
            connect_timeout: cfg.connect_timeout,
            read_timeout: cfg.read_timeout,
        };
        let mut label = format!("redis {}", cfg.address);
        if cfg.database != 0 {
            label.push_str(&format!(" db {}", cfg.database));
        }
        Ok(RedisStore {
            pool: LazyPool::new(connector, label, threads),
        })
    }

    fn run<T>(
        &self,
        op: &str,
        f: impl Fn(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> Result<T> {
        self.pool.run(op, f)
    }
}

impl Store for RedisStore {
    fn get(&self, key: &[u8], refresh: Option<Ttl>) -> Result<Option<Vec<u8>>> {
        match refresh {
            None => self.run("GET", |c| redis::cmd("GET").arg(key).query(c)),
            Some(ttl) => self.run("GETEX", |c| {
                redis::cmd("GETEX").arg(key).arg("EX").arg(ttl).query(c)
            }),
        }
    }

    fn set(&self, key: &[u8], value: &[u8], ttl: Ttl) -> Result<()> {
        self.run("SET", |c| {
            redis::cmd("SET")
                .arg(key)
                .arg(value)
                .arg("EX")
                .arg(ttl)
                .query(c)
        })
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

    /// `SET lock token NX PX expire` and `GET` pipelined: one round trip.
    fn lock_get(
        &self,
        key: &[u8],
        lock: &Lock,
        refresh: Option<Ttl>,
    ) -> Result<(bool, Option<Vec<u8>>)> {
        self.run("lock+GET", |c| {
            let mut pipe = redis::pipe();
            pipe.cmd("SET")
                .arg(&lock.key)
                .arg(&lock.token)
                .arg("NX")
                .arg("PX")
                .arg(millis(lock.expire));
            match refresh {
                None => pipe.cmd("GET").arg(key),
                Some(ttl) => pipe.cmd("GETEX").arg(key).arg("EX").arg(ttl),
            };
            // Replies as values, so a server error reads as itself, not as a pipeline report.
            let replies: Vec<redis::Value> = pipe.ignore_errors().query(c)?;
            let [taken, value]: [redis::Value; 2] = replies.try_into().map_err(|_| {
                RedisError::from((
                    ErrorKind::Parse,
                    "expected 2 replies to a 2-command pipeline",
                ))
            })?;
            let taken = reply::<Option<String>>(taken)?.is_some();
            match reply(value) {
                Ok(value) => Ok((taken, value)),
                Err(e) => {
                    // Locked but unreadable (e.g. WRONGTYPE): do not leave the lock behind.
                    if taken {
                        let _ = TOUCH_UNLOCK
                            .key(key)
                            .key(&lock.key)
                            .arg(&lock.token)
                            .arg(0)
                            .invoke::<i64>(c);
                    }
                    Err(e)
                }
            }
        })
    }

    fn set_unlock(&self, key: &[u8], value: &[u8], ttl: Ttl, lock: &Lock) -> Result<Unlocked> {
        self.run("SET+unlock", |c| {
            SET_UNLOCK
                .key(key)
                .key(&lock.key)
                .arg(&lock.token)
                .arg(value)
                .arg(ttl)
                .invoke(c)
                .map(unlocked)
        })
    }

    fn touch_unlock(&self, key: &[u8], ttl: Option<Ttl>, lock: &Lock) -> Result<Unlocked> {
        self.run("unlock", |c| {
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
        self.run("DEL+unlock", |c| {
            DELETE_UNLOCK
                .key(key)
                .key(&lock.key)
                .arg(&lock.token)
                .invoke::<i64>(c)
                .map(drop)
        })
    }
}
