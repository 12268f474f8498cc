//! What this process's session handler did, for `rsession_stats()` and phpinfo: counters kept
//! in atomics (a few relaxed additions per request), and the slow-operation log.
//!
//! The counters are per process: a php-fpm worker counts its own requests since it was forked.
//! A forked child starts from zero (fork_guard calls [`restart`]), so that a parent's counts are
//! never reported twice.

use std::{
    cell::{Cell, RefCell},
    sync::atomic::{AtomicU64, Ordering::Relaxed},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

/// One counter per event a request can cause.
pub struct Counters {
    pub reads: AtomicU64,
    pub writes: AtomicU64,
    pub touches: AtomicU64,
    pub destroys: AtomicU64,
    pub lock_acquisitions: AtomicU64,
    pub lock_waits: AtomicU64,
    pub lock_wait_micros: AtomicU64,
    pub lock_timeouts: AtomicU64,
    pub locks_lost: AtomicU64,
    pub bytes_read: AtomicU64,
    pub bytes_written: AtomicU64,
    pub connections_opened: AtomicU64,
    errors: [AtomicU64; ErrorKind::ALL.len()],
    /// When counting began, in microseconds since the epoch (0: at the first look).
    since_micros: AtomicU64,
}

#[allow(clippy::declare_interior_mutable_const)]
const ZERO: AtomicU64 = AtomicU64::new(0);

pub static COUNTERS: Counters = Counters {
    reads: ZERO,
    writes: ZERO,
    touches: ZERO,
    destroys: ZERO,
    lock_acquisitions: ZERO,
    lock_waits: ZERO,
    lock_wait_micros: ZERO,
    lock_timeouts: ZERO,
    locks_lost: ZERO,
    bytes_read: ZERO,
    bytes_written: ZERO,
    connections_opened: ZERO,
    errors: [ZERO; ErrorKind::ALL.len()],
    since_micros: ZERO,
};

/// Adds `n` to `counter`.
pub fn add(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Relaxed);
}

/// Adds one to `counter`.
pub fn count(counter: &AtomicU64) {
    add(counter, 1);
}

/// What made a store call fail, as `rsession_stats()['errors']` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// No connection could be made (refused, unreachable, no answer in the connect timeout,
    /// authentication or TLS refused).
    Connect,
    /// Connected, but no reply within the read timeout.
    Timeout,
    /// The connection failed mid-call: reset, closed, or a reply out of step.
    Connection,
    /// The server answered with an error.
    Server,
    /// Not tried: the node failed lately and is left alone for `retry_interval`.
    Skipped,
    /// Every connection of the process's pool was busy (threaded PHP only).
    PoolExhausted,
    /// A write refused: over rsession.max_size, or by the server on a healthy connection (too
    /// large for it, out of memory).
    Refused,
    /// A stored value that could not be decrypted or decompressed, read as an empty session.
    Unreadable,
    /// Anything else (a key the store cannot hold, an internal error).
    Other,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 9] = [
        ErrorKind::Connect,
        ErrorKind::Timeout,
        ErrorKind::Connection,
        ErrorKind::Server,
        ErrorKind::Skipped,
        ErrorKind::PoolExhausted,
        ErrorKind::Refused,
        ErrorKind::Unreadable,
        ErrorKind::Other,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Connect => "connect",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Connection => "connection",
            ErrorKind::Server => "server",
            ErrorKind::Skipped => "skipped",
            ErrorKind::PoolExhausted => "pool_exhausted",
            ErrorKind::Refused => "refused",
            ErrorKind::Unreadable => "unreadable",
            ErrorKind::Other => "other",
        }
    }
}

/// Counts one failed call of the handler, by what failed.
pub fn error(kind: ErrorKind) {
    count(&COUNTERS.errors[kind as usize]);
}

