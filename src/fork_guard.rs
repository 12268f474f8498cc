//! Keeps `fork()` safe while rsession's connection threads exist.
//!
//! r2d2 and its thread pool park idle worker threads in parking_lot's process-wide wait table.
//! A child forked at that moment inherits the table with entries for threads it does not have,
//! and glibc hands those threads' stacks to the child's next new thread: the stale entries then
//! point into live memory, and the child corrupts its heap (seen as crashes in `pcntl_fork()`
//! children of a process that had served a session). So, just before any fork, every rsession
//! worker is given a job that blocks on a std condvar (a futex, no shared table) and the fork
//! waits until all are inside it; after the fork the parent releases them. php-fpm's master,
//! which never serves a request, has no such threads and pays nothing.

use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Condvar, Mutex, Once,
    },
    time::{Duration, Instant},
};

use once_cell::sync::Lazy;
use scheduled_thread_pool::ScheduledThreadPool;

/// How long a fork waits for a worker busy with other work (e.g. a slow connect) to come free.
const QUIESCE_WAIT: Duration = Duration::from_secs(1);

/// Every thread pool rsession started in this process.
static POOLS: Lazy<Mutex<Vec<Arc<ScheduledThreadPool>>>> = Lazy::new(|| Mutex::new(Vec::new()));
/// The gate the workers wait at while a fork is under way.
static GATE: Mutex<Option<Arc<Gate>>> = Mutex::new(None);
static REGISTER: Once = Once::new();
/// Forks this process descends through, counted in each child: a child always counts more than
/// its parent did when it forked, so state made before a fork is recognized without asking the
/// kernel for the process id on every request.
static FORKS: AtomicU64 = AtomicU64::new(0);

#[derive(Default)]
struct Gate {
    /// (workers inside the gate, released)
    state: Mutex<(usize, bool)>,
    changed: Condvar,
}

/// How many forks made this process (see FORKS); compare two readings to know whether a fork
/// came between them.
pub fn forks() -> u64 {
    register();
    FORKS.load(Ordering::Relaxed)
}

/// A one-thread pool for r2d2's connection work, made safe to fork around.
pub fn thread_pool(name: &str) -> Arc<ScheduledThreadPool> {
    register();
    let pool = Arc::new(
        ScheduledThreadPool::builder()
            .num_threads(1)
            .thread_name_pattern(name)
            .build(),
    );
    POOLS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(pool.clone());
    pool
}

/// Installs the fork handlers, once per process (a child inherits them): at module startup, so
/// that they run around every fork, php-fpm's of its workers included.
pub fn register() {
    REGISTER.call_once(|| {
        // SAFETY: the handlers are plain functions that never unwind (see each).
        unsafe {
            libc::pthread_atfork(
                Some(before_fork),
                Some(after_fork_in_parent),
                Some(after_fork_in_child),
            )
        };
    });
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

extern "C" fn before_fork() {
    let _ = std::panic::catch_unwind(|| {
        let pools = lock(&POOLS).clone();
        if pools.is_empty() {
            return;
        }
        let gate = Arc::new(Gate::default());
        for pool in &pools {
            let gate = gate.clone();
            pool.execute(move || {
                let mut state = lock(&gate.state);
                state.0 += 1;
                gate.changed.notify_all();
                while !state.1 {
                    state = gate.changed.wait(state).unwrap_or_else(|p| p.into_inner());
                }
            });
        }
        let deadline = Instant::now() + QUIESCE_WAIT;
        let mut state = lock(&gate.state);
        while state.0 < pools.len() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            state = gate
                .changed
                .wait_timeout(state, left)
                .map(|r| r.0)
                .unwrap_or_else(|p| p.into_inner().0);
        }
        drop(state);
        *lock(&GATE) = Some(gate);
    });
}

extern "C" fn after_fork_in_parent() {
    let _ = std::panic::catch_unwind(|| {
        if let Some(gate) = lock(&GATE).take() {
            lock(&gate.state).1 = true;
            gate.changed.notify_all();
        }
    });
}

/// The workers do not exist here, and the registry starts afresh when it sees the fork count
/// change: the parent's pools and gate are left untouched (leaked), never shut down from here.
/// The child counts its own requests from zero.
extern "C" fn after_fork_in_child() {
    FORKS.fetch_add(1, Ordering::Relaxed);
    crate::stats::restart();
    let _ = std::panic::catch_unwind(|| {
        std::mem::forget(lock(&GATE).take());
        lock(&POOLS).drain(..).for_each(std::mem::forget);
    });
}
