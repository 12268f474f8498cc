//! The session handler's logic, one request's worth, over any store: PHP's contract mapped to
//! the fewest round trips, with the session locked from read to write when locking is on.

use std::{borrow::Cow, fmt, sync::Arc, time::Duration};

use anyhow::{anyhow, bail, Result};

use crate::{
    janitor,
    lock::{self, Attempt, Lock},
    payload::{self, encrypt, Undecodable},
    registry::Backend,
    session_id,
    stats::{self, ErrorKind, Failure, Slow, COUNTERS},
    store::{NotReplicated, Refused, Store, Ttl, Unlocked},
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

/// A session's key in the store (prefix + id): shared, not copied, by the calls of a request
/// and a lock handed to the janitor.
type Key = Arc<[u8]>;

/// The lock this request holds.
struct Held {
    id: Vec<u8>,
    key: Key,
    lock: Lock,
}

pub struct Session {
    backend: Arc<Backend>,
    health: Health,
    /// `session.gc_maxlifetime` at open, for calls whose PHP signature carries no lifetime.
    lifetime: i64,
    /// Data fetched ahead for one id (by validate or create), handed to the read that follows
    /// so strict mode and new sessions cost no extra round trip.
    prefetched: Option<(Vec<u8>, Option<Vec<u8>>)>,
    held: Option<Held>,
    /// The id whose lock wait timed out under rsession.lock_timeout_readonly: read, never write.
    read_only: Option<Vec<u8>>,
    /// Settings that work but look wrong, for the operator, shown when the session closes.
    notices: Vec<String>,
    /// Writes done but confirmed by fewer replicas than asked, shown when the session closes;
    /// stored values that could not be read, shown by the read.
    warnings: Vec<String>,
    /// The key of the last id checked: a request reads and writes the same id, and checking it
    /// again cost a tenth of rsession's work in a request.
    checked: Option<Key>,
}

/// The lifetime used when `session.gc_maxlifetime` is 0 or negative, as phpredis does: such a
/// value would expire every session at once, so every write would fail.
pub const FALLBACK_LIFETIME: Ttl = 1440;
/// The longest lifetime kept, as phpredis caps it (68 years): PHP_INT_MAX, written to mean
/// "never expire", is beyond what Redis accepts as an expiry, so every write would fail.
pub const MAX_LIFETIME: Ttl = i32::MAX as Ttl;

/// Converts `session.gc_maxlifetime` to an expiry.
pub fn ttl(lifetime: i64) -> Ttl {
    match Ttl::try_from(lifetime) {
        Ok(secs) if secs > 0 => secs.min(MAX_LIFETIME),
        _ => FALLBACK_LIFETIME,
    }
}

/// The notice for a lifetime that [`ttl`] replaces, once per request.
pub fn lifetime_notice(lifetime: i64) -> Option<String> {
    let kept = ttl(lifetime);
    (i64::try_from(kept) != Ok(lifetime)).then(|| {
        format!(
            "rsession: session.gc_maxlifetime is {lifetime}: sessions are kept for {kept} seconds instead"
        )
    })
}

/// Releases `held` owner-checked, trying again while the store fails, until the lock would
/// have expired anyway. Runs on the janitor's thread.
fn release_eventually(store: &dyn Store, held: &Held) {
    janitor::retry_until_expired(held.lock.expire, || {
        store.touch_unlock(&held.key, None, &held.lock).is_ok()
    });
}

/// The id in a key the session built as prefix + id.
fn session_id_of<'a>(key: &'a [u8], prefix: &str) -> &'a [u8] {
    key.get(prefix.len()..).unwrap_or(key)
}

/// The start of an id, enough to find it in logs without handing the whole credential to them.
fn short(id: &[u8]) -> String {
    String::from_utf8_lossy(&id[..id.len().min(8)]).into_owned()
}

impl Session {
    pub fn new(backend: Arc<Backend>, lifetime: i64) -> Self {
        let notices = backend
            .take_notices()
            .into_iter()
            .chain(lifetime_notice(lifetime))
            .collect();
        Session {
            notices,
            backend,
            health: Health::Ok,
            lifetime,
            prefetched: None,
            held: None,
            read_only: None,
            checked: None,
            warnings: Vec::new(),
        }
    }