/// A store failure with its kind: the pool makes these, the session counts them once per failed
/// call (a request does not call a store again after it failed).
#[derive(Debug)]
pub struct Failure {
    pub kind: ErrorKind,
    pub message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

fn micros(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

impl Counters {
    /// The whole-number counters, as `rsession_stats()` names them, in its order (the wait
    /// time and the errors by kind are kept apart: see [`snapshot`]).
    fn named(&self) -> [(&'static str, &AtomicU64); 11] {
        [
            ("reads", &self.reads),
            ("writes", &self.writes),
            ("touches", &self.touches),
            ("destroys", &self.destroys),
            ("lock_acquisitions", &self.lock_acquisitions),
            ("lock_waits", &self.lock_waits),
            ("lock_timeouts", &self.lock_timeouts),
            ("locks_lost", &self.locks_lost),
            ("bytes_read", &self.bytes_read),
            ("bytes_written", &self.bytes_written),
            ("connections_opened", &self.connections_opened),
        ]
    }
}

/// Starts counting afresh: at module startup, and in a forked child (only atomic stores and a
/// clock reading, safe right after fork).
pub fn restart() {
    let named = COUNTERS.named().map(|(_, counter)| counter);
    for counter in named
        .into_iter()
        .chain([&COUNTERS.lock_wait_micros])
        .chain(&COUNTERS.errors)
    {
        counter.store(0, Relaxed);
    }
    COUNTERS
        .since_micros
        .store(micros(SystemTime::now()), Relaxed);
}

/// The counters at one moment, named as `rsession_stats()` returns them.
pub struct Snapshot {
    /// Seconds since the epoch when counting began.
    pub since: f64,
    pub counts: Vec<(&'static str, u64)>,
    pub lock_wait: Duration,
    pub errors: Vec<(&'static str, u64)>,
}

pub fn snapshot() -> Snapshot {
    let c = &COUNTERS;
    let _ = c
        .since_micros
        .compare_exchange(0, micros(SystemTime::now()), Relaxed, Relaxed);
    let get = |counter: &AtomicU64| counter.load(Relaxed);
    Snapshot {
        since: get(&c.since_micros) as f64 / 1e6,
        counts: c
            .named()
            .iter()
            .map(|(name, counter)| (*name, get(counter)))
            .collect(),
        lock_wait: Duration::from_micros(get(&c.lock_wait_micros)),
        errors: ErrorKind::ALL
            .iter()
            .map(|&kind| (kind.name(), get(&c.errors[kind as usize])))
            .collect(),
    }
}

/// A node's state, as phpinfo and `rsession_stats()['nodes']` show it.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeReport {
    /// Backend and address, as warnings name it: `redis 10.0.0.5:6379`.
    pub name: String,
    pub state: NodeState,
    /// The last failure: when, and its cause.
    pub last_error: Option<(SystemTime, String)>,
    pub errors: u64,
    pub connections_opened: u64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NodeState {
    /// No connection opened to it yet.
    Unused,
    Up,
    /// Its last call failed; it is tried again by the next request.
    Failing,
    /// Left alone until then after a failure (memcached's `retry_interval`, a stalled cluster
    /// node).
    SkippedUntil(SystemTime),
}

impl NodeState {
    pub fn name(self) -> &'static str {
        match self {
            NodeState::Unused => "unused",
            NodeState::Up => "up",
            NodeState::Failing => "failing",
            NodeState::SkippedUntil(_) => "skipped",
        }
    }
}

impl NodeReport {
    /// One line for phpinfo: `up, 1 connection opened, 0 errors`.
    pub fn describe(&self) -> String {
        let mut text = match self.state {
            NodeState::SkippedUntil(until) => format!(
                "skipped for {:.1}s more",
                until
                    .duration_since(SystemTime::now())
                    .unwrap_or_default()
                    .as_secs_f64()
            ),
            state => state.name().to_owned(),
        };
        let plural = |n: u64| if n == 1 { "" } else { "s" };
        text += &format!(
            ", {} connection{} opened, {} error{}",
            self.connections_opened,
            plural(self.connections_opened),
            self.errors,
            plural(self.errors)
        );
        if let Some((when, cause)) = &self.last_error {
            let ago = SystemTime::now()
                .duration_since(*when)
                .unwrap_or_default()
                .as_secs_f64();
            text += &format!("; last error {ago:.0}s ago: {cause}");
        }
        text
    }
}

// The slow-operation log (rsession.slow_log_ms): the pool times each round trip of the calls a
// request makes, the session adds which session it was for and logs it.

/// A round trip or lock wait over the threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct Slow {
    pub node: String,
    pub op: String,
    pub took: Duration,
}

thread_local! {
    /// The threshold while a request's store call runs on this thread; None otherwise (the
    /// janitor's background releases are nobody's request).
    static SLOW_THRESHOLD: Cell<Option<Duration>> = const { Cell::new(None) };
    static SLOW: RefCell<Vec<Slow>> = const { RefCell::new(Vec::new()) };
}

/// Times the store calls `f` makes on this thread against `threshold`; returns what `f` returned
/// and the round trips that took longer.
pub fn timing<T>(threshold: Option<Duration>, f: impl FnOnce() -> T) -> (T, Vec<Slow>) {
    if threshold.is_none() {
        return (f(), Vec::new());
    }
    let outer = SLOW_THRESHOLD.with(|t| t.replace(threshold));
    let value = f();
    SLOW_THRESHOLD.with(|t| t.set(outer));
    (value, SLOW.with(|s| std::mem::take(&mut *s.borrow_mut())))
}

/// The threshold for the round trip starting now, if someone is timing this thread's calls.
pub fn slow_threshold() -> Option<Duration> {
    SLOW_THRESHOLD.with(Cell::get)
}

/// Notes a round trip to `node` that took `took`, if over the threshold.
pub fn round_trip_took(node: &str, op: &str, took: Duration) {
    if slow_threshold().is_some_and(|threshold| took > threshold) {
        SLOW.with(|s| {
            s.borrow_mut().push(Slow {
                node: node.to_owned(),
                op: op.to_owned(),
                took,
            })
        });
    }
}

/// Where slow-log lines go: PHP's error log (the php module installs it at startup); nowhere
/// until then (unit tests).
static SINK: std::sync::OnceLock<fn(&str)> = std::sync::OnceLock::new();

pub fn set_log_sink(sink: fn(&str)) {
    let _ = SINK.set(sink);
}

pub fn log(line: &str) {
    if let Some(sink) = SINK.get() {
        sink(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_round_trips_over_the_threshold_are_kept_and_only_while_timed() {
        round_trip_took("redis a", "GET", Duration::from_secs(5));
        let ((), slow) = timing(Some(Duration::from_millis(100)), || {
            round_trip_took("redis a", "GET", Duration::from_millis(99));
            round_trip_took("redis b", "SET", Duration::from_millis(101));
        });
        assert_eq!(
            slow,
            vec![Slow {
                node: "redis b".into(),
                op: "SET".into(),
                took: Duration::from_millis(101)
            }]
        );
        let ((), slow) = timing(None, || {
            round_trip_took("redis b", "SET", Duration::from_secs(1))
        });
        assert!(slow.is_empty());
        assert_eq!(slow_threshold(), None);
    }

    #[test]
    fn a_node_report_reads_as_one_line() {
        let report = NodeReport {
            name: "redis 127.0.0.1:6379".into(),
            state: NodeState::Failing,
            last_error: Some((SystemTime::now(), "cannot connect: refused".into())),
            errors: 1,
            connections_opened: 2,
        };
        assert_eq!(
            report.describe(),
            "failing, 2 connections opened, 1 error; last error 0s ago: cannot connect: refused"
        );
    }
}
