//! The storage behind sessions. A store knows nothing of PHP or of session semantics: it keeps
//! bytes under keys for a number of seconds. One file per backend.

pub mod ketama;
pub mod memcached;
#[cfg(test)]
pub mod memory;
pub mod placement;
pub mod pool;
pub mod redis;
pub mod socket;
pub mod tls;

use anyhow::Result;

use crate::lock::{Lock, LOCK_SUFFIX};

/// The session id in a key the Session built as prefix + id. Stores that spread sessions over
/// servers place them by the id alone, as the PHP extensions they stay compatible with do.
pub fn session_id(key: &[u8], prefix_len: usize) -> &[u8] {
    key.get(prefix_len..).unwrap_or(key)
}

/// Seconds until a stored session expires.
pub type Ttl = u64;

pub trait Store: Send + Sync {
    /// Refuses keys the backend cannot hold, before any command is built.
    fn check_key(&self, _key: &[u8]) -> Result<()> {
        Ok(())
    }
    /// Fetches a value. With `refresh`, also resets its expiry in the same round trip.
    fn get(&self, key: &[u8], refresh: Option<Ttl>) -> Result<Option<Vec<u8>>>;
    fn set(&self, key: &[u8], value: &[u8], ttl: Ttl) -> Result<()>;
    /// Resets the expiry without rewriting the value; false when the key does not exist.
    fn touch(&self, key: &[u8], ttl: Ttl) -> Result<bool>;
    fn exists(&self, key: &[u8]) -> Result<bool>;
    fn delete(&self, key: &[u8]) -> Result<()>;
    /// Backend and address, for messages: `redis 127.0.0.1:6379`.
    fn label(&self) -> &str;

    // Locking: each call is one round trip, and every check of the owner token is atomic.

    /// The key of the lock on `key`: named as the peer handler of the same store names it, so
    /// that during a switch from that handler both lock the same key. Redis: phpredis's
    /// `<key>_LOCK`.
    fn lock_key(&self, key: &[u8]) -> Vec<u8> {
        [key, LOCK_SUFFIX].concat()
    }

    /// Takes `lock` if it is free and fetches the value (refreshing its expiry with `refresh`).
    /// Returns whether the lock was taken, and the value either way.
    fn lock_get(
        &self,
        key: &[u8],
        lock: &Lock,
        refresh: Option<Ttl>,
    ) -> Result<(bool, Option<Vec<u8>>)>;
    /// Writes the value and releases the lock, only if the lock is still ours.
    fn set_unlock(&self, key: &[u8], value: &[u8], ttl: Ttl, lock: &Lock) -> Result<Unlocked>;
    /// Refreshes the expiry (when `ttl` is given) and releases the lock, only if it is ours.
    fn touch_unlock(&self, key: &[u8], ttl: Option<Ttl>, lock: &Lock) -> Result<Unlocked>;
    /// Deletes the value, and releases the lock if it is ours.
    fn delete_unlock(&self, key: &[u8], lock: &Lock) -> Result<()>;
}

/// A write the server refused on a healthy connection (too large, out of memory): the store
/// has already released the request's lock, and kept the data stored before.
#[derive(Debug)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

/// A write that was done, and its lock released, but that fewer replicas than asked for
/// (Redis `wait=`) confirmed in time: the request goes on, with this warning.
#[derive(Debug)]
pub struct NotReplicated(pub String);

impl std::fmt::Display for NotReplicated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NotReplicated {}

/// What a conditional write-and-release found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unlocked {
    /// Done, lock released.
    Done,
    /// Released, but the value no longer existed, so its expiry could not be refreshed.
    ValueMissing,
    /// The lock was no longer ours (it expired, perhaps taken by another request): nothing done.
    LockLost,
}