    pub fn take_notices(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notices)
    }

    fn label(&self) -> &str {
        self.backend.store.label()
    }

    /// PHP reopens storage without closing it (`session_reset()`): keep the lock the request
    /// holds when the store is the same, so the re-read needs no new lock; release it otherwise.
    pub fn adopt(&mut self, mut previous: Session) -> Result<()> {
        if Arc::ptr_eq(&previous.backend.store, &self.backend.store) {
            self.held = previous.held.take();
            Ok(())
        } else {
            previous.release()
        }
    }

    /// One store call, unless the store already failed in this request. A failure is counted
    /// once (by what failed), and round trips over rsession.slow_log_ms are logged.
    fn call<T>(&mut self, f: impl FnOnce(&dyn Store) -> Result<T>) -> Result<T> {
        if let Health::Failed(unreported) = &mut self.health {
            return Err(unreported.take().unwrap_or_else(|| AlreadyReported.into()));
        }
        let store = &*self.backend.store;
        let (result, slow) = stats::timing(self.backend.config.slow_log, || f(store));
        for round_trip in slow {
            self.log_slow(round_trip);
        }
        // A write that fewer replicas confirmed is done: the store is healthy.
        if let Some(e) = result.as_ref().err().filter(|e| !e.is::<NotReplicated>()) {
            self.health = Health::Failed(None);
            stats::error(if e.is::<Refused>() {
                ErrorKind::Refused
            } else {
                e.downcast_ref::<Failure>()
                    .map_or(ErrorKind::Other, |failure| failure.kind)
            });
        }
        result
    }

    /// Logs a round trip or lock wait that took longer than rsession.slow_log_ms, with the
    /// session it was for (the id's start: the whole id is a credential).
    fn log_slow(&self, slow: Slow) {
        let id = self
            .checked
            .as_deref()
            .map(|key| session_id_of(key, &self.backend.config.prefix))
            .unwrap_or_default();
        stats::log(&format!(
            "rsession: slow: session {}…: {}: {} took {} ms (rsession.slow_log_ms={})",
            short(id),
            slow.node,
            slow.op,
            slow.took.as_millis(),
            self.backend.config.slow_log.unwrap_or_default().as_millis()
        ));
    }

    fn key(&mut self, id: &[u8]) -> Result<Key> {
        let prefix = self.backend.config.prefix.as_bytes();
        if let Some(key) = &self.checked {
            if key.len() == prefix.len() + id.len() && key.ends_with(id) {
                return Ok(key.clone());
            }
        }
        session_id::check(id).map_err(|e| anyhow!(e))?;
        let key: Key = [prefix, id].concat().into();
        self.backend.store.check_key(&key)?;
        self.checked = Some(key.clone());
        Ok(key)
    }

    /// With early_refresh, reads also reset the expiry.
    fn read_refresh(&self, lifetime: i64) -> Option<Ttl> {
        self.backend.config.early_refresh.then(|| ttl(lifetime))
    }

    /// Reads `id`'s data, taking its lock first when locking is on.
    fn fetch(&mut self, id: &[u8], lifetime: i64) -> Result<Option<Vec<u8>>> {
        let key = self.key(id)?;
        let refresh = self.read_refresh(lifetime);
        let already_held = self.held.as_ref().is_some_and(|held| held.id == id);
        if self.held.is_some() && !already_held {
            // Another id's lock (a SessionHandler subclass reading two ids): one request holds
            // one session's lock, and an orphaned one would block its user until it expired.
            self.release()?;
        }
        let settings = match self.backend.config.lock {
            Some(settings) if !already_held => settings,
            _ => return self.call(|store| store.get(&key, refresh)),
        };
        let candidate = Held {
            id: id.to_vec(),
            lock: Lock::new(self.backend.store.lock_key(&key), settings.expire)?,
            key,
        };
        let acquired = lock::acquire(settings.wait, || {
            let (taken, data) =
                self.call(|store| store.lock_get(&candidate.key, &candidate.lock, refresh))?;
            Ok(if taken {
                Attempt::Taken(data)
            } else {
                Attempt::Busy(data)
            })
        });
        let ((data, taken, waited), candidate) = self.or_abandon(acquired, candidate)?;
        self.waited_for_lock(waited);
        if taken {
            stats::count(&COUNTERS.lock_acquisitions);
            self.held = Some(candidate);
        } else if settings.readonly_on_timeout {
            stats::count(&COUNTERS.lock_timeouts);
            self.read_only = Some(id.to_vec());
        } else {
            stats::count(&COUNTERS.lock_timeouts);
            bail!(
                "{}: session {}…: still locked by another request after waiting {:.1}s (rsession.lock_wait_timeout)",
                self.label(),
                short(id),
                waited.as_secs_f64()
            );
        }
        Ok(data)
    }

    /// Counts a wait for a lock another request held, and logs it if slow.
    fn waited_for_lock(&self, waited: Duration) {
        if waited.is_zero() {
            return;
        }
        stats::count(&COUNTERS.lock_waits);
        stats::add(&COUNTERS.lock_wait_micros, waited.as_micros() as u64);
        if self
            .backend
            .config
            .slow_log
            .is_some_and(|slow| waited > slow)
        {
            self.log_slow(Slow {
                node: self.label().to_owned(),
                op: "lock wait".into(),
                took: waited,
            });
        }
    }

    /// The held lock, if it is on `id`.
    fn take_held(&mut self, id: &[u8]) -> Option<Held> {
        match &self.held {
            Some(held) if held.id == id => self.held.take(),
            _ => None,
        }
    }

    /// One store call that ends `held`'s lock (write, touch or delete, and release). If it
    /// fails, it may have left the lock behind: the lock is kept, so that release() sees to it.
    /// A write the server refused has released it already.
    fn unlocking<T>(
        &mut self,
        held: Held,
        f: impl FnOnce(&dyn Store, &Lock) -> Result<T>,
    ) -> Result<T> {
        let result = self.call(|store| f(store, &held.lock));
        // Refused and NotReplicated writes have released the lock already.
        if result
            .as_ref()
            .is_err_and(|e| !e.is::<Refused>() && !e.is::<NotReplicated>())
        {
            self.held = Some(held);
        }
        result
    }

    fn lock_lost(&self, id: &[u8], expire: Duration) -> anyhow::Error {
        stats::count(&COUNTERS.locks_lost);
        anyhow!(
            "{}: session {}…: not saved: its lock expired (after {:?}) before this request wrote, \
             so another request may have changed it since; raise rsession.lock_expire",
            self.label(),
            short(id),
            expire
        )
    }

    /// The stored data, or empty for a session that does not exist.
    pub fn read(&mut self, id: &[u8], lifetime: i64) -> Result<Vec<u8>> {
        let stored = match self.prefetched.take() {
            Some((prefetched_id, data)) if prefetched_id == id => data,
            _ => self.fetch(id, lifetime)?,
        };
        stats::count(&COUNTERS.reads);
        stats::add(
            &COUNTERS.bytes_read,
            stored.as_ref().map_or(0, Vec::len) as u64,
        );
        let opened = self.opened(id, stored.unwrap_or_default());
        Ok(self.decoded(id, opened))
    }

    /// The stored value as rsession wrote it: opened, if it was sealed
    /// (rsession.encryption_key_file). One that does not open (another key, tampered with,
    /// copied from another id, or the key file no longer set) is read as an empty session, with
    /// a warning: handed to PHP, it would fail to decode, and PHP would destroy the stored
    /// session with it.
    fn opened(&mut self, id: &[u8], stored: Vec<u8>) -> Vec<u8> {
        if !encrypt::is_sealed(&stored) {
            return stored;
        }
        let opened = match &self.backend.config.encryption {
            Some(encryption) => encryption.keys.open(id, &stored),
            None => Err("it is encrypted, and rsession.encryption_key_file is not set".into()),
        };
        opened.unwrap_or_else(|why| self.read_as_empty(id, &format!("read as empty: {why}")))
    }

    /// The session in a stored (and opened) value (see payload::decode). A value rsession
    /// compressed that does not decompress is read as an empty session, with a warning: handed
    /// to PHP, its bytes would fail to decode and PHP would destroy the session anyway, silently.
    fn decoded(&mut self, id: &[u8], stored: Vec<u8>) -> Vec<u8> {
        payload::decode(stored).unwrap_or_else(|Undecodable(why)| {
            self.read_as_empty(
                id,
                &format!(
                    "its stored value is rsession-compressed but cannot be read ({why}): read as \
                     an empty session"
                ),
            )
        })
    }

    /// An empty session in place of a stored value that cannot be read, with the warning that
    /// says why (`what`), shown by the read.
    fn read_as_empty(&mut self, id: &[u8], what: &str) -> Vec<u8> {
        stats::error(ErrorKind::Unreadable);
        self.warnings.push(format!(
            "rsession: {}: session {}…: {what}",
            self.label(),
            short(id)
        ));
        Vec::new()
    }

    /// Strict mode: does this id name a stored session? Fetches (and locks) for the read to
    /// come. An id no generator could have made names no session: PHP then issues a new one.
    ///
    /// When the store cannot answer (down, or the lock wait timed out), the id is reported as
    /// known: PHP would otherwise replace the user's cookie, and their session, still stored,
    /// would be lost to them after the outage. The failure is reported by the read that
    /// follows, which fails, so nothing is created under the id either.
    pub fn validate(&mut self, id: &[u8]) -> bool {
        // An id the store could never hold (bad characters, too long or too short for it).
        if self.key(id).is_err() {
            return false;
        }
        // An id create_id just claimed (session_regenerate_id() checks it in strict mode): its
        // answer is known, and its lock is ours already.
        if let Some((prefetched_id, data)) = &self.prefetched {
            if prefetched_id == id {
                return data.is_some();
            }
        }
        let data = match self.fetch(id, self.lifetime) {
            Ok(data) => data,
            Err(e) => {
                self.defer(e);
                return true;
            }
        };
        let exists = data.is_some();
        if !exists {
            // PHP moves on to a new id: do not keep the unknown one locked.
            if let Err(e) = self.release() {
                self.defer(e);
            }
        }
        self.prefetched = Some((id.to_vec(), data));
        exists
    }

    /// Keeps a failure for the next call to report: PHP's callback for this one has no way
    /// to fail without side effects (validate_sid, create_sid).
    fn defer(&mut self, e: anyhow::Error) {
        self.health = Health::Failed((!e.is::<AlreadyReported>()).then_some(e));
    }

    pub fn write(&mut self, id: &[u8], data: &[u8], lifetime: i64) -> Result<()> {
        self.prefetched = None;
        let key = self.key(id)?;
        let ttl = ttl(lifetime);
        if self.read_only.as_deref() == Some(id) {
            bail!(
                "{}: session {}…: not saved: the lock wait timed out and rsession.lock_timeout_readonly \
                 opened it read-only",
                self.label(),
                short(id)
            );
        }
        if let Some(max) = self.backend.config.max_size.filter(|max| data.len() > *max) {
            return Err(self.oversized(id, &key, data.len(), max));
        }
        let data = self.stored_form(id, data)?;
        let data = &*data;
        let written = match self.take_held(id) {
            Some(held) => {
                let expire = held.lock.expire;
                match self.unlocking(held, |store, lock| store.set_unlock(&key, data, ttl, lock)) {
                    Ok(Unlocked::LockLost) => Err(self.lock_lost(id, expire)),
                    Ok(Unlocked::Done | Unlocked::ValueMissing) => Ok(()),
                    Err(e) => Err(e),
                }
            }
            None => self.call(|store| store.set(&key, data, ttl)),
        };
        self.written(written, data.len())
    }

    /// What the store keeps for `data`: compressed (rsession.compression), then sealed
    /// (rsession.encryption_key_file); `data` itself, uncopied, when neither is set.
    fn stored_form<'a>(&self, id: &[u8], data: &'a [u8]) -> Result<Cow<'a, [u8]>> {
        let encoded = payload::encode(&self.backend.config.payload, data);
        match &self.backend.config.encryption {
            Some(encryption) => encryption
                .keys
                .seal(id, &encoded)
                .map(Cow::Owned)
                .map_err(|e| anyhow!("{}: session {}…: not saved: {e}", self.label(), short(id))),
            None => Ok(encoded),
        }
    }

    /// A session over rsession.max_size: not written, so the one stored before stays; its lock
    /// is released (owner-checked) all the same, so the user's next request does not wait.
    fn oversized(&mut self, id: &[u8], key: &[u8], size: usize, max: usize) -> anyhow::Error {
        stats::error(ErrorKind::Refused);
        let released = match self.take_held(id) {
            Some(held) => self
                .unlocking(held, |store, lock| store.touch_unlock(key, None, lock))
                .map_or_else(
                    |e| format!("; its lock could not be released: {e:#}"),
                    |_| String::new(),
                ),
            None => String::new(),
        };
        anyhow!(
            "{}: session {}…: not saved: its data is {size} bytes, over rsession.max_size of \
             {max} bytes; the session stored before is kept{released}",
            self.label(),
            short(id)
        )
    }

    /// A write's outcome (of `size` bytes stored): one that fewer replicas confirmed than asked
    /// is done, with a warning.
    fn written(&mut self, outcome: Result<()>, size: usize) -> Result<()> {
        let outcome = match outcome {
            Err(e) if e.is::<NotReplicated>() => {
                self.warnings.push(format!("rsession: {e}"));
                Ok(())
            }
            other => other,
        };
        if outcome.is_ok() {
            stats::count(&COUNTERS.writes);
            stats::add(&COUNTERS.bytes_written, size as u64);
        }
        outcome
    }

    /// Warnings for the operator: writes done less durably than asked, values that could not
    /// be read.
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    /// lazy_write with unchanged data: refresh the expiry only (with early_refresh the read
    /// already did) and release the lock. A session that vanished meanwhile is written back.
    pub fn update_timestamp(&mut self, id: &[u8], data: &[u8], lifetime: i64) -> Result<()> {
        if self.read_only.as_deref() == Some(id) {
            return Ok(()); // nothing changed, nothing to lose
        }
        let key = self.key(id)?;
        let ttl = ttl(lifetime);
        let refresh = (!self.backend.config.early_refresh).then_some(ttl);
        let outcome = match self.take_held(id) {
            Some(held) => {
                self.unlocking(held, |store, lock| store.touch_unlock(&key, refresh, lock))?
            }
            None => match refresh {
                None => Unlocked::Done,
                Some(ttl) => match self.call(|store| store.touch(&key, ttl))? {
                    true => Unlocked::Done,
                    false => Unlocked::ValueMissing,
                },
            },
        };
        match outcome {
            Unlocked::ValueMissing => {
                let data = self.stored_form(id, data)?;
                let written = self.call(|store| store.set(&key, &data, ttl));
                self.written(written, data.len())
            }
            Unlocked::Done => {
                stats::count(&COUNTERS.touches);
                Ok(())
            }
            // A lost lock over unchanged data loses nothing: its new holder keeps it fresh.
            Unlocked::LockLost => {
                stats::count(&COUNTERS.locks_lost);
                Ok(())
            }
        }
    }

    pub fn destroy(&mut self, id: &[u8]) -> Result<()> {
        self.prefetched = None;
        let key = self.key(id)?;
        let destroyed = match self.take_held(id) {
            Some(held) => self.unlocking(held, |store, lock| store.delete_unlock(&key, lock)),
            None => self.call(|store| store.delete(&key)),
        };
        if destroyed.is_ok() {
            stats::count(&COUNTERS.destroys);
        }
        destroyed
    }

    /// Releases a lock still held (session_abort, read_and_close, a failed request). After a
    /// store failure in this request, the request does not wait on the store again: the
    /// release is left to the janitor, which retries it until it succeeds or the lock expires,
    /// so the user's next request does not wait out the lock.
    pub fn release(&mut self) -> Result<()> {
        let Some(held) = self.held.take() else {
            return Ok(());
        };
        if matches!(self.health, Health::Failed(_)) {
            self.abandon(held);
            return Ok(());
        }
        self.call(|store| store.touch_unlock(&held.key, None, &held.lock))
            .map(drop)
    }

    /// The outcome of a call that took, or tried to take, `candidate`'s lock: on failure the
    /// lock goes to the janitor, since the call may have taken it all the same.
    fn or_abandon<T>(&self, outcome: Result<T>, candidate: Held) -> Result<(T, Held)> {
        match outcome {
            Ok(value) => Ok((value, candidate)),
            Err(e) => {
                self.abandon(candidate);
                Err(e)
            }
        }
    }

    /// A lock the store failed around: the call that took or held it may have left it taken
    /// (its reply lost), so the janitor releases it, owner-checked, while the request goes on
    /// without waiting for the store again.
    fn abandon(&self, held: Held) {
        let store = self.backend.store.clone();
        janitor::later(move || release_eventually(&*store, &held));
    }

    /// Whether `key` is free for a new session; with locking, also takes its lock. While this
    /// request already holds a lock (`session_create_id()` in an active session), that lock
    /// stays, and the new id is only checked: nobody else knows a fresh random id, and it is
    /// locked when a request starts on it.
    fn claim(&mut self, id: &[u8], key: Key) -> Result<bool> {
        let settings = match self.backend.config.lock {
            Some(settings) if self.held.is_none() => settings,
            _ => return self.call(|store| store.exists(&key)).map(|taken| !taken),
        };
        let candidate = Held {
            id: id.to_vec(),
            lock: Lock::new(self.backend.store.lock_key(&key), settings.expire)?,
            key,
        };
        let taking = self.call(|store| store.lock_get(&candidate.key, &candidate.lock, None));
        let ((locked, data), candidate) = self.or_abandon(taking, candidate)?;
        if locked {
            stats::count(&COUNTERS.lock_acquisitions);
            self.held = Some(candidate);
        }
        if data.is_some() {
            self.release()?;
        }
        Ok(locked && data.is_none())
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
            match self.claim(&id, key) {
                Ok(false) => continue,
                Ok(true) => {
                    self.prefetched = Some((id.clone(), None));
                    return Ok(id);
                }
                Err(e) => {
                    self.defer(e);
                    return Ok(id);
                }
            }
        }
        bail!(
            "{}: {CREATE_ID_TRIES} new session ids in a row were already taken",
            self.label()
        )
    }
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;
