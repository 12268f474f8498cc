//! Cleanup that a request must not wait for: releasing a lock whose holder's store failed
//! mid-request. The store may be stalled (a paused server runs queued commands when it resumes,
//! taking locks for requests that gave up), so the request fails at once with its warning and
//! the release runs here, on one fork-safe worker thread per process, bounded like any store
//! call by the store's timeouts. A lock left anyway expires (`rsession.lock_expire`).

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    thread,
    time::{Duration, Instant},
};

use once_cell::sync::Lazy;
use scheduled_thread_pool::ScheduledThreadPool;

use crate::fork_guard;

/// Jobs queued or under way at once; past this a lock is left to expire, so that a store that
/// stalls for long cannot pile up work here.
const MAX_PENDING: usize = 8;

static PENDING: AtomicUsize = AtomicUsize::new(0);
static WORKER: Lazy<Arc<ScheduledThreadPool>> =
    Lazy::new(|| fork_guard::thread_pool("rsession-janitor"));

/// Runs `job` on the janitor's thread, unless MAX_PENDING jobs are already waiting.
pub fn later(job: impl FnOnce() + Send + 'static) {
    if PENDING.fetch_add(1, Ordering::SeqCst) >= MAX_PENDING {
        PENDING.fetch_sub(1, Ordering::SeqCst);
        return;
    }
    WORKER.execute(move || {
        job();
        PENDING.fetch_sub(1, Ordering::SeqCst);
    });
}

/// Runs `release` until it succeeds or a lock taken now would have expired (`expire`), pausing
/// 50 ms, 100 ms... up to 1 s between tries: a store that failed may answer again soon.
pub fn retry_until_expired(expire: Duration, mut release: impl FnMut() -> bool) {
    let until = Instant::now() + expire;
    let mut pause = Duration::from_millis(50);
    while !release() && Instant::now() < until {
        thread::sleep(pause.min(until.saturating_duration_since(Instant::now())));
        pause = (pause * 2).min(Duration::from_secs(1));
    }
}
