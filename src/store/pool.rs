//! Connection pooling shared by every backend.
//!
//! r2d2 pools *slots*; a slot connects lazily, in the request's own thread, on its first command.
//! So a refused or rejected connection fails at once with its real cause (r2d2's own background
//! connect would make each request wait out the whole checkout timeout), nothing connects
//! before a request needs it (php-fpm forks after module startup), and a checkout costs no
//! round trip: a pooled connection is trusted until a command fails on it.

use std::{
    marker::PhantomData,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant, SystemTime},
};

use anyhow::Result;
use r2d2::{ManageConnection, Pool, PooledConnection};
use scheduled_thread_pool::ScheduledThreadPool;

use crate::{
    fork_guard,
    stats::{self, ErrorKind, Failure, NodeReport, NodeState},
};

/// The most connections a process keeps to one server. A slot connects only when a thread
/// needs it while every other one is in use, so the pool grows to the number of threads that use
/// the server at once: one for a php-fpm worker (plus the janitor's, rarely), as many as the
/// requests running at once in threaded PHP (FrankenPHP: 2 per CPU by default; Apache worker:
/// ThreadsPerChild, 25 by default). This bound only keeps a runaway process from opening
/// thousands.
pub const MAX_CONNECTIONS: u32 = 256;

/// How long to wait for a connection and for each round trip. Part of a store's settings, not
/// of its connections' identity: stores that differ only in timeouts share one pool, and each
/// call re-times the pooled connection it takes (a field: the socket follows at its next wait,
/// with a system call only when its timeout is off).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Timeouts {
    pub connect: Duration,
    pub read: Duration,
}

/// What a failed command says about the connection it ran on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterError {
    /// The server answered with an error: the stream is still in step.
    Keep,
    /// Timeout, protocol or I/O error: the stream's state is unknown.
    Discard,
    /// The peer had closed the connection (e.g. an idle timeout): a retry on a fresh one is safe.
    Reconnect,
}

/// How one backend opens connections and judges its errors.
pub trait Connector: Send + Sync + 'static {
    type Conn: Send + 'static;
    type Error: std::fmt::Display;
    /// Connects within `timeouts.connect`; replies then wait at most `timeouts.read`.
    fn connect(&self, timeouts: &Timeouts) -> Result<Self::Conn, Self::Error>;
    /// Makes a pooled connection's round trips last at most `timeouts.read` from now on; called
    /// before every call, so it must cost no system call.
    fn retime(&self, conn: &mut Self::Conn, timeouts: &Timeouts) -> Result<(), Self::Error>;
    fn after_error(&self, e: &Self::Error) -> AfterError;
    /// The cause as a user should read it (e.g. "no reply within 1s" for a timeout).
    fn describe(&self, e: &Self::Error, _timeouts: &Timeouts) -> String {
        e.to_string()
    }
    /// Whether the error is a reply that did not come within the read timeout.
    fn is_timeout(&self, e: &Self::Error) -> bool;
}

pub struct Slot<T> {
    conn: Option<T>,
    /// Has served a command before, so a closed-by-peer error may just mean it sat idle.
    reused: bool,
    broken: bool,
}

struct SlotManager<T>(PhantomData<fn() -> T>);

impl<T: Send + 'static> ManageConnection for SlotManager<T> {
    type Connection = Slot<T>;
    type Error = std::convert::Infallible;

    fn connect(&self) -> Result<Slot<T>, Self::Error> {
        Ok(Slot {
            conn: None,
            reused: false,
            broken: false,
        })
    }

    fn is_valid(&self, _: &mut Slot<T>) -> Result<(), Self::Error> {
        Ok(())
    }

    fn has_broken(&self, slot: &mut Slot<T>) -> bool {
        slot.broken
    }
}

pub struct LazyPool<C: Connector> {
    slots: Pool<SlotManager<C::Conn>>,
    /// The slot the last call gave back, kept out of r2d2: a PHP worker runs one call at a time,
    /// so it nearly always finds its connection here. r2d2's checkout and return (locks, clock
    /// readings, a condvar) cost about 800 instructions a call, more than the rest of the pool;
    /// the slot stays checked out of r2d2, which still bounds the connections and serves the
    /// calls of other threads.
    hot: Mutex<Option<PooledConnection<SlotManager<C::Conn>>>>,
    connector: C,
    label: String,
    /// After a connection-level failure, fail at once for this long instead of making every
    /// request wait out the same timeout (`None`: always try).
    retry_interval: Option<Duration>,
    /// Until when the server is considered down, and why.
    down: Mutex<Option<(Instant, String)>>,
    /// Whether `down` holds a mark: every call checks and clears the mark, and a server that
    /// answers has none, so they look here instead of taking the lock.
    marked: AtomicBool,
    /// For phpinfo and rsession_stats(): connections made, calls failed, the last failure, and
    /// whether the last call failed (a flag, so that a success takes no lock).
    connections_opened: AtomicU64,
    errors: AtomicU64,
    last_error: Mutex<Option<(SystemTime, String)>>,
    failing: AtomicBool,
    /// `fork_guard::forks()` when made: in a forked child, the pool's connections and locks are
    /// its parent's (see [`run_in_child`](Self::run_in_child)).
    forks: u64,
}

