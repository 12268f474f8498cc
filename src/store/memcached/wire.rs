//! memcached's text protocol over TCP (IPv4 or IPv6) or a unix socket, by hand: the one place in
//! rsession that encodes memcached commands and parses their replies.
//!
//! Why the text protocol, pipelined (and neither meta commands nor the binary protocol):
//! - Pipelining alone gives the store its round trips: a batch of commands goes out in one write
//!   and memcached answers them in order, so `add` + `gets` (take the lock, read lock and data
//!   with their CAS versions) is one round trip, and `cas` + `cas` (write the data against the
//!   version read under the lock, release the lock against its own version) another. Meta
//!   commands (`ms`/`mg`/`md`, memcached 1.6+) would save no round trip over that.
//! - When memcached refuses a value as too large (or runs out of memory), a meta `ms` drops the
//!   stored item whatever its mode, and so does a text `set`; a text `cas` or `add` leaves it in
//!   place (memcached 1.6 proto_text.c, process_mset_command and process_update_command). The
//!   locked write is a `cas` or an `add`, so an oversized session keeps its old data.
//! - Every memcached since 1.4 and the proxies in front of them (twemproxy, mcrouter) speak it,
//!   on every transport; php-memcached, which sessions migrate from, speaks it too. The binary
//!   protocol is deprecated.
//!
//! Costs: a batch is built in one buffer and handed to the kernel with one `send` (with
//! MSG_NOSIGNAL: a closed peer is an error, never a SIGPIPE in the PHP process); replies are read
//! through one buffer, usually with one `recv` per round trip. All the replies to one batch must
//! arrive within one deadline, `read_timeout` after the send began, however they are split.

use std::{
    collections::VecDeque,
    fmt,
    io::{self, Read},
    time::Duration,
};

use crate::{
    config::Address,
    store::socket::{timed_out, Socket},
};

/// A reply line longer than this is garbage (the longest real one is a VALUE line: a 250-byte
/// key and four numbers).
const MAX_LINE: usize = 4096;
/// memcached's largest item (`-I` tops out at 1 GiB): a longer VALUE is garbage.
const MAX_VALUE: usize = 1 << 30;
const READ_BUFFER: usize = 16 * 1024;
/// The most keys one `get`/`gets` may ask for (the store asks for one or two).
const MAX_KEYS_PER_GET: usize = 32;
/// Buffers grown past this by a large session shrink back after their round trip.
const KEEP_BUFFER: usize = 256 * 1024;

#[derive(Debug)]
pub enum WireError {
    /// The connection failed: refused, reset, closed by the server.
    Io(io::Error),
    /// The replies to a batch did not all arrive within its deadline.
    Timeout { limit: Duration, waited: Duration },
    /// Something other than the replies asked for: the stream is out of step.
    Protocol(String),
    /// The server takes no command before authentication (memcached -Y), or refused ours.
    Unauthenticated { tried: Option<String> },
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::Io(e) => write!(f, "{e}"),
            WireError::Timeout { limit, waited } => write!(
                f,
                "no reply within {limit:?} (read_timeout; waited {:.2}s)",
                waited.as_secs_f64()
            ),
            WireError::Protocol(what) => write!(f, "protocol error: {what}"),
            WireError::Unauthenticated { tried: None } => write!(
                f,
                "the server requires authentication (memcached -Y): put user:password@ before the nodes in session.save_path"
            ),
            WireError::Unauthenticated { tried: Some(user) } => write!(
                f,
                "authentication as {user:?} refused: check the user and password against memcached's -Y file"
            ),
        }
    }
}

impl From<io::Error> for WireError {
    fn from(e: io::Error) -> Self {
        WireError::Io(e)
    }
}

fn protocol(what: impl Into<String>) -> WireError {
    WireError::Protocol(what.into())
}

/// The answer to a storage, `touch` or `delete` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Stored,
    NotStored,
    Exists,
    NotFound,
    Touched,
    Deleted,
    /// `SERVER_ERROR ...`: the server refused this one command (too large, out of memory); it
    /// read the whole command, so the stream is still in step.
    ServerError(String),
}

/// One item of a `get`/`gets` reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Which of the command's keys this is (0: the first asked for).
    pub index: usize,
    pub data: Vec<u8>,
    /// The CAS version, when asked for with `gets`.
    pub cas: Option<u64>,
}

