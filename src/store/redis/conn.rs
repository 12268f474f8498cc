//! A blocking connection to one Redis server, on the deadline-bounded socket the stores share:
//! every round trip (a command, or a batch sent in one write) must be over within the read
//! timeout, however the server splits or trickles its replies, and no reply may grow past what
//! Redis itself would ever send. The redis crate's own blocking connection bounds each `recv`
//! only, so a server that trickles a reply, or sends one that never ends, held a request (and
//! grew its memory) for as long as it kept sending. Commands are still built, and replies
//! parsed, by the redis crate: this type is its `ConnectionLike`.

use std::io::{self, Read};

use redis::{ConnectionLike, Parser, RedisResult, Value};

use crate::{
    config::Address,
    store::{pool::Timeouts, socket::Socket, tls::TlsConfig},
};

/// The longest reply accepted: Redis refuses values over 512 MiB (proto-max-bulk-len), and a
/// reply is one value and its framing.
const MAX_REPLY: u64 = (512 << 20) + 4096;

/// Who to be on the server, and which database.
pub struct Login<'a> {
    pub username: Option<&'a str>,
    pub password: Option<&'a str>,
    pub database: i64,
}

pub struct Conn {
    socket: Socket,
    parser: Parser,
    database: i64,
    open: bool,
}

/// The socket, read through at most `left` more bytes.
struct Capped<'a> {
    socket: &'a mut Socket,
    left: u64,
}

impl Read for Capped<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("reply longer than {MAX_REPLY} bytes"),
            ));
        }
        let room = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.socket.read(&mut buf[..room])?;
        self.left -= n as u64;
        Ok(n)
    }
}

impl Conn {
    /// Connects (and completes the TLS handshake, with `tls`), then authenticates and selects
    /// the database in one round trip, all within the connect timeout.
    pub fn connect(
        address: &Address,
        tls: Option<&TlsConfig>,
        login: &Login,
        timeouts: &Timeouts,
    ) -> RedisResult<Conn> {
        Self::connect_asking(address, tls, login, &[], 0, timeouts).map(|(conn, _)| conn)
    }

    /// As [`connect`](Self::connect), with `asked` (`count` packed commands) sent behind the
    /// handshake in the same round trip: their replies, server errors included, come back with
    /// the connection (e.g. `ROLE`, to check a server is the master before using it).
    pub fn connect_asking(
        address: &Address,
        tls: Option<&TlsConfig>,
        login: &Login,
        asked: &[u8],
        count: usize,
        timeouts: &Timeouts,
    ) -> RedisResult<(Conn, Vec<Value>)> {
        let socket = match tls {
            None => Socket::connect(address, timeouts.connect, timeouts.connect),
            Some(tls) => Socket::connect_tls(address, tls, timeouts.connect, timeouts.connect),
        }
        .map_err(|e| match crate::store::socket::timed_out(e.kind()) {
            // Said as the socket says it ("TLS handshake: no answer within 1s (connect
            // timeout)"), not as a late reply, which a timeout is described as.
            true => io::Error::other(e.to_string()),
            false => e,
        })?;
        let mut conn = Conn {
            socket,
            parser: Parser::new(),
            database: login.database,
            open: true,
        };
        let mut handshake = Vec::new();
        let mut replies = 0;
        if let Some(password) = login.password {
            let mut auth = redis::cmd("AUTH");
            if let Some(user) = login.username {
                auth.arg(user);
            }
            handshake.extend(auth.arg(password).get_packed_command());
            replies += 1;
        }
        if login.database != 0 {
            handshake.extend(
                redis::cmd("SELECT")
                    .arg(login.database)
                    .get_packed_command(),
            );
            replies += 1;
        }
        handshake.extend_from_slice(asked);
        let mut answers = Vec::new();
        if replies + count > 0 {
            answers = conn.req_packed_commands(&handshake, 0, replies + count)?;
            for reply in answers.drain(..replies) {
                if let Value::ServerError(e) = reply {
                    return Err(e.into());
                }
            }
        }
        conn.set_round_trip_timeout(timeouts.read);
        Ok((conn, answers))
    }

    /// Round trips from now on must be over within `read` (a field: no system call).
    pub fn set_round_trip_timeout(&mut self, read: std::time::Duration) {
        self.socket.set_read_timeout(read);
    }

    /// Takes no more commands: for a caller that will not read the replies still due.
    pub fn close(&mut self) {
        self.open = false;
    }

    /// Sends `cmd` without waiting for its reply (see RedisStore::run_holding). Refused on a
    /// connection the server closed, or that is out of step: only one whose replies are merely
    /// late takes more commands, which the server will run in order.
    pub fn send_packed_command(&mut self, cmd: &[u8]) -> RedisResult<()> {
        self.send(cmd)
    }

    fn send(&mut self, cmd: &[u8]) -> RedisResult<()> {
        if !self.open {
            return Err(io::Error::new(io::ErrorKind::NotConnected, "connection closed").into());
        }
        self.socket.start_round_trip();
        self.socket.send_all(cmd).map_err(|e| {
            self.open = false;
            e.into()
        })
    }

    /// The next reply of the round trip (RESP3 pushes, which rsession never asks for, skipped).
    pub fn read_reply(&mut self) -> RedisResult<Value> {
        loop {
            let capped = Capped {
                socket: &mut self.socket,
                left: MAX_REPLY,
            };
            match self.parser.parse_value(capped) {
                Ok(Value::Push { .. }) => continue,
                Ok(value) => return Ok(value),
                Err(e) => {
                    // Late replies leave the stream in step for more commands; anything else
                    // (closed, garbage, too long) does not.
                    self.open = e.is_timeout();
                    return Err(e);
                }
            }
        }
    }
}

impl ConnectionLike for Conn {
    fn req_packed_command(&mut self, cmd: &[u8]) -> RedisResult<Value> {
        self.send(cmd)?;
        self.read_reply()
    }

    /// Sends the batch in one write and reads its replies within one deadline; returns the
    /// last `count`.
    fn req_packed_commands(
        &mut self,
        cmd: &[u8],
        offset: usize,
        count: usize,
    ) -> RedisResult<Vec<Value>> {
        self.send(cmd)?;
        let mut replies = Vec::with_capacity(count);
        for n in 0..offset + count {
            let reply = self.read_reply()?;
            if n >= offset {
                replies.push(reply);
            }
        }
        Ok(replies)
    }

    fn get_db(&self) -> i64 {
        self.database
    }

    fn check_connection(&mut self) -> bool {
        matches!(
            self.req_packed_command(&redis::cmd("PING").get_packed_command()),
            Ok(Value::SimpleString(_) | Value::Okay)
        )
    }

    fn is_open(&self) -> bool {
        self.open
    }
}