impl<C: Connector> LazyPool<C> {
    /// `label` names the backend and address in every error: `redis 127.0.0.1:6379`.
    pub fn new(connector: C, label: String, threads: Arc<ScheduledThreadPool>) -> Self {
        let slots = Pool::builder()
            .max_size(MAX_CONNECTIONS)
            .min_idle(Some(0))
            .test_on_check_out(false)
            .idle_timeout(None)
            .max_lifetime(None)
            .thread_pool(threads)
            .build_unchecked(SlotManager(PhantomData));
        LazyPool {
            slots,
            hot: Mutex::new(None),
            connector,
            label,
            retry_interval: None,
            down: Mutex::new(None),
            marked: AtomicBool::new(false),
            connections_opened: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            last_error: Mutex::new(None),
            failing: AtomicBool::new(false),
            forks: fork_guard::forks(),
        }
    }

    /// The node's state and counts, for phpinfo and rsession_stats().
    pub fn report(&self) -> NodeReport {
        let connections_opened = self.connections_opened.load(Ordering::Relaxed);
        let state = match self.down_for() {
            Some((left, _)) => NodeState::SkippedUntil(SystemTime::now() + left),
            None if self.failing.load(Ordering::Relaxed) => NodeState::Failing,
            None if connections_opened == 0 => NodeState::Unused,
            None => NodeState::Up,
        };
        NodeReport {
            name: self.label.clone(),
            state,
            last_error: self
                .last_error
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
            errors: self.errors.load(Ordering::Relaxed),
            connections_opened,
        }
    }