/// One connection to one memcached server.
pub struct Conn {
    socket: Socket,
    /// The keys of each `get`/`gets` in the batch, in order: a reply may only carry those,
    /// each once, so a reply out of step is never read as another key's value, and a server
    /// that sends values without end is stopped at once. Each command's is a range of
    /// `asked_keys`, whose bytes are in `asked_bytes`: buffers kept from batch to batch, so a
    /// request's commands allocate nothing for them.
    asked: VecDeque<std::ops::Range<usize>>,
    asked_keys: Vec<std::ops::Range<usize>>,
    asked_bytes: Vec<u8>,
    /// The batch being built.
    out: Vec<u8>,
    /// Replies read but not yet parsed: `buf[start..end]`.
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

/// The data length and CAS version a VALUE line announces after its key (its flags unused).
fn value_header<'a>(
    mut fields: impl Iterator<Item = &'a [u8]>,
) -> Result<(usize, Option<u64>), WireError> {
    parse_number(fields.next(), "flags")?;
    let len = parse_number(fields.next(), "value length")?;
    let cas = fields
        .next()
        .map(|f| parse_number(Some(f), "CAS version"))
        .transpose()?;
    let len = usize::try_from(len)
        .ok()
        .filter(|&len| len <= MAX_VALUE)
        .ok_or_else(|| protocol("value length out of range"))?;
    Ok((len, cas))
}

/// Where the first CRLF in `bytes` starts. memchr finds the LF; comparing byte pairs instead
/// cost a third of the parsing of a reply.
fn find_crlf(bytes: &[u8]) -> Option<usize> {
    memchr::memchr_iter(b'\n', bytes)
        .find_map(|lf| (lf > 0 && bytes[lf - 1] == b'\r').then(|| lf - 1))
}

/// Appends a number in decimal.
fn push_number(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

fn parse_number(field: Option<&[u8]>, what: &str) -> Result<u64, WireError> {
    let field = field.ok_or_else(|| protocol(format!("missing {what}")))?;
    if field.is_empty() || field.len() > 20 || !field.iter().all(u8::is_ascii_digit) {
        return Err(protocol(format!(
            "{what} is not a number: {:?}",
            String::from_utf8_lossy(field)
        )));
    }
    field.iter().try_fold(0u64, |n, &d| {
        n.checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(d - b'0')))
            .ok_or_else(|| protocol(format!("{what} out of range")))
    })
}

impl Conn {
    pub fn connect(
        address: &Address,
        connect_timeout: Duration,
        read_timeout: Duration,
    ) -> Result<Conn, WireError> {
        Ok(Conn {
            socket: Socket::connect(address, connect_timeout, read_timeout)?,
            asked: VecDeque::new(),
            asked_keys: Vec::new(),
            asked_bytes: Vec::new(),
            out: Vec::with_capacity(1024),
            buf: vec![0; READ_BUFFER],
            start: 0,
            end: 0,
        })
    }

    /// A second handle on this connection, for reading the rest of a batch whose deadline
    /// passed: the replies read but not parsed yet come along, and the rest are due within
    /// `wait` from now. The socket stays open while either handle does.
    pub fn detach(&self, wait: Duration) -> io::Result<Conn> {
        let unparsed = &self.buf[self.start..self.end];
        let mut buf = vec![0; READ_BUFFER.max(unparsed.len())];
        buf[..unparsed.len()].copy_from_slice(unparsed);
        Ok(Conn {
            socket: self.socket.try_clone(wait)?,
            asked: self.asked.clone(),
            asked_keys: self.asked_keys.clone(),
            asked_bytes: self.asked_bytes.clone(),
            out: Vec::new(),
            buf,
            start: 0,
            end: unparsed.len(),
        })
    }

    /// Replies from now on wait at most `read_timeout` (the socket follows at the next wait).
    pub fn set_read_timeout(&mut self, read_timeout: Duration) {
        self.socket.set_read_timeout(read_timeout);
    }

    // Commands, appended to the batch. Keys are checked by the store: at most 250 bytes, no
    // spaces or control characters.

