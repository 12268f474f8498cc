//! The session handler's logic, one request's worth, over any store: PHP's contract mapped to
//! the fewest round trips.

use std::{fmt, sync::Arc};

use anyhow::{anyhow, bail, Result};

use crate::{
    registry::Backend,
    session_id,
    store::{Store, Ttl},
};

/// How many freshly generated ids may collide with stored ones before we give up.
const CREATE_ID_TRIES: usize = 3;

/// A store failure this request has already warned about. Later calls in the same request fail
/// quietly instead of waiting out the same timeout again.
#[derive(Debug)]
pub struct AlreadyReported;

impl fmt::Display for AlreadyReported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the session store already failed in this request")
    }
}

impl std::error::Error for AlreadyReported {}

enum Health {
    Ok,
    /// The store failed; the error is kept until some call reports it.
    Failed(Option<anyhow::Error>),
}

pub struct Session {
    backend: Arc<Backend>,
    health: Health,
    /// `session.gc_maxlifetime` at open, for calls whose PHP signature carries no lifetime.
    lifetime: i64,
    /// Data fetched ahead for one id (by validate or create), handed to the read that follows
    /// so strict mode and new sessions cost no extra round trip.
    prefetched: Option<(Vec<u8>, Option<Vec<u8>>)>,
}

/// Converts `session.gc_maxlifetime` to an expiry, refusing values that would expire at once.
pub fn ttl(lifetime: i64) -> Result<Ttl> {
    match Ttl::try_from(lifetime) {
        Ok(secs) if secs > 0 => Ok(secs),
        _ => bail!(
            "session.gc_maxlifetime is {lifetime}: sessions need a lifetime of at least 1 second"
        ),
    }
}

impl Session {
    pub fn new(backend: Arc<Backend>, lifetime: i64) -> Self {
        Session {
            backend,
            health: Health::Ok,
            lifetime,
            prefetched: None,
        }
    }

    /// One store call, unless the store already failed in this request.
    fn call<T>(&mut self, f: impl FnOnce(&dyn Store) -> Result<T>) -> Result<T> {
        if let Health::Failed(unreported) = &mut self.health {
            return Err(unreported.take().unwrap_or_else(|| AlreadyReported.into()));
        }
        let result = f(&*self.backend.store);
        if result.is_err() {
            self.health = Health::Failed(None);
        }
        result
    }

    fn key(&self, id: &[u8]) -> Result<Vec<u8>> {
        session_id::check(id).map_err(|e| anyhow!(e))?;
        let prefix = self.backend.config.prefix.as_bytes();
        let mut key = Vec::with_capacity(prefix.len() + id.len());
        key.extend_from_slice(prefix);
        key.extend_from_slice(id);
        Ok(key)
    }

    fn fetch(&mut self, id: &[u8], lifetime: i64) -> Result<Option<Vec<u8>>> {
        let key = self.key(id)?;
        let refresh = match self.backend.config.early_refresh {
            true => Some(ttl(lifetime)?),
            false => None,
        };
        self.call(|store| store.get(&key, refresh))
    }

    /// The stored data, or empty for a session that does not exist.
    pub fn read(&mut self, id: &[u8], lifetime: i64) -> Result<Vec<u8>> {
        if let Some((prefetched_id, data)) = self.prefetched.take() {
            if prefetched_id == id {
                return Ok(data.unwrap_or_default());
            }
        }
        Ok(self.fetch(id, lifetime)?.unwrap_or_default())
    }

    /// Strict mode: does this id name a stored session? Fetches the data for the read to come.
    /// An id no generator could have made names no session: PHP then issues a new one.
    pub fn validate(&mut self, id: &[u8]) -> Result<bool> {
        if session_id::check(id).is_err() {
            return Ok(false);
        }
        let data = self.fetch(id, self.lifetime)?;
        let exists = data.is_some();
        self.prefetched = Some((id.to_vec(), data));
        Ok(exists)
    }

    pub fn write(&mut self, id: &[u8], data: &[u8], lifetime: i64) -> Result<()> {
        self.prefetched = None;
        let key = self.key(id)?;
        let ttl = ttl(lifetime)?;
        self.call(|store| store.set(&key, data, ttl))
    }

    /// lazy_write with unchanged data: refresh the expiry only. With early_refresh the read
    /// already did. A session that vanished meanwhile is written back, so no data is lost.
    pub fn update_timestamp(&mut self, id: &[u8], data: &[u8], lifetime: i64) -> Result<()> {
        if self.backend.config.early_refresh {
            return Ok(());
        }
        let key = self.key(id)?;
        let ttl = ttl(lifetime)?;
        self.call(|store| match store.touch(&key, ttl)? {
            true => Ok(()),
            false => store.set(&key, data, ttl),
        })
    }

    pub fn destroy(&mut self, id: &[u8]) -> Result<()> {
        self.prefetched = None;
        let key = self.key(id)?;
        self.call(|store| store.delete(&key))
    }

    /// A new id from `generate` (PHP's generator) that no stored session uses yet.
    ///
    /// PHP turns a failed create_sid into a thrown Error. When the store cannot answer, the
    /// fresh random id is returned unchecked and the error kept for the read that follows, so
    /// `session_start()` warns and returns false instead.
    pub fn create_id(&mut self, mut generate: impl FnMut() -> Result<Vec<u8>>) -> Result<Vec<u8>> {
        for _ in 0..CREATE_ID_TRIES {
            let id = generate()?;
            let key = self.key(&id)?;
            match self.call(|store| store.exists(&key)) {
                Ok(true) => continue,
                Ok(false) => {
                    self.prefetched = Some((id.clone(), None));
                    return Ok(id);
                }
                Err(e) => {
                    self.health = Health::Failed((!e.is::<AlreadyReported>()).then_some(e));
                    return Ok(id);
                }
            }
        }
        bail!(
            "{}: {CREATE_ID_TRIES} new session ids in a row were already taken",
            self.backend.store.label()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_refuses_non_positive_lifetimes() {
        assert_eq!(ttl(1440).unwrap(), 1440);
        assert!(ttl(0)
            .unwrap_err()
            .to_string()
            .contains("gc_maxlifetime is 0"));
        assert!(ttl(-5).is_err());
    }
}
