//! A stream socket to a store (TCP over IPv4 or IPv6, or a unix socket) whose round trips each
//! have one deadline: everything sent and every reply read for one round trip must fit within
//! `read_timeout` from its start, however the server splits or trickles its replies. A socket's
//! own timeout (SO_RCVTIMEO) bounds a single `recv` only, so a server that sends a byte now and
//! then would hold a request for ever; here the timeout is re-armed to what is left before each
//! wait, and only when it is off by more than a millisecond, so a round trip answered at once
//! costs no extra system call. Shared by every backend's wire code.
//!
//! TLS (Redis only) runs under the same deadlines: tls.rs drives rustls one `send` or `recv` at
//! a time, and each is armed here first, so a TLS round trip (whose reads may need writes, and
//! writes reads) is bounded exactly as a clear one; the handshake is bounded by the connect
//! timeout.

use std::{
    io::{self, Read},
    net::{TcpStream, ToSocketAddrs},
    os::{fd::AsRawFd, unix::net::UnixStream},
    time::{Duration, Instant},
};

use super::tls::{TlsConfig, TlsStream};
use crate::config::Address;

/// A socket timeout is changed only when it is off the deadline by more than this.
const TIMEOUT_SLACK: Duration = Duration::from_millis(1);

enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
    Tls(Box<TlsStream>),
}

impl Stream {
    fn set_read_timeout(&self, d: Duration) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.set_read_timeout(Some(d)),
            Stream::Unix(s) => s.set_read_timeout(Some(d)),
            Stream::Tls(s) => s.tcp().set_read_timeout(Some(d)),
        }
    }

    fn set_write_timeout(&self, d: Duration) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.set_write_timeout(Some(d)),
            Stream::Unix(s) => s.set_write_timeout(Some(d)),
            Stream::Tls(s) => s.tcp().set_write_timeout(Some(d)),
        }
    }

    fn try_clone(&self) -> io::Result<Stream> {
        Ok(match self {
            Stream::Tcp(s) => Stream::Tcp(s.try_clone()?),
            Stream::Unix(s) => Stream::Unix(s.try_clone()?),
            // Two handles cannot share one TLS session's state.
            Stream::Tls(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::Unsupported,
                    "a TLS connection cannot be shared by two handles",
                ))
            }
        })
    }

    /// Clear text only: TLS streams are read step by step by `Socket::read`.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            Stream::Unix(s) => s.read(buf),
            Stream::Tls(_) => Err(io::ErrorKind::Unsupported.into()),
        }
    }

    /// One `send` with MSG_NOSIGNAL (std writes to a unix socket with `write`, which raises
    /// SIGPIPE when the server has gone). Clear text only.
    fn send(&self, buf: &[u8]) -> io::Result<usize> {
        let fd = match self {
            Stream::Tcp(s) => s.as_raw_fd(),
            Stream::Unix(s) => s.as_raw_fd(),
            Stream::Tls(_) => return Err(io::ErrorKind::Unsupported.into()),
        };
        // SAFETY: `fd` is an open socket owned by `self` for the duration of the call, and the
        // pointer and length describe the live, initialized slice `buf`.
        let sent = unsafe { libc::send(fd, buf.as_ptr().cast(), buf.len(), libc::MSG_NOSIGNAL) };
        match sent {
            -1 => Err(io::Error::last_os_error()),
            n => Ok(n as usize),
        }
    }
}

pub fn timed_out(kind: io::ErrorKind) -> bool {
    matches!(kind, io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut)
}

/// Which socket timeout a wait uses.
#[derive(Clone, Copy)]
enum Wait {
    Receive,
    Send,
}

pub struct Socket {
    stream: Stream,
    read_timeout: Duration,
    /// The socket's receive and send timeouts as last set.
    rcv_timeout: Duration,
    snd_timeout: Duration,
    /// When the current round trip began, and when it must be over.
    started: Instant,
    deadline: Instant,
}

/// Connects in the caller's thread: a refused connection fails at once, a silent one after
/// `connect_timeout` (shared by all the addresses a host name resolves to).
fn open(address: &Address, connect_timeout: Duration) -> io::Result<Stream> {
    match address {
        Address::Unix(path) => UnixStream::connect(path).map(Stream::Unix),
        Address::Tcp { host, port } => {
            let deadline = Instant::now() + connect_timeout;
            let mut last = None;
            for addr in (host.as_str(), *port).to_socket_addrs()? {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                match TcpStream::connect_timeout(&addr, left) {
                    Ok(stream) => {
                        // Each batch is complete when written: nothing to gain from Nagle.
                        stream.set_nodelay(true)?;
                        return Ok(Stream::Tcp(stream));
                    }
                    Err(e) => last = Some(e),
                }
            }
            Err(match last {
                Some(e) if !timed_out(e.kind()) => e,
                _ => io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("no answer within {connect_timeout:?} (connect timeout)"),
                ),
            })
        }
    }
}

impl Socket {
    pub fn connect(
        address: &Address,
        connect_timeout: Duration,
        read_timeout: Duration,
    ) -> io::Result<Socket> {
        Socket::over(open(address, connect_timeout)?, read_timeout)
    }