    fn storage(&mut self, verb: &[u8], key: &[u8], exptime: u32, value: &[u8], cas: Option<u64>) {
        let out = &mut self.out;
        out.reserve(verb.len() + key.len() + value.len() + 64);
        out.extend_from_slice(verb);
        out.push(b' ');
        out.extend_from_slice(key);
        out.extend_from_slice(b" 0 ");
        push_number(out, u64::from(exptime));
        out.push(b' ');
        push_number(out, value.len() as u64);
        if let Some(cas) = cas {
            out.push(b' ');
            push_number(out, cas);
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }

    pub fn set(&mut self, key: &[u8], value: &[u8], exptime: u32) {
        self.storage(b"set", key, exptime, value, None);
    }

    /// Stores only if the key does not exist.
    pub fn add(&mut self, key: &[u8], value: &[u8], exptime: u32) {
        self.storage(b"add", key, exptime, value, None);
    }

    /// Stores only if the item still has CAS version `cas`.
    pub fn cas(&mut self, key: &[u8], value: &[u8], exptime: u32, cas: u64) {
        self.storage(b"cas", key, exptime, value, Some(cas));
    }

    /// A command line of a verb and its keys.
    fn keyed(&mut self, verb: &[u8], keys: &[&[u8]]) {
        self.out.extend_from_slice(verb);
        for key in keys {
            self.out.push(b' ');
            self.out.extend_from_slice(key);
        }
        self.out.extend_from_slice(b"\r\n");
    }

    pub fn get(&mut self, key: &[u8]) {
        self.keyed(b"get", &[key]);
        self.ask(&[key]);
    }

    /// Fetches the keys (at most `MAX_KEYS_PER_GET`) with their CAS versions.
    pub fn gets(&mut self, keys: &[&[u8]]) {
        self.keyed(b"gets", keys);
        self.ask(keys);
    }

    /// Notes the keys a `get`/`gets` asked for, for `values` to check its reply against.
    fn ask(&mut self, keys: &[&[u8]]) {
        assert!(
            keys.len() <= MAX_KEYS_PER_GET,
            "{} keys in one get",
            keys.len()
        );
        let first = self.asked_keys.len();
        for key in keys {
            let start = self.asked_bytes.len();
            self.asked_bytes.extend_from_slice(key);
            self.asked_keys.push(start..self.asked_bytes.len());
        }
        self.asked.push_back(first..self.asked_keys.len());
    }

    pub fn touch(&mut self, key: &[u8], exptime: u32) {
        self.out.extend_from_slice(b"touch ");
        self.out.extend_from_slice(key);
        self.out.push(b' ');
        push_number(&mut self.out, u64::from(exptime));
        self.out.extend_from_slice(b"\r\n");
    }

    pub fn delete(&mut self, key: &[u8]) {
        self.keyed(b"delete", &[key]);
    }

    /// `stats settings`: read with [`Conn::stats`].
    pub fn stats_settings(&mut self) {
        self.out.extend_from_slice(b"stats settings\r\n");
    }

    /// Sends the batch in one write and starts its deadline.
    pub fn send(&mut self) -> Result<(), WireError> {
        if self.start != self.end {
            // Bytes nobody asked for: a late reply to an earlier batch, or garbage.
            return Err(protocol(format!(
                "{} unexpected bytes from the server",
                self.end - self.start
            )));
        }
        self.start = 0;
        self.end = 0;
        if self.buf.len() > KEEP_BUFFER {
            self.buf = vec![0; READ_BUFFER];
        }
        self.socket.start_round_trip();
        if let Err(e) = self.socket.send_all(&self.out) {
            return Err(self.io_error(e));
        }
        self.out.clear();
        if self.out.capacity() > KEEP_BUFFER {
            self.out = Vec::with_capacity(1024);
        }
        Ok(())
    }

    /// A socket error as the store reports it: a timeout says what the deadline was and how
    /// long the round trip waited.
    fn io_error(&self, e: io::Error) -> WireError {
        match timed_out(e.kind()) {
            true => WireError::Timeout {
                limit: self.socket.read_timeout(),
                waited: self.socket.waited(),
            },
            false => WireError::Io(e),
        }
    }

    /// Reads more of the replies, making room for at least `room` unparsed bytes first.
    fn fill(&mut self, room: usize) -> Result<(), WireError> {
        if self.buf.len() - self.start < room {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            if self.buf.len() < room {
                self.buf.resize(room.next_power_of_two(), 0);
            }
        } else if self.end == self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            let grown = self.buf.len() * 2;
            self.buf.resize(grown, 0);
        }
        match self.socket.read(&mut self.buf[self.end..]) {
            Ok(0) => Err(WireError::Io(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection",
            ))),
            Ok(n) => {
                self.end += n;
                Ok(())
            }
            Err(e) => Err(self.io_error(e)),
        }
    }

    /// The next reply line, without its CRLF, as a range of `buf`.
    fn line(&mut self) -> Result<std::ops::Range<usize>, WireError> {
        let mut searched = self.start;
        loop {
            if let Some(at) = find_crlf(&self.buf[searched..self.end]) {
                let line = self.start..searched + at;
                self.start = searched + at + 2;
                return Ok(line);
            }
            if self.end - self.start > MAX_LINE {
                return Err(protocol("reply line too long"));
            }
            // A CR at the very end may be followed by its LF in the next read.
            searched = self.end.saturating_sub(1).max(self.start);
            let offset = searched - self.start;
            self.fill(MAX_LINE + 2)?;
            // fill() may have moved the unparsed bytes to the front.
            searched = self.start + offset;
        }
    }

    fn line_text(&self, line: std::ops::Range<usize>) -> String {
        String::from_utf8_lossy(&self.buf[line]).into_owned()
    }

    /// The reply to one storage, `touch` or `delete` command.
    pub fn reply(&mut self) -> Result<Reply, WireError> {
        let line = self.line()?;
        Ok(match &self.buf[line.clone()] {
            b"STORED" => Reply::Stored,
            b"NOT_STORED" => Reply::NotStored,
            b"EXISTS" => Reply::Exists,
            b"NOT_FOUND" => Reply::NotFound,
            b"TOUCHED" => Reply::Touched,
            b"DELETED" => Reply::Deleted,
            text if text.starts_with(b"SERVER_ERROR") => {
                let text = self.line_text(line);
                Reply::ServerError(text.trim_start_matches("SERVER_ERROR").trim().to_owned())
            }
            // CLIENT_ERROR or ERROR: memcached misread the command, and may have read its data
            // as further commands.
            _ => return Err(self.unexpected(line)),
        })
    }

    /// The error for a reply line no command of ours expects.
    fn unexpected(&self, line: std::ops::Range<usize>) -> WireError {
        match &self.buf[line.clone()] {
            // memcached -Y: a command before authentication, or a refused authentication.
            b"CLIENT_ERROR unauthenticated" | b"CLIENT_ERROR authentication failure" => {
                WireError::Unauthenticated { tried: None }
            }
            _ => protocol(format!("unexpected reply {:?}", self.line_text(line))),
        }
    }

    /// memcached's ASCII authentication: a `set` whose data is "user password", answered
    /// STORED. Costs one round trip per new connection.
    pub fn authenticate(&mut self, user: &str, password: &str) -> Result<(), WireError> {
        let line = format!("{user} {password}");
        self.set(b"rsession-auth", line.as_bytes(), 0);
        self.send()?;
        match self.reply() {
            Ok(Reply::Stored) => Ok(()),
            Ok(other) => Err(protocol(format!(
                "unexpected reply {other:?} to authentication"
            ))),
            Err(WireError::Unauthenticated { .. }) => Err(WireError::Unauthenticated {
                tried: Some(user.to_owned()),
            }),
            Err(e) => Err(e),
        }
    }

    /// The items of one `get`/`gets` reply, up to its END: only keys that command asked for,
    /// each at most once.
    pub fn values(&mut self) -> Result<Vec<Item>, WireError> {
        let asked = self.asked.pop_front().unwrap_or_default();
        // Bit i: the command's key i has not come yet.
        let mut missing: u64 = (1u64 << asked.len()) - 1;
        let mut items = Vec::new();
        let result = loop {
            let line = match self.line() {
                Ok(line) => line,
                Err(e) => break Err(e),
            };
            let text = &self.buf[line.clone()];
            if text == b"END" {
                break Ok(items);
            }
            let Some(fields) = text.strip_prefix(b"VALUE ") else {
                break Err(self.unexpected(line));
            };
            let mut fields = fields.split(|&b| b == b' ');
            let named = fields.next().unwrap_or_default();
            let index = asked.clone().position(|k| {
                missing & (1 << (k - asked.start)) != 0
                    && self.asked_bytes[self.asked_keys[k].clone()] == *named
            });
            let Some(index) = index else {
                break Err(protocol(format!(
                    "a value for {:?}, which this command did not ask for (or asked for once)",
                    String::from_utf8_lossy(named)
                )));
            };
            missing &= !(1 << index);
            let header = value_header(fields);
            match header.and_then(|(len, cas)| Ok((self.data(len)?, cas))) {
                Ok((data, cas)) => items.push(Item { index, data, cas }),
                Err(e) => break Err(e),
            }
        };
        if self.asked.is_empty() {
            self.asked_keys.clear();
            self.asked_bytes.clear();
        }
        result
    }

    /// A data block of `len` bytes and its CRLF.
    fn data(&mut self, len: usize) -> Result<Vec<u8>, WireError> {
        // The buffer grows with what arrives (doubling), not with what the header announces:
        // a header may promise a gigabyte that never comes.
        while self.end - self.start < len + 2 {
            let have = self.end - self.start;
            self.fill((len + 2).min(have.saturating_mul(2).max(READ_BUFFER)))?;
        }
        let block = &self.buf[self.start..self.start + len + 2];
        if &block[len..] != b"\r\n" {
            return Err(protocol("data block not followed by CRLF"));
        }
        let data = block[..len].to_vec();
        self.start += len + 2;
        Ok(data)
    }

    /// The `STAT name value` lines of a stats reply, up to its END.
    pub fn stats(&mut self) -> Result<Vec<(String, String)>, WireError> {
        let mut stats = Vec::new();
        loop {
            let line = self.line()?;
            let text = self.line_text(line);
            if text == "END" {
                return Ok(stats);
            }
            let mut fields = text.splitn(3, ' ');
            match (fields.next(), fields.next(), fields.next()) {
                (Some("STAT"), Some(name), value) => {
                    stats.push((name.to_owned(), value.unwrap_or_default().to_owned()))
                }
                _ => return Err(protocol(format!("unexpected reply {text:?}"))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::{io::Write, net::TcpListener, sync::mpsc, thread, time::Instant};

    #[test]
    fn crlf_is_found_only_as_a_pair() {
        assert_eq!(find_crlf(b"END\r\n"), Some(3));
        assert_eq!(find_crlf(b"\r\n"), Some(0));
        assert_eq!(find_crlf(b"a\nb\rc\r\n"), Some(5));
        assert_eq!(find_crlf(b"\nEND"), None);
        assert_eq!(find_crlf(b"END\r"), None);
        assert_eq!(find_crlf(b""), None);
    }

    /// A scripted peer: reads one request (until `expect` bytes arrived), then writes each
    /// (delay, bytes) step. Returns the address to connect to and what it received.
    fn peer(expect: usize, steps: Vec<(u64, &'static [u8])>) -> (Address, mpsc::Receiver<Vec<u8>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut got = Vec::new();
            let mut chunk = [0u8; 4096];
            while got.len() < expect {
                match s.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => got.extend_from_slice(&chunk[..n]),
                }
            }
            let _ = tx.send(got);
            for (delay, bytes) in steps {
                thread::sleep(Duration::from_millis(delay));
                if s.write_all(bytes).is_err() {
                    return;
                }
            }
            thread::sleep(Duration::from_millis(500));
        });
        let address = Address::Tcp {
            host: "127.0.0.1".into(),
            port,
        };
        (address, rx)
    }

    fn connect(address: &Address, read_timeout_ms: u64) -> Conn {
        Conn::connect(
            address,
            Duration::from_secs(1),
            Duration::from_millis(read_timeout_ms),
        )
        .unwrap()
    }

    #[test]
    fn a_pipelined_batch_goes_out_as_written_and_its_replies_are_parsed_in_order() {
        let request: &[u8] = b"add k_LOCK 0 30 3\r\ntok\r\ngets k_LOCK k\r\ncas k 0 1440 2 7\r\nhi\r\ncas k_LOCK 0 2592001 0 8\r\n\r\n";
        let (address, got) = peer(
            request.len(),
            vec![(
                0,
                b"NOT_STORED\r\nVALUE k_LOCK 0 3 8\r\ntok\r\nVALUE k 0 4 7\r\na\r\nb\r\nEND\r\nSERVER_ERROR object too large for cache\r\nEXISTS\r\n",
            )],
        );
        let mut c = connect(&address, 1000);
        c.add(b"k_LOCK", b"tok", 30);
        c.gets(&[b"k_LOCK", b"k"]);
        c.cas(b"k", b"hi", 1440, 7);
        c.cas(b"k_LOCK", b"", 2_592_001, 8);
        c.send().unwrap();
        assert_eq!(got.recv().unwrap(), request);
        assert_eq!(c.reply().unwrap(), Reply::NotStored);
        let items = c.values().unwrap();
        assert_eq!(
            items,
            vec![
                Item {
                    index: 0,
                    data: b"tok".to_vec(),
                    cas: Some(8)
                },
                // Data that holds a CRLF of its own is read by its length.
                Item {
                    index: 1,
                    data: b"a\r\nb".to_vec(),
                    cas: Some(7)
                },
            ]
        );
        assert_eq!(
            c.reply().unwrap(),
            Reply::ServerError("object too large for cache".into())
        );
        assert_eq!(c.reply().unwrap(), Reply::Exists);
    }

    #[test]
    fn replies_split_across_reads_and_large_values_are_reassembled() {
        let big = vec![b'x'; 100_000];
        let mut reply = format!("VALUE big 0 {}\r\n", big.len()).into_bytes();
        reply.extend_from_slice(&big);
        reply.extend_from_slice(b"\r\nEND\r\n");
        let reply: &'static [u8] = Box::leak(reply.into_boxed_slice());
        let (head, tail) = reply.split_at(7);
        let (address, _) = peer(9, vec![(0, head), (20, tail)]);
        let mut c = connect(&address, 1000);
        c.get(b"big");
        c.send().unwrap();
        let items = c.values().unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].data, big);
        assert_eq!(items[0].cas, None);
    }

    #[test]
    fn one_deadline_covers_all_the_replies_of_a_batch() {
        // The first reply comes after 150 ms, the second 150 ms later: each alone is within the
        // 250 ms read timeout, together they are not.
        let (address, _) = peer(10, vec![(150, b"STORED\r\n"), (150, b"STORED\r\n")]);
        let mut c = connect(&address, 250);
        c.set(b"a", b"1", 0);
        c.set(b"b", b"2", 0);
        c.send().unwrap();
        let started = Instant::now();
        assert_eq!(c.reply().unwrap(), Reply::Stored);
        let e = c.reply().unwrap_err();
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(200) && waited < Duration::from_millis(290),
            "{waited:?}"
        );
        let text = e.to_string();
        assert!(
            text.starts_with("no reply within 250ms (read_timeout; waited 0.2"),
            "{text}"
        );
        let WireError::Timeout { limit, waited } = e else {
            panic!("{text}")
        };
        assert_eq!(limit, Duration::from_millis(250));
        assert!(waited >= Duration::from_millis(240), "{waited:?}");
    }

    #[test]
    fn a_refused_connection_fails_at_once() {
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let started = Instant::now();
        let e = Conn::connect(
            &Address::Tcp {
                host: "127.0.0.1".into(),
                port,
            },
            Duration::from_secs(1),
            Duration::from_secs(1),
        )
        .err()
        .unwrap();
        assert!(started.elapsed() < Duration::from_millis(50));
        assert!(
            matches!(&e, WireError::Io(io) if io.kind() == io::ErrorKind::ConnectionRefused),
            "{e}"
        );
    }

    #[test]
    fn garbage_and_client_errors_are_protocol_errors() {
        for garbage in [
            &b"CLIENT_ERROR bad data chunk\r\n"[..],
            b"ERROR\r\n",
            b"VALUE k 0 notanumber\r\n",
            b"VALUE k 0 3\r\nabcdef\r\n",
        ] {
            let (address, _) = peer(7, vec![(0, garbage)]);
            let mut c = connect(&address, 500);
            c.get(b"k");
            c.send().unwrap();
            let e = c.values().unwrap_err();
            assert!(matches!(e, WireError::Protocol(_)), "{e}");
        }
        let (address, _) = peer(10, vec![(0, b"CLIENT_ERROR line\r\n")]);
        let mut c = connect(&address, 500);
        c.touch(b"k", 5);
        c.send().unwrap();
        assert!(matches!(c.reply(), Err(WireError::Protocol(_))));
    }

    #[test]
    fn bytes_left_over_from_a_batch_make_the_next_send_fail() {
        let (address, _) = peer(10, vec![(0, b"STORED\r\nSTORED\r\n")]);
        let mut c = connect(&address, 500);
        c.set(b"a", b"1", 0);
        c.send().unwrap();
        // Both replies are in the socket by now, so the first read takes both in.
        thread::sleep(Duration::from_millis(50));
        assert_eq!(c.reply().unwrap(), Reply::Stored);
        c.get(b"a");
        assert!(matches!(c.send(), Err(WireError::Protocol(_))));
    }

    #[test]
    fn numbers() {
        let mut out = Vec::new();
        for n in [0u64, 7, 10, 2_592_001, u64::MAX] {
            out.clear();
            push_number(&mut out, n);
            assert_eq!(out, n.to_string().as_bytes());
            assert_eq!(parse_number(Some(&out), "n").unwrap(), n);
        }
        assert!(parse_number(Some(b"18446744073709551616"), "n").is_err());
        assert!(parse_number(Some(b""), "n").is_err());
        assert!(parse_number(None, "n").is_err());
    }
}
