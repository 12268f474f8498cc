//! Redis Sentinel: the master's address is asked of the sentinels whenever the pool opens a
//! connection, so that after a failover (a replica promoted) the next connection goes to the
//! new master, without a worker restart. Nothing else changes: one RedisStore, one set of
//! scripts, over whatever connection this returns.
//!
//! Why not the redis crate's own sentinel client (`sentinel` feature): it connects to sentinels
//! and masters with `Client::get_connection()`, which has no connect timeout and no read
//! timeout (redis-1.8.1 src/sentinel.rs), so one silent sentinel would hang PHP for ever; it
//! also opens a connection of its own to check the master's role, then another to use it, and
//! lists every master (`SENTINEL MASTERS`) to find one. Here every step runs on rsession's
//! deadline-bounded connection (conn.rs), and costs:
//! - per sentinel asked: a connect and one round trip (AUTH with `sentinel_auth`, then
//!   `SENTINEL get-master-addr-by-name`, pipelined), together within the connect timeout, twice
//!   over at worst (connect, then the round trip); a refused sentinel costs nothing;
//! - the master: a connect and the usual handshake round trip, with `ROLE` pipelined behind AUTH
//!   and SELECT: a server that is not a master (a sentinel that has not seen the failover yet
//!   names the demoted old master) is never used.
//!
//! Every new connection asks a sentinel: connections are opened rarely (once per worker, then
//! after an error), and the master's address is not kept between them. A kept address would
//! save that round trip, but nothing tells it is stale: an old master that died, and came back
//! (empty, and still a master until the sentinels demote it) after the failover, accepts the
//! connection, passes the ROLE check, and would take the writes of every worker that was idle
//! during the failover (php-tests/091 saw it happen). Only the sentinels know.

use std::{
    io,
    sync::atomic::{AtomicUsize, Ordering::Relaxed},
};

use redis::{RedisError, RedisResult, Value};

use super::conn::{Conn, Login};
use crate::{
    config::{Address, Sentinel},
    store::pool::Timeouts,
};

/// How a connection to the master is found: the sentinels, the one to ask first.
pub struct Discovery {
    config: Sentinel,
    /// The sentinel that answered last: asked first (the Sentinel clients' guideline).
    first: AtomicUsize,
}

/// The answer of one sentinel.
enum Named {
    Master(Address),
    /// The sentinel monitors no master of that name.
    Unknown,
}

impl Discovery {
    pub fn new(config: Sentinel) -> Self {
        Discovery {
            config,
            first: AtomicUsize::new(0),
        }
    }

    /// A connection to the master, authenticated with `login`, checked to be the master.
    pub fn connect(&self, login: &Login, timeouts: &Timeouts) -> RedisResult<Conn> {
        // What went wrong, in order, for the message if nothing works.
        let mut failures = Vec::new();
        // The masters named and found wanting.
        let mut tried = Vec::new();
        let count = self.config.sentinels.len();
        let first = self.first.load(Relaxed) % count.max(1);
        let mut unknown = 0;
        let mut answered = false;
        // Sentinels that named a master already found wanting.
        let mut stale = Vec::new();
        for n in (0..count).map(|i| (first + i) % count) {
            let sentinel = &self.config.sentinels[n];
            let address = match self.ask(sentinel, timeouts) {
                Ok(Named::Master(address)) => address,
                Ok(Named::Unknown) => {
                    unknown += 1;
                    failures.push(format!(
                        "sentinel {sentinel} knows no master named {:?}",
                        self.config.service
                    ));
                    continue;
                }
                Err(e) => {
                    failures.push(format!("sentinel {sentinel}: {}", cause(&e, timeouts)));
                    continue;
                }
            };
            answered = true;
            self.first.store(n, Relaxed);
            // A sentinel that names a master already found wanting adds nothing: ask the next
            // (it may have seen a failover this one has not).
            if tried.contains(&address) {
                stale.push(sentinel.to_string());
                continue;
            }
            match connect_master(&address, login, timeouts) {
                Ok(conn) => return Ok(conn),
                Err(e) => {
                    failures.push(format!(
                        "master {address} (named by sentinel {sentinel}): {}",
                        cause(&e, timeouts)
                    ));
                    tried.push(address);
                }
            }
        }
        let message = if unknown == count {
            format!(
                "the sentinels know no master named {:?} (check the service name)",
                self.config.service
            )
        } else if !answered && tried.is_empty() {
            format!("no sentinel answered: {}", failures.join("; "))
        } else if stale.is_empty() {
            failures.join("; ")
        } else {
            format!(
                "{} (also named by sentinel {})",
                failures.join("; "),
                stale.join(", ")
            )
        };
        Err(io::Error::other(message).into())
    }

    /// `SENTINEL get-master-addr-by-name` on `sentinel`, pipelined behind its AUTH.
    fn ask(&self, sentinel: &Address, timeouts: &Timeouts) -> RedisResult<Named> {
        let login = Login {
            username: None,
            password: self.config.password.as_deref(),
            database: 0,
        };
        let question = redis::cmd("SENTINEL")
            .arg("get-master-addr-by-name")
            .arg(&self.config.service)
            .get_packed_command();
        let (_conn, mut replies) =
            Conn::connect_asking(sentinel, None, &login, &question, 1, timeouts).map_err(|e| {
                match e.code() {
                    Some("WRONGPASS") | Some("ERR") if self.config.password.is_some() => {
                        explained(&e, "sentinel_auth refused")
                    }
                    _ => e,
                }
            })?;
        match replies.pop() {
            Some(Value::Nil) => Ok(Named::Unknown),
            Some(Value::ServerError(e)) => {
                let e = RedisError::from(e);
                Err(match e.code() {
                    Some("NOAUTH") => explained(&e, "the sentinel needs sentinel_auth"),
                    _ => e,
                })
            }
            Some(reply) => {
                let (host, port): (String, u16) = redis::from_redis_value(reply)?;
                Ok(Named::Master(Address::Tcp { host, port }))
            }
            None => Err(io::Error::other("no reply").into()),
        }
    }
}

/// `e` with what it means here in front: `sentinel_auth refused: WRONGPASS: ...`.
fn explained(e: &RedisError, meaning: &str) -> RedisError {
    io::Error::other(format!("{meaning}: {e}")).into()
}

/// Connects to `address` and checks, in the handshake's round trip, that it is a master.
fn connect_master(address: &Address, login: &Login, timeouts: &Timeouts) -> RedisResult<Conn> {
    let role = redis::cmd("ROLE").get_packed_command();
    let (conn, mut replies) = Conn::connect_asking(address, None, login, &role, 1, timeouts)?;
    match replies.pop() {
        Some(Value::Array(fields)) => match fields.into_iter().next() {
            Some(Value::BulkString(role)) if role == b"master" => Ok(conn),
            Some(Value::BulkString(role)) => Err(io::Error::other(format!(
                "is a {}, not the master (demoted, or a failover under way)",
                String::from_utf8_lossy(&role)
            ))
            .into()),
            _ => Err(io::Error::other("unexpected ROLE reply").into()),
        },
        Some(Value::ServerError(e)) => Err(explained(
            &e.into(),
            "ROLE refused (the user needs it, to check the server is the master)",
        )),
        _ => Err(io::Error::other("unexpected ROLE reply").into()),
    }
}

/// One step's failure, as a user reads it.
fn cause(e: &RedisError, timeouts: &Timeouts) -> String {
    if e.is_timeout() {
        format!(
            "no answer within {}s (connect timeout)",
            timeouts.connect.as_secs_f64()
        )
    } else {
        e.to_string()
    }
}
