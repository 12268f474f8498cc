//! An in-memory store for unit tests of the session logic (never instead of the real-server
//! tests): the same contract as the real stores, each call counted, and faults on demand.

use std::{
    collections::{HashMap, VecDeque},
    sync::Mutex,
    time::{Duration, Instant},
};

use anyhow::{anyhow, bail, Result};

use super::{NotReplicated, Store, Ttl, Unlocked};
use crate::lock::Lock;

/// What the next call does wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Fails before touching anything (the server was unreachable).
    Unreachable,
    /// Does its work, then fails (the reply was lost).
    ReplyLost,
    /// Does its work, then says fewer replicas than asked confirmed it (Redis `wait=`).
    NotReplicated,
}

#[derive(Default)]
struct State {
    items: HashMap<Vec<u8>, (Vec<u8>, Option<Instant>)>,
    calls: Vec<&'static str>,
    faults: VecDeque<Fault>,
}

#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl State {
    fn live(&mut self, key: &[u8]) -> Option<&Vec<u8>> {
        let expired = matches!(self.items.get(key), Some((_, Some(t))) if *t <= Instant::now());
        if expired {
            self.items.remove(key);
        }
        self.items.get(key).map(|(v, _)| v)
    }

    fn put(&mut self, key: &[u8], value: &[u8], ttl: Duration) {
        self.items
            .insert(key.to_vec(), (value.to_vec(), Some(Instant::now() + ttl)));
    }

    fn ours(&mut self, lock: &Lock) -> bool {
        self.live(&lock.key)
            .is_some_and(|v| v.as_slice() == lock.token.as_bytes())
    }
}

fn secs(ttl: Ttl) -> Duration {
    Duration::from_secs(ttl)
}

impl MemoryStore {
    /// The next calls fail this way, one fault per call.
    pub fn fail_next(&self, fault: Fault) {
        self.state.lock().unwrap().faults.push_back(fault);
    }

    /// The calls made so far, by name, and forgets them.
    pub fn take_calls(&self) -> Vec<&'static str> {
        std::mem::take(&mut self.state.lock().unwrap().calls)
    }

    pub fn value(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.state.lock().unwrap().live(key).cloned()
    }

    pub fn put(&self, key: &[u8], value: &[u8], ttl: Duration) {
        self.state.lock().unwrap().put(key, value, ttl)
    }

    /// One round trip: counts it, applies a pending fault around `op`.
    fn call<T>(&self, name: &'static str, op: impl FnOnce(&mut State) -> Result<T>) -> Result<T> {
        let mut state = self.state.lock().unwrap();
        state.calls.push(name);
        match state.faults.pop_front() {
            Some(Fault::Unreachable) => bail!("memory: {name}: unreachable"),
            Some(Fault::ReplyLost) => {
                op(&mut state)?;
                Err(anyhow!("memory: {name}: reply lost"))
            }
            Some(Fault::NotReplicated) => {
                op(&mut state)?;
                Err(anyhow::Error::new(NotReplicated(format!(
                    "memory: {name}: 0 of 1 replicas confirmed it"
                ))))
            }
            None => op(&mut state),
        }
    }
}

impl Store for MemoryStore {
    fn get(&self, key: &[u8], refresh: Option<Ttl>) -> Result<Option<Vec<u8>>> {
        self.call("get", |s| {
            let value = s.live(key).cloned();
            if let (Some(v), Some(ttl)) = (&value, refresh) {
                s.put(key, v, secs(ttl));
            }
            Ok(value)
        })
    }

    fn set(&self, key: &[u8], value: &[u8], ttl: Ttl) -> Result<()> {
        self.call("set", |s| {
            s.put(key, value, secs(ttl));
            Ok(())
        })
    }

    fn touch(&self, key: &[u8], ttl: Ttl) -> Result<bool> {
        self.call("touch", |s| {
            let value = s.live(key).cloned();
            if let Some(v) = &value {
                s.put(key, v, secs(ttl));
            }
            Ok(value.is_some())
        })
    }

    fn exists(&self, key: &[u8]) -> Result<bool> {
        self.call("exists", |s| Ok(s.live(key).is_some()))
    }

    fn delete(&self, key: &[u8]) -> Result<()> {
        self.call("delete", |s| {
            s.items.remove(key);
            Ok(())
        })
    }

    fn label(&self) -> &str {
        "memory"
    }

    fn lock_get(
        &self,
        key: &[u8],
        lock: &Lock,
        refresh: Option<Ttl>,
    ) -> Result<(bool, Option<Vec<u8>>)> {
        self.call("lock_get", |s| {
            if s.live(&lock.key).is_none() {
                s.put(&lock.key, lock.token.as_bytes(), lock.expire);
            }
            let mine = s.ours(lock);
            let value = s.live(key).cloned();
            if let (Some(v), Some(ttl)) = (&value, refresh) {
                s.put(key, v, secs(ttl));
            }
            Ok((mine, value))
        })
    }

    fn set_unlock(&self, key: &[u8], value: &[u8], ttl: Ttl, lock: &Lock) -> Result<Unlocked> {
        self.call("set_unlock", |s| {
            if !s.ours(lock) {
                return Ok(Unlocked::LockLost);
            }
            s.put(key, value, secs(ttl));
            s.items.remove(&lock.key);
            Ok(Unlocked::Done)
        })
    }

    fn touch_unlock(&self, key: &[u8], ttl: Option<Ttl>, lock: &Lock) -> Result<Unlocked> {
        self.call("touch_unlock", |s| {
            if !s.ours(lock) {
                return Ok(Unlocked::LockLost);
            }
            s.items.remove(&lock.key);
            let value = s.live(key).cloned();
            match (value, ttl) {
                (None, Some(_)) => Ok(Unlocked::ValueMissing),
                (Some(v), Some(ttl)) => {
                    s.put(key, &v, secs(ttl));
                    Ok(Unlocked::Done)
                }
                (_, None) => Ok(Unlocked::Done),
            }
        })
    }

    fn delete_unlock(&self, key: &[u8], lock: &Lock) -> Result<()> {
        self.call("delete_unlock", |s| {
            s.items.remove(key);
            if s.ours(lock) {
                s.items.remove(&lock.key);
            }
            Ok(())
        })
    }
}
