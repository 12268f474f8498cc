//! The storage behind sessions. A store knows nothing of PHP or of session semantics: it keeps
//! bytes under keys for a number of seconds. One file per backend.

pub mod pool;
pub mod redis;

use anyhow::Result;

/// Seconds until a stored session expires.
pub type Ttl = u64;

pub trait Store: Send + Sync {
    /// Fetches a value. With `refresh`, also resets its expiry in the same round trip.
    fn get(&self, key: &[u8], refresh: Option<Ttl>) -> Result<Option<Vec<u8>>>;
    fn set(&self, key: &[u8], value: &[u8], ttl: Ttl) -> Result<()>;
    /// Resets the expiry without rewriting the value; false when the key does not exist.
    fn touch(&self, key: &[u8], ttl: Ttl) -> Result<bool>;
    fn exists(&self, key: &[u8]) -> Result<bool>;
    fn delete(&self, key: &[u8]) -> Result<()>;
    /// Backend and address, for messages: `redis 127.0.0.1:6379`.
    fn label(&self) -> &str;
}
