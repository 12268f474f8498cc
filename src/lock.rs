//! The session lock protocol, shared by every store: one lock key per session holding a random
//! owner token, always with an expiry, released only by its owner (the store compares and
//! deletes atomically). Waiting is a backoff within a budget.

use std::{
    sync::{Mutex, MutexGuard},
    thread,
    time::{Duration, Instant},
};

use anyhow::{anyhow, Result};

/// A lock's key is its data key with this suffix, as phpredis names it, so two handlers never
/// disagree on one lock (memcached names it as php-memcached does: see `Store::lock_key`).
pub const LOCK_SUFFIX: &[u8] = b"_LOCK";
const FIRST_WAIT: Duration = Duration::from_millis(1);
/// Short enough that a waiter proceeds soon after release, long enough not to flood the store.
const MAX_WAIT: Duration = Duration::from_millis(20);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LockSettings {
    pub expire: Duration,
    /// How long to wait for a lock held by another request.
    pub wait: Duration,
    /// On a wait timeout, continue with the data read and no write instead of failing.
    pub readonly_on_timeout: bool,
}

/// A lock this request holds, or tries to take.
#[derive(Debug)]
pub struct Lock {
    pub key: Vec<u8>,
    pub token: String,
    pub expire: Duration,
    /// What the store saw when it took the lock, for its later writes to check.
    pub seen: Mutex<Seen>,
}

/// Versions a store noted while taking a lock (memcached: CAS values), so that a write and a
/// release change nothing that someone else changed since.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    pub lock: Option<u64>,
    pub data: Option<u64>,
    /// Which of the store's servers holds the lock (memcached: the first live node of the
    /// lock key's route when the lock was taken), so the release goes there even if another
    /// node went down or came back meanwhile.
    pub node: Option<usize>,
    /// Which server the data was read from under the lock, where its write must go.
    pub data_node: Option<usize>,
}

impl Lock {
    /// A lock on `key` (the store names it: `Store::lock_key`) with a fresh token.
    pub fn new(key: Vec<u8>, expire: Duration) -> Result<Lock> {
        Ok(Lock {
            key,
            token: new_token()?,
            expire,
            seen: Mutex::default(),
        })
    }
}

/// Where tokens come from: 128 random bits drawn once per process (again in a forked child,
/// which must not repeat its parent's tokens), plus a count of the tokens made since. Drawing
/// fresh random bits for each lock cost a system call per request; a token only has to differ
/// from every other request's, and a reader of the store sees the tokens anyway.
struct TokenSource {
    forks: u64,
    seed: Option<(u64, u64)>,
    made: u64,
}

static TOKENS: Mutex<TokenSource> = Mutex::new(TokenSource {
    forks: 0,
    seed: None,
    made: 0,
});

/// Held across fork() (see fork_guard): no other thread holds it then, so a child finds it free.
pub(crate) fn lock_for_fork() -> MutexGuard<'static, impl Sized> {
    TOKENS.lock().unwrap_or_else(|p| p.into_inner())
}

/// 128 bits as hex, unique to this lock: no other request can hold, release or overwrite it.
fn new_token() -> Result<String> {
    let forks = crate::fork_guard::forks();
    let mut source = TOKENS.lock().unwrap_or_else(|p| p.into_inner());
    if source.seed.is_none() || source.forks != forks {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(|e| anyhow!("no randomness for a lock token: {e}"))?;
        let [high, low] = [&bytes[..8], &bytes[8..]]
            .map(|half| u64::from_le_bytes(half.try_into().unwrap_or_default()));
        *source = TokenSource {
            forks,
            seed: Some((high, low)),
            made: 0,
        };
    }
    source.made += 1;
    let (high, low) = source.seed.unwrap_or_default();
    Ok(format!("{high:016x}{:016x}", low.wrapping_add(source.made)))
}

/// What trying to take a lock gave.
pub enum Attempt<T> {
    Taken(T),
    /// Held by someone else; `T` is what was read meanwhile (kept for read-only fallback).
    Busy(T),
}

/// Tries `attempt` until it takes the lock or `budget` runs out, sleeping 1 ms, 2 ms, 4 ms...
/// up to 20 ms between tries. Returns the last result, whether the lock was taken, and how long
/// the lock made the request wait (zero when the first try took it).
pub fn acquire<T>(
    budget: Duration,
    mut attempt: impl FnMut() -> Result<Attempt<T>>,
) -> Result<(T, bool, Duration)> {
    let started = Instant::now();
    let mut pause = FIRST_WAIT;
    let mut busy = false;
    loop {
        match attempt()? {
            Attempt::Taken(v) if !busy => return Ok((v, true, Duration::ZERO)),
            Attempt::Taken(v) => return Ok((v, true, started.elapsed())),
            Attempt::Busy(v) => {
                busy = true;
                let waited = started.elapsed();
                if waited >= budget {
                    return Ok((v, false, waited));
                }
                thread::sleep(pause.min(budget - waited));
                pause = (pause * 2).min(MAX_WAIT);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_fresh_random_hex() {
        let a = Lock::new(b"P:abc_LOCK".to_vec(), Duration::from_secs(3)).unwrap();
        let b = Lock::new(b"P:abc_LOCK".to_vec(), Duration::from_secs(3)).unwrap();
        assert_eq!(a.key, b"P:abc_LOCK");
        assert_eq!(*a.seen.lock().unwrap(), Seen::default());
        assert_eq!(a.token.len(), 32);
        assert!(a.token.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a.token, b.token);
        let many: std::collections::HashSet<String> =
            (0..1000).map(|_| new_token().unwrap()).collect();
        assert_eq!(many.len(), 1000);
    }

    #[test]
    fn acquire_returns_at_once_when_free() {
        let (v, taken, waited) = acquire(Duration::from_secs(1), || Ok(Attempt::Taken(7))).unwrap();
        assert_eq!((v, taken, waited), (7, true, Duration::ZERO));
    }

    #[test]
    fn acquire_backs_off_until_released() {
        let mut tries = 0;
        let (_, taken, waited) = acquire(Duration::from_secs(1), || {
            tries += 1;
            Ok(if tries < 6 {
                Attempt::Busy(())
            } else {
                Attempt::Taken(())
            })
        })
        .unwrap();
        assert!(taken);
        // 1 + 2 + 4 + 8 + 16 ms of pauses.
        assert!(
            waited >= Duration::from_millis(31) && waited < Duration::from_millis(200),
            "{waited:?}"
        );
    }

    #[test]
    fn acquire_gives_up_at_the_budget() {
        let mut tries = 0;
        let (v, taken, waited) = acquire(Duration::from_millis(100), || {
            tries += 1;
            Ok(Attempt::Busy(tries))
        })
        .unwrap();
        assert!(!taken);
        assert!(
            waited >= Duration::from_millis(100) && waited < Duration::from_millis(150),
            "{waited:?}"
        );
        assert_eq!(v, tries);
        assert!(tries > 5 && tries < 20, "{tries} tries");
    }
}
