//! Keeps `fork()` safe while rsession's threads, or other request threads of a threaded PHP,
//! exist. Installed at module startup, so the handlers run around every fork.
//!
//! r2d2 and its thread pool park idle worker threads in parking_lot's process-wide wait table.
//! A child forked at that moment inherits the table with entries for threads it does not have,
//! and glibc hands those threads' stacks to the child's next new thread: the stale entries then
//! point into live memory, and the child corrupts its heap (seen as crashes in `pcntl_fork()`
//! children of a process that had served a session). So, just before any fork, every rsession
//! worker is given a job that blocks on a std condvar (a futex, no shared table) and the fork
//! waits until all are inside it; after the fork the parent releases them. php-fpm's master,
//! which never serves a request, has no such threads and pays nothing.
//!
//! A child has only the thread that forked: a lock another thread held at that moment stays held
//! in the child forever, and the child's first session hangs on it (seen with threaded PHP: 6 of
//! 400 `pcntl_fork()` children blocked on the registry's lock). So the fork also takes every
//! process-wide lock rsession has, in the one order the code nests them (registry, janitor,
//! cluster nodes, lock tokens, thread pools), and both sides release them after it.

use std::{
    any::Any,
    cell::RefCell,
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

thread_local! {
    /// The process-wide locks the forking thread holds from before the fork until after it.
    static HELD: RefCell<Vec<Box<dyn Any>>> = const { RefCell::new(Vec::new()) };
}

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
        // The registry first: a thread that holds it may be making a thread pool (POOLS).
        let mut held: Vec<Box<dyn Any>> = vec![Box::new(crate::registry::lock_for_fork())];
        quiesce_workers();
        held.push(Box::new(crate::janitor::lock_for_fork()));
        held.push(Box::new(crate::store::redis::cluster::lock_for_fork()));
        held.push(Box::new(crate::lock::lock_for_fork()));
        held.push(Box::new(lock(&POOLS)));
        HELD.with(|h| *h.borrow_mut() = held);
    });
}

/// Sends each worker thread into the gate, and waits (a while) until all are in it.
fn quiesce_workers() {
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
}

/// Releases the locks before_fork took, last taken first.
fn release_held() {
    let held = HELD.with(|h| std::mem::take(&mut *h.borrow_mut()));
    held.into_iter().rev().for_each(drop);
}

extern "C" fn after_fork_in_parent() {
    let _ = std::panic::catch_unwind(|| {
        release_held();
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
        release_held();
        std::mem::forget(lock(&GATE).take());
        lock(&POOLS).drain(..).for_each(std::mem::forget);
    });
}

#[cfg(test)]
mod tests {
    use std::{sync::mpsc, thread};

    use super::*;
    use crate::{config::IniValues, registry};

    /// Takes one of the process-wide locks, for as long as the box lives.
    type Hold = fn() -> Box<dyn Any>;

    /// Forks while another thread holds `hold`'s lock; the child then does what a request does
    /// with rsession (a backend from the registry, a lock token, the janitor) and exits. Returns
    /// how the child ended: `Some(0)` when it did all that, `None` when it hung (killed).
    fn fork_while_held(hold: Hold) -> Option<i32> {
        register();
        // The parent's janitor exists before the fork, as in a worker that served requests.
        crate::janitor::later(|| {});
        let (held, released) = (mpsc::channel(), mpsc::channel::<()>());
        let holder = thread::spawn(move || {
            let guard = hold();
            held.0.send(()).unwrap();
            // Held until the fork is under way (the parent then waits in before_fork).
            let _ = released.1.recv_timeout(Duration::from_millis(300));
            drop(guard);
        });
        held.1.recv().unwrap();
        let releaser = thread::spawn(move || {
            thread::sleep(Duration::from_millis(100));
            let _ = released.0.send(());
        });
        // SAFETY: the child only runs rsession's code (allocating, which glibc's fork makes
        // safe), then _exit()s; SIGALRM ends it if it hangs.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            // SAFETY: a plain system call: SIGALRM in 5 s ends a child that hangs.
            unsafe { libc::alarm(5) };
            let ok = registry::backend("redis://127.0.0.1:1?prefix=forked", &IniValues::default())
                .is_ok()
                && crate::lock::Lock::new(b"k".to_vec(), Duration::from_secs(1)).is_ok();
            // The janitor runs jobs in the child too (its parent's worker thread is not here).
            static RAN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
            crate::janitor::later(|| RAN.store(true, Ordering::SeqCst));
            let deadline = Instant::now() + Duration::from_secs(2);
            while !RAN.load(Ordering::SeqCst) && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(5));
            }
            let ok = ok && RAN.load(Ordering::SeqCst);
            // SAFETY: ends the child without running the parent's atexit handlers.
            unsafe { libc::_exit(if ok { 0 } else { 1 }) };
        }
        holder.join().unwrap();
        releaser.join().unwrap();
        let mut status = 0;
        // SAFETY: waits for the child just forked.
        unsafe { libc::waitpid(pid, &mut status, 0) };
        libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status))
    }

    #[test]
    fn a_child_forked_while_another_thread_holds_a_process_wide_lock_does_not_hang() {
        let holds: [(&str, Hold); 4] = [
            ("registry", || Box::new(crate::registry::lock_for_fork())),
            ("janitor", || Box::new(crate::janitor::lock_for_fork())),
            ("lock tokens", || Box::new(crate::lock::lock_for_fork())),
            ("thread pools", || Box::new(lock(&POOLS))),
        ];
        for (name, hold) in holds {
            assert_eq!(fork_while_held(hold), Some(0), "{name}: the child hung (None) or failed (Some(1)): a lock it waited on, or a janitor that never ran its job");
        }
    }
}
