//! Redis over pooled blocking connections: one command, one round trip, every call bounded by
//! the configured timeouts.

use std::{sync::Arc, time::Duration};

use anyhow::Result;
use redis::{
    ConnectionAddr, ConnectionInfo, ErrorKind, IntoConnectionInfo, RedisConnectionInfo, RedisError,
};
use scheduled_thread_pool::ScheduledThreadPool;

use super::{
    pool::{AfterError, Connector, LazyPool},
    Store, Ttl,
};
use crate::config::{Address, RedisConfig};

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
}
