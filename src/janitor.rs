//! Cleanup that a request must not wait for: releasing a lock whose holder's store failed
//! mid-request. The store may be stalled (a paused server runs queued commands when it resumes,
//! taking locks for requests that gave up), so the request fails at once with its warning and
//! the release runs here, on one fork-safe worker thread per process, bounded like any store
//! call by the store's timeouts. A lock left anyway expires (`rsession.lock_expire`).

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex, MutexGuard,
    },
    thread,
    time::{Duration, Instant},
};

use scheduled_thread_pool::ScheduledThreadPool;

use crate::fork_guard;

/// Jobs queued or under way at once; past this a lock is left to expire, so that a store that
/// stalls for long cannot pile up work here.
const MAX_PENDING: usize = 8;

static PENDING: AtomicUsize = AtomicUsize::new(0);
/// The worker, made on first use, with `fork_guard::forks()` then: a forked child has no thread
/// of its parent's, so it makes a worker of its own (its parent's would never run a job).
static WORKER: Mutex<Option<(u64, Arc<ScheduledThreadPool>)>> = Mutex::new(None);

fn worker() -> Arc<ScheduledThreadPool> {
    let forks = fork_guard::forks();
    let mut worker = WORKER.lock().unwrap_or_else(|p| p.into_inner());
    match &*worker {
        Some((made, pool)) if *made == forks => pool.clone(),
        _ => {
            if worker.is_some() {
                // The parent's jobs are not this process's to count.
                PENDING.store(0, Ordering::SeqCst);
            }
            let pool = fork_guard::thread_pool("rsession-janitor");
            // The parent's pool is left untouched (its thread is not here to stop).
            std::mem::forget(worker.replace((forks, pool.clone())));
            pool
        }
    }
}

/// Held across fork() (see fork_guard): no other thread holds it then, so a child finds it free.
pub(crate) fn lock_for_fork() -> MutexGuard<'static, impl Sized> {
    WORKER.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs `job` on the janitor's thread, unless MAX_PENDING jobs are already waiting.
pub fn later(job: impl FnOnce() + Send + 'static) {
    let worker = worker();
    if PENDING.fetch_add(1, Ordering::SeqCst) >= MAX_PENDING {
        PENDING.fetch_sub(1, Ordering::SeqCst);
        return;
    }
    worker.execute(move || {
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