    /// Connects over TCP and completes the TLS handshake, together within `connect_timeout`.
    /// A server that takes the connection but never answers the handshake fails with an error
    /// of kind TimedOut that says so.
    pub fn connect_tls(
        address: &Address,
        tls: &TlsConfig,
        connect_timeout: Duration,
        read_timeout: Duration,
    ) -> io::Result<Socket> {
        let started = Instant::now();
        let Stream::Tcp(tcp) = open(address, connect_timeout)? else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "TLS runs over TCP only, not a unix socket",
            ));
        };
        let mut socket = Socket::over(Stream::Tls(Box::new(tls.stream(tcp)?)), read_timeout)?;
        socket.started = started;
        socket.deadline = started + connect_timeout;
        loop {
            let wait = match &socket.stream {
                Stream::Tls(t) if t.wants_write() => Wait::Send,
                Stream::Tls(t) if t.is_handshaking() => Wait::Receive,
                _ => return Ok(socket),
            };
            match socket.tls_step(wait) {
                Ok(()) => {}
                Err(e) if timed_out(e.kind()) => {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!(
                            "TLS handshake: no answer within {connect_timeout:?} (connect timeout)"
                        ),
                    ))
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// One TLS system call, armed to end at the deadline: sends the records ready, or receives
    /// and processes some. An interrupted call did nothing and counts as a step.
    fn tls_step(&mut self, wait: Wait) -> io::Result<()> {
        self.arm(wait)?;
        let stepped = match (&mut self.stream, wait) {
            (Stream::Tls(t), Wait::Send) => t.send_records(),
            (Stream::Tls(t), Wait::Receive) => t.receive_records(),
            _ => Err(io::ErrorKind::Unsupported.into()),
        };
        match stepped {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(()),
            other => other,
        }
    }

    fn over(stream: Stream, read_timeout: Duration) -> io::Result<Socket> {
        stream.set_read_timeout(read_timeout)?;
        stream.set_write_timeout(read_timeout)?;
        let now = Instant::now();
        Ok(Socket {
            stream,
            read_timeout,
            rcv_timeout: read_timeout,
            snd_timeout: read_timeout,
            started: now,
            deadline: now + read_timeout,
        })
    }

    /// A second handle on the same socket (a duplicated descriptor), whose current round trip
    /// has `wait` from now. Socket options belong to the socket, which both handles share.
    pub fn try_clone(&self, wait: Duration) -> io::Result<Socket> {
        let now = Instant::now();
        Ok(Socket {
            stream: self.stream.try_clone()?,
            read_timeout: wait,
            rcv_timeout: self.rcv_timeout,
            snd_timeout: self.snd_timeout,
            started: now,
            deadline: now + wait,
        })
    }

    /// Round trips from now on must be over within `read_timeout`.
    pub fn set_read_timeout(&mut self, read_timeout: Duration) {
        self.read_timeout = read_timeout;
    }

    pub fn read_timeout(&self) -> Duration {
        self.read_timeout
    }

    /// How long the current round trip has taken so far.
    pub fn waited(&self) -> Duration {
        self.started.elapsed()
    }

    /// Starts a round trip: its deadline is `read_timeout` from now.
    pub fn start_round_trip(&mut self) {
        self.started = Instant::now();
        self.deadline = self.started + self.read_timeout;
    }

    /// Sends all of `bytes` within the round trip's deadline.
    pub fn send_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        if matches!(self.stream, Stream::Tls(_)) {
            return self.send_all_tls(bytes);
        }
        let mut sent = 0;
        while sent < bytes.len() {
            self.arm(Wait::Send)?;
            match self.stream.send(&bytes[sent..]) {
                Ok(n) => sent += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Encrypts `bytes` into records as rustls's buffer allows, and sends them: a batch that
    /// fits one record (most commands) is one `send`.
    fn send_all_tls(&mut self, bytes: &[u8]) -> io::Result<()> {
        let mut taken = 0;
        loop {
            let Stream::Tls(t) = &mut self.stream else {
                return Err(io::ErrorKind::Unsupported.into());
            };
            if taken < bytes.len() {
                taken += t.encrypt(&bytes[taken..])?;
            }
            if !t.wants_write() {
                if taken < bytes.len() {
                    return Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "TLS: nothing to send, yet the data is not all taken",
                    ));
                }
                return Ok(());
            }
            self.tls_step(Wait::Send)?;
        }
    }

    /// Reads TLS plaintext within the round trip's deadline, one system call per step: what is
    /// already decrypted first, then any records rustls must send (e.g. a key update's answer),
    /// then a `recv`.
    fn read_tls(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let Stream::Tls(t) = &mut self.stream else {
                return Err(io::ErrorKind::Unsupported.into());
            };
            if let Some(n) = t.buffered(buf)? {
                return Ok(n);
            }
            let wait = match t.wants_write() {
                true => Wait::Send,
                false => Wait::Receive,
            };
            self.tls_step(wait)?;
        }
    }

    /// Makes the socket's next wait end at the round trip's deadline.
    fn arm(&mut self, wait: Wait) -> io::Result<()> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        let current = match wait {
            Wait::Receive => self.rcv_timeout,
            Wait::Send => self.snd_timeout,
        };
        if current.abs_diff(left) > TIMEOUT_SLACK {
            match wait {
                Wait::Receive => {
                    self.stream.set_read_timeout(left)?;
                    self.rcv_timeout = left;
                }
                Wait::Send => {
                    self.stream.set_write_timeout(left)?;
                    self.snd_timeout = left;
                }
            }
        }
        Ok(())
    }
}

/// Reads within the round trip's deadline: past it, an error of kind TimedOut.
impl Read for Socket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if matches!(self.stream, Stream::Tls(_)) {
            return self.read_tls(buf);
        }
        loop {
            self.arm(Wait::Receive)?;
            match self.stream.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                other => return other,
            }
        }
    }
}