    pub fn with_retry_interval(mut self, interval: Duration) -> Self {
        self.retry_interval = Some(interval).filter(|d| !d.is_zero());
        self
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    /// Whether the server is marked down right now.
    pub fn is_down(&self) -> bool {
        self.down_for().is_some()
    }

    fn down_for(&self) -> Option<(Duration, String)> {
        if !self.marked.load(Ordering::Relaxed) {
            return None;
        }
        let down = self.down.lock().unwrap_or_else(|p| p.into_inner());
        let (until, cause) = down.as_ref()?;
        until
            .checked_duration_since(Instant::now())
            .map(|left| (left, cause.clone()))
    }

    fn mark(&self, failure: Option<&str>) {
        let Some(interval) = self.retry_interval else {
            return;
        };
        if failure.is_none() && !self.marked.load(Ordering::Relaxed) {
            return;
        }
        let mut down = self.down.lock().unwrap_or_else(|p| p.into_inner());
        *down = failure.map(|cause| (Instant::now() + interval, cause.to_owned()));
        self.marked.store(down.is_some(), Ordering::Relaxed);
    }

    /// A connection-level failure: reported, and the server marked down.
    fn fail(&self, kind: ErrorKind, cause: String) -> anyhow::Error {
        self.mark(Some(&cause));
        self.failure(kind, cause)
    }

    /// A failed call, counted against this node, named with its label.
    fn failure(&self, kind: ErrorKind, cause: String) -> anyhow::Error {
        self.errors.fetch_add(1, Ordering::Relaxed);
        self.failing.store(true, Ordering::Relaxed);
        let message = format!("{}: {cause}", self.label);
        *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((SystemTime::now(), cause));
        Failure { kind, message }.into()
    }

    /// Keeps a healthy slot for the next call; a second one (another thread's) goes back to r2d2.
    fn park(&self, slot: PooledConnection<SlotManager<C::Conn>>) {
        let mut hot = self.hot.lock().unwrap_or_else(|p| p.into_inner());
        if hot.is_none() {
            *hot = Some(slot);
        }
    }

    /// Runs one command (`op` names it in errors) on a pooled connection, connecting first if
    /// the slot is empty. A reused connection that the peer closed is replaced once.
    pub fn run<T>(
        &self,
        op: &str,
        timeouts: &Timeouts,
        f: impl Fn(&mut C::Conn) -> Result<T, C::Error>,
    ) -> Result<T> {
        if let Some((left, cause)) = self.down_for() {
            return Err(Failure {
                kind: ErrorKind::Skipped,
                message: format!(
                    "{}: skipped for {:.1}s more after: {cause}",
                    self.label,
                    left.as_secs_f64()
                ),
            }
            .into());
        }
        self.run_despite_down(op, timeouts, f)
    }

    /// As [`run`](Self::run), even while the server is marked down: for cleanup that has seen
    /// the server answer again (a background lock release), which the mark must not skip.
    pub fn run_despite_down<T>(
        &self,
        op: &str,
        timeouts: &Timeouts,
        f: impl Fn(&mut C::Conn) -> Result<T, C::Error>,
    ) -> Result<T> {
        let started = stats::slow_threshold().map(|_| Instant::now());
        let result = match fork_guard::forks() == self.forks {
            true => self.round_trip(op, timeouts, f),
            false => self.run_in_child(op, timeouts, f),
        };
        if let Some(started) = started {
            stats::round_trip_took(&self.label, op, started.elapsed());
        }
        result
    }

    /// A call in a process forked after this pool was made: a request that was under way when
    /// its thread called `pcntl_fork()` goes on in the child with its parent's store. The
    /// parent's connections are the parent's (a reply could reach either process), and any of
    /// the pool's locks may have been held by one of the parent's other threads, which the child
    /// does not have: so the call gets a connection of its own, closed after it, and touches
    /// nothing of the pool's.
    fn run_in_child<T>(
        &self,
        op: &str,
        timeouts: &Timeouts,
        f: impl Fn(&mut C::Conn) -> Result<T, C::Error>,
    ) -> Result<T> {
        let failure = |kind: ErrorKind, what: &str, e: &C::Error| Failure {
            kind,
            message: format!(
                "{}: {what}: {}",
                self.label,
                self.connector.describe(e, timeouts)
            ),
        };
        let mut conn = self
            .connector
            .connect(timeouts)
            .map_err(|e| failure(ErrorKind::Connect, "cannot connect", &e))?;
        stats::count(&stats::COUNTERS.connections_opened);
        f(&mut conn).map_err(|e| failure(self.call_failed(&e), &format!("{op} failed"), &e).into())
    }

    /// What a failed call on a connection that was made says, for the counters: a server's
    /// error reply, no reply in time, or a connection that broke.
    fn call_failed(&self, e: &C::Error) -> ErrorKind {
        match self.connector.after_error(e) {
            AfterError::Keep => ErrorKind::Server,
            _ if self.connector.is_timeout(e) => ErrorKind::Timeout,
            _ => ErrorKind::Connection,
        }
    }

    fn round_trip<T>(
        &self,
        op: &str,
        timeouts: &Timeouts,
        f: impl Fn(&mut C::Conn) -> Result<T, C::Error>,
    ) -> Result<T> {
        let mut retried = false;
        loop {
            let parked = self.hot.lock().unwrap_or_else(|p| p.into_inner()).take();
            let mut checked_out = match parked {
                Some(slot) => slot,
                // All in use (threaded PHP): wait for one as long as a call may take anyway.
                None => {
                    let wait = timeouts.connect + timeouts.read;
                    self.slots.get_timeout(wait).map_err(|_| {
                        self.failure(
                            ErrorKind::PoolExhausted,
                            format!(
                                "all {MAX_CONNECTIONS} connections of this process are busy, \
                                 none came free within {:.1}s (connect + read timeout)",
                                wait.as_secs_f64()
                            ),
                        )
                    })?
                }
            };
            let slot = &mut *checked_out;
            if retried {
                // The retry after a connection the server had closed gets a new one: another
                // pooled connection (e.g. the janitor's) is as stale after a server restart.
                slot.conn = None;
            }
            let conn = match &mut slot.conn {
                Some(conn) => {
                    if let Err(e) = self.connector.retime(conn, timeouts) {
                        slot.broken = true;
                        return Err(self.fail(
                            ErrorKind::Connection,
                            format!(
                                "cannot set timeouts: {}",
                                self.connector.describe(&e, timeouts)
                            ),
                        ));
                    }
                    conn
                }
                empty => match self.connector.connect(timeouts) {
                    Ok(conn) => {
                        self.connections_opened.fetch_add(1, Ordering::Relaxed);
                        stats::count(&stats::COUNTERS.connections_opened);
                        empty.insert(conn)
                    }
                    Err(e) => {
                        slot.broken = true;
                        return Err(self.fail(
                            ErrorKind::Connect,
                            format!("cannot connect: {}", self.connector.describe(&e, timeouts)),
                        ));
                    }
                },
            };
            match f(conn) {
                Ok(value) => {
                    slot.reused = true;
                    self.mark(None);
                    if self.failing.load(Ordering::Relaxed) {
                        self.failing.store(false, Ordering::Relaxed);
                    }
                    self.park(checked_out);
                    return Ok(value);
                }
                Err(e) => {
                    let after = self.connector.after_error(&e);
                    slot.broken = after != AfterError::Keep;
                    if after == AfterError::Reconnect && slot.reused && !retried {
                        retried = true;
                        continue;
                    }
                    let cause = format!("{op} failed: {}", self.connector.describe(&e, timeouts));
                    // A server's error reply leaves the connection in step: no down-mark.
                    return Err(match self.call_failed(&e) {
                        ErrorKind::Server => self.failure(ErrorKind::Server, cause),
                        kind => self.fail(kind, cause),
                    });
                }
            }
        }
    }
}
