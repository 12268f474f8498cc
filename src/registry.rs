//! Process-wide state: parsed configurations and the stores (connection pools) they use.
//!
//! Fork-safe: everything is owned by the process id that built it. php-fpm forks workers after
//! module startup; a child that finds its parent's state leaks it untouched (closing or using
//! the parent's sockets would break the parent) and starts afresh.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use once_cell::sync::Lazy;
use scheduled_thread_pool::ScheduledThreadPool;

use crate::{
    config::{self, IniValues, SessionConfig, StoreConfig},
    fork_guard,
    store::{memcached::MemcachedStore, redis::RedisStore, Store},
};

/// Distinct (save_path, INI) combinations remembered; past this the cache starts over, so a
/// script that `ini_set`s a new save_path per request cannot grow memory without bound.
const MAX_CACHED_CONFIGS: usize = 64;

/// A parsed configuration and the store it talks to.
pub struct Backend {
    pub config: SessionConfig,
    pub store: Arc<dyn Store>,
}

/// What a save_path and INI values resolve to.
type Resolved = Result<Arc<Backend>, String>;

struct Registry {
    pid: u32,
    /// The last lookup: nearly every request repeats it, and comparing is cheaper than hashing.
    last: Option<(String, IniValues, Resolved)>,
    configs: HashMap<(String, IniValues), Resolved>,
    stores: HashMap<StoreConfig, Arc<dyn Store>>,
    /// r2d2 creates every store's pool slots on these threads (the connections themselves are
    /// made in the request's thread); one per process is plenty.
    threads: Option<Arc<ScheduledThreadPool>>,
}

impl Registry {
    fn new(pid: u32) -> Self {
        Registry {
            pid,
            last: None,
            configs: HashMap::new(),
            stores: HashMap::new(),
            threads: None,
        }
    }

    fn store_for(&mut self, cfg: &StoreConfig) -> Result<Arc<dyn Store>, String> {
        if let Some(store) = self.stores.get(cfg) {
            return Ok(store.clone());
        }
        let threads = self
            .threads
            .get_or_insert_with(|| fork_guard::thread_pool("rsession-connect"))
            .clone();
        let store: Arc<dyn Store> = match cfg {
            StoreConfig::Redis(redis) => Arc::new(
                RedisStore::new(redis, threads)
                    .map_err(|e| format!("redis {}: {e:#}", redis.address))?,
            ),
            StoreConfig::Memcached(memcached) => {
                Arc::new(MemcachedStore::new(memcached, threads).map_err(|e| format!("{e:#}"))?)
            }
        };
        self.stores.insert(cfg.clone(), store.clone());
        Ok(store)
    }
}

static REGISTRY: Lazy<Mutex<Registry>> =
    Lazy::new(|| Mutex::new(Registry::new(std::process::id())));

/// The backend for this save_path and these INI values: parsed once per distinct combination,
/// one pool per distinct server per process.
pub fn backend(save_path: &str, ini: &IniValues) -> Result<Arc<Backend>, String> {
    let mut reg = REGISTRY
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let pid = std::process::id();
    if reg.pid != pid {
        std::mem::forget(std::mem::replace(&mut *reg, Registry::new(pid)));
    }
    if let Some((last_path, last_ini, resolved)) = &reg.last {
        if last_path == save_path && last_ini == ini {
            return resolved.clone();
        }
    }
    let key = (save_path.to_owned(), ini.clone());
    let result = match reg.configs.get(&key) {
        Some(hit) => hit.clone(),
        None => {
            if reg.configs.len() >= MAX_CACHED_CONFIGS {
                reg.configs.clear();
            }
            let result = config::resolve(save_path, ini).and_then(|config| {
                let store = reg.store_for(&config.store)?;
                Ok(Arc::new(Backend { config, store }))
            });
            reg.configs.insert(key.clone(), result.clone());
            result
        }
    };
    reg.last = Some((key.0, key.1, result.clone()));
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_configuration_shares_one_backend() {
        let ini = IniValues::default();
        let a = backend("redis://127.0.0.1:1", &ini).unwrap();
        let b = backend("redis://127.0.0.1:1", &ini).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        // Another prefix is another configuration, but the same server keeps one pool.
        let c = backend("redis://127.0.0.1:1?prefix=x", &ini).unwrap();
        assert!(Arc::ptr_eq(&a.store, &c.store));
        assert_eq!(c.config.prefix, "x");
    }

    #[test]
    fn alternating_configurations_each_get_their_own_backend() {
        let ini = IniValues::default();
        let other_ini = IniValues {
            early_refresh: "1".into(),
            ..IniValues::default()
        };
        for _ in 0..3 {
            let a = backend("redis://127.0.0.1:2?prefix=a", &ini).unwrap();
            let b = backend("redis://127.0.0.1:2?prefix=b", &ini).unwrap();
            let c = backend("redis://127.0.0.1:2?prefix=a", &other_ini).unwrap();
            assert_eq!(
                (a.config.prefix.as_str(), a.config.early_refresh),
                ("a", false)
            );
            assert_eq!(
                (b.config.prefix.as_str(), b.config.early_refresh),
                ("b", false)
            );
            assert_eq!(
                (c.config.prefix.as_str(), c.config.early_refresh),
                ("a", true)
            );
        }
    }

    #[test]
    fn errors_are_cached_and_repeated() {
        let ini = IniValues::default();
        let e1 = backend("redis://h:0", &ini).err().unwrap();
        let e2 = backend("redis://h:0", &ini).err().unwrap();
        assert_eq!(e1, e2);
        assert!(e1.contains("port 0 out of range"));
    }
}
