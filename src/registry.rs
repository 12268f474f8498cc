//! Process-wide state: parsed configurations and the stores (connection pools) they use.
//!
//! Fork-safe: everything is owned by the process id that built it. php-fpm forks workers after
//! module startup; a child that finds its parent's state leaks it untouched (closing or using
//! the parent's sockets would break the parent) and starts afresh.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering::Relaxed},
        Arc, Mutex, MutexGuard, Weak,
    },
    time::{Duration, SystemTime},
};

use once_cell::sync::Lazy;
use scheduled_thread_pool::ScheduledThreadPool;

use crate::{
    config::{self, IniValues, RedisConfig, SessionConfig, StoreConfig},
    config::{Address, Credentials},
    fork_guard,
    stats::{NodeReport, NodeState},
    store::{
        self,
        memcached::{self, MemcachedStore, NodePool},
        placement::Placement,
        redis::{RedisPool, RedisStore},
        tls::TlsConfig,
        Store,
    },
};

/// What a Redis connection is to: address, user, password, database, TLS settings, a
/// cluster's seeds, and with Sentinel the sentinels, service and sentinel password (the master
/// they name is found at connect time).
type RedisIdentity = (
    Address,
    Option<String>,
    Option<String>,
    i64,
    Option<TlsConfig>,
    Option<Vec<Address>>,
    Option<config::Sentinel>,
);

/// Distinct (save_path, INI) combinations remembered; past this the cache starts over, so a
/// script that `ini_set`s a new save_path per request cannot grow memory without bound.
const MAX_CACHED_CONFIGS: usize = 64;
/// Stores (connection pools) kept open at once. Past this the least recently used one is
/// dropped, and with it its connections, so a new save_path per request cannot pile up open
/// sockets or threads. A PHP worker normally uses one or two.
const MAX_CACHED_STORES: usize = 16;

/// A parsed configuration and the store it talks to.
pub struct Backend {
    pub config: SessionConfig,
    pub store: Arc<dyn Store>,
    /// The configuration's notices, not yet shown: each is shown once per process.
    notices: Mutex<Vec<String>>,
    /// The registry's tick when this backend was last handed out, for eviction.
    used: AtomicU64,
}

impl Backend {
    pub fn new(config: SessionConfig, store: Arc<dyn Store>) -> Self {
        let notices = Mutex::new(config.notices.clone());
        Backend {
            config,
            store,
            notices,
            used: AtomicU64::new(0),
        }
    }

    /// The notices not shown yet; empty from the second call on.
    pub fn take_notices(&self) -> Vec<String> {
        std::mem::take(&mut *self.notices.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// What a save_path and INI values resolve to.
type Resolved = Result<Arc<Backend>, String>;

/// What a memcached node pool belongs to: its node, retry_interval and user.
type MemcachedIdentity = (Address, Duration, Option<Credentials>);

struct Registry {
    /// `fork_guard::forks()` when made: a forked child must not use its parent's connections.
    forks: u64,
    /// The last lookup: nearly every request repeats it, and comparing is cheaper than hashing.
    last: Option<(String, IniValues, Resolved)>,
    configs: HashMap<(String, IniValues), Resolved>,
    /// Each store with the tick of its last use, for evicting the least recently used.
    stores: HashMap<StoreConfig, (Arc<dyn Store>, u64)>,
    tick: u64,
    /// Redis connection pools by server, database and user (not prefix or timeouts).
    redis_pools: HashMap<RedisIdentity, Weak<RedisPool>>,
    /// memcached node pools by address, retry_interval and user.
    memcached_pools: HashMap<MemcachedIdentity, Weak<NodePool>>,
    /// r2d2 creates every store's pool slots on these threads (the connections themselves are
    /// made in the request's thread); one per process is plenty.
    threads: Option<Arc<ScheduledThreadPool>>,
}

impl Registry {
    fn new(forks: u64) -> Self {
        Registry {
            forks,
            last: None,
            configs: HashMap::new(),
            stores: HashMap::new(),
            redis_pools: HashMap::new(),
            memcached_pools: HashMap::new(),
            tick: 0,
            threads: None,
        }
    }

    fn store_for(&mut self, cfg: &StoreConfig) -> Result<Arc<dyn Store>, String> {
        self.tick += 1;
        if let Some((store, used)) = self.stores.get_mut(cfg) {
            *used = self.tick;
            return Ok(store.clone());
        }
        if self.stores.len() >= MAX_CACHED_STORES {
            self.evict_least_recently_used();
        }
        let store: Arc<dyn Store> = match cfg {
            StoreConfig::Redis(redis) => self.redis_store(redis)?,
            // The hosts' pools belong to this store alone, so that it is evicted, and its
            // connections closed, as one.
            StoreConfig::RedisHosts(hosts) => {
                let mut stores = Vec::with_capacity(hosts.hosts.len());
                for host in &hosts.hosts {
                    stores.push((self.redis_store(&host.redis)?, host.weight));
                }
                let label = format!("redis {}", hosts.describe());
                Arc::new(
                    Placement::new(stores, hosts.prefix.len(), label)
                        .map_err(|e| format!("{e:#}"))?,
                )
            }
            StoreConfig::Memcached(memcached) => {
                let store = MemcachedStore::new(memcached, |address, retry, credentials| {
                    self.memcached_pool(address, retry, credentials)
                });
                Arc::new(store.map_err(|e| format!("{e:#}"))?)
            }
        };
        self.stores.insert(cfg.clone(), (store.clone(), self.tick));
        Ok(store)
    }

    /// The pool of the memcached node at `address`, shared like Redis pools.
    fn memcached_pool(
        &mut self,
        address: &Address,
        retry: Duration,
        credentials: Option<&Credentials>,
    ) -> Arc<NodePool> {
        let identity = (address.clone(), retry, credentials.cloned());
        if let Some(pool) = self.memcached_pools.get(&identity).and_then(Weak::upgrade) {
            return pool;
        }
        let pool = memcached::node_pool(address, retry, credentials, self.threads());
        self.memcached_pools.retain(|_, p| p.strong_count() > 0);
        self.memcached_pools.insert(identity, Arc::downgrade(&pool));
        pool
    }

    fn threads(&mut self) -> Arc<ScheduledThreadPool> {
        self.threads
            .get_or_insert_with(|| fork_guard::thread_pool("rsession-connect"))
            .clone()
    }

    /// A store with `redis`'s timeouts over the pool of its server, database and user, which
    /// every store naming them shares while any of them is cached.
    fn redis_store(&mut self, redis: &RedisConfig) -> Result<Arc<dyn Store>, String> {
        let identity = (
            redis.address.clone(),
            redis.username.clone(),
            redis.password.clone(),
            redis.database,
            redis.tls.clone(),
            redis.cluster.clone(),
            redis.sentinel.clone(),
        );
        let pool = match self.redis_pools.get(&identity).and_then(Weak::upgrade) {
            Some(pool) => pool,
            None => {
                let threads = self.threads();
                let pool = store::redis::pool(redis, threads)
                    .map_err(|e| format!("redis {}: {e:#}", redis.location()))?;
                // Forget pools no store uses any more, so the map stays as small as the cache.
                self.redis_pools.retain(|_, p| p.strong_count() > 0);
                self.redis_pools.insert(identity, Arc::downgrade(&pool));
                pool
            }
        };
        Ok(Arc::new(RedisStore::new(redis, pool)))
    }

    /// When `store` was last used, through any configuration.
    fn last_use(&self, store: &Arc<dyn Store>, created: u64) -> u64 {
        self.configs
            .values()
            .filter_map(|r| r.as_ref().ok())
            .filter(|b| Arc::ptr_eq(&b.store, store))
            .map(|b| b.used.load(Relaxed))
            .fold(created, u64::max)
    }

    /// Forgets the least recently used store and every configuration that points at it, so
    /// its connections close once the last request using it ends. Rare (past
    /// MAX_CACHED_STORES), so a scan is fine.
    fn evict_least_recently_used(&mut self) {
        let Some(oldest) = self
            .stores
            .iter()
            .min_by_key(|(_, (store, created))| self.last_use(store, *created))
            .map(|(cfg, _)| cfg.clone())
        else {
            return;
        };
        let Some((evicted, _)) = self.stores.remove(&oldest) else {
            return;
        };
        let uses_evicted = |resolved: &Resolved| {
            resolved
                .as_ref()
                .is_ok_and(|b| Arc::ptr_eq(&b.store, &evicted))
        };
        self.configs.retain(|_, resolved| !uses_evicted(resolved));
        if self.last.as_ref().is_some_and(|(_, _, r)| uses_evicted(r)) {
            self.last = None;
        }
    }
}

static REGISTRY: Lazy<Mutex<Registry>> =
    Lazy::new(|| Mutex::new(Registry::new(fork_guard::forks())));

/// Held across fork() (see fork_guard): no other thread holds it then, so a child finds it free.
pub(crate) fn lock_for_fork() -> MutexGuard<'static, impl Sized> {
    REGISTRY.lock().unwrap_or_else(|p| p.into_inner())
}

/// The backend for this save_path and these INI values: parsed once per distinct combination,
/// one pool per distinct server per process.
pub fn backend(save_path: &str, ini: &IniValues) -> Result<Arc<Backend>, String> {
    let mut reg = REGISTRY
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let forks = fork_guard::forks();
    if reg.forks != forks {
        std::mem::forget(std::mem::replace(&mut *reg, Registry::new(forks)));
    }
    reg.tick += 1;
    let tick = reg.tick;
    let hand_out = |resolved: &Resolved| {
        if let Ok(backend) = resolved {
            backend.used.store(tick, Relaxed);
        }
        resolved.clone()
    };
    if let Some((last_path, last_ini, resolved)) = &reg.last {
        if last_path == save_path && last_ini == ini {
            return hand_out(resolved);
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
                Ok(Arc::new(Backend::new(config, store)))
            });
            reg.configs.insert(key.clone(), result.clone());
            result
        }
    };
    reg.last = Some((key.0, key.1, result.clone()));
    hand_out(&result)
}

/// Every node this process's pools reach, with its state and counts (phpinfo,
/// rsession_stats()); cluster nodes that new connections leave out for now are added.
pub fn nodes() -> Vec<NodeReport> {
    let mut reports: Vec<NodeReport> = {
        let reg = REGISTRY
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if reg.forks != fork_guard::forks() {
            return Vec::new(); // the parent's pools: none of this process's
        }
        let redis = reg.redis_pools.values().filter_map(Weak::upgrade);
        let memcached = reg.memcached_pools.values().filter_map(Weak::upgrade);
        redis
            .map(|pool| pool.report())
            .chain(memcached.map(|pool| pool.report()))
            .collect()
    };
    let now = SystemTime::now();
    reports.extend(
        store::redis::cluster::stalled_nodes()
            .into_iter()
            .map(|(address, left)| NodeReport {
                name: format!("redis cluster node {address}"),
                state: NodeState::SkippedUntil(now + left),
                last_error: Some((now, "did not answer in time".into())),
                errors: 0,
                connections_opened: 0,
            }),
    );
    reports.sort_by(|a, b| a.name.cmp(&b.name));
    // Pools of one server for different users or databases share a name: keep each, told apart.
    let names: Vec<String> = reports.iter().map(|r| r.name.clone()).collect();
    for (i, report) in reports.iter_mut().enumerate() {
        let before = names[..i].iter().filter(|n| **n == names[i]).count();
        if before > 0 {
            report.name = format!("{} ({})", names[i], before + 1);
        }
    }
    reports
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The registry is process-wide: tests that evict must not run beside tests that compare.
    static SERIAL: Mutex<()> = Mutex::new(());

    fn serial() -> std::sync::MutexGuard<'static, ()> {
        SERIAL.lock().unwrap_or_else(|p| p.into_inner())
    }

    #[test]
    fn same_configuration_shares_one_backend() {
        let _serial = serial();
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
        let _serial = serial();
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
    fn stores_are_bounded_and_the_least_recently_used_goes() {
        let _serial = serial();
        let ini = IniValues::default();
        let keep = backend("redis://127.0.0.1:3", &ini).unwrap();
        let weak = Arc::downgrade(&backend("redis://127.0.0.1:4", &ini).unwrap().store);
        for port in 5..(5 + MAX_CACHED_STORES as u16 * 2) {
            backend(&format!("redis://127.0.0.1:{port}"), &ini).unwrap();
            // The first one stays in use.
            backend("redis://127.0.0.1:3", &ini).unwrap();
        }
        let reg = REGISTRY.lock().unwrap();
        assert!(reg.stores.len() <= MAX_CACHED_STORES);
        drop(reg);
        // Evicted and no longer referenced: its pool (and its connections) are gone.
        assert!(weak.upgrade().is_none());
        let again = backend("redis://127.0.0.1:3", &ini).unwrap();
        assert!(Arc::ptr_eq(&keep.store, &again.store));
    }

    #[test]
    fn sentinel_pools_are_told_apart_by_sentinels_service_and_passwords() {
        let _serial = serial();
        let ini = IniValues::default();
        let store = |path: &str| backend(path, &ini).unwrap().store.clone();
        let a = store("redis+sentinel://127.0.0.1:1/m?wait=1");
        assert_eq!(a.label(), "redis sentinel m (127.0.0.1:1)");
        let mut kept = vec![a];
        for path in [
            // The same sentinels, service, database and passwords: the same pool.
            "redis+sentinel://127.0.0.1:1/m?prefix=x",
            "redis+sentinel://127.0.0.1:1/n",
            "redis+sentinel://127.0.0.1:1,127.0.0.1:2/m",
            "redis+sentinel://127.0.0.1:1/m?sentinel_auth=x",
            "redis+sentinel://127.0.0.1:1/m?auth=x",
            "redis+sentinel://127.0.0.1:1/m/1",
        ] {
            kept.push(store(path));
        }
        let reg = REGISTRY.lock().unwrap();
        let pools = reg
            .redis_pools
            .iter()
            .filter(|(identity, pool)| identity.6.is_some() && pool.strong_count() > 0)
            .count();
        assert_eq!(pools, 6);
    }

    #[test]
    fn notices_are_shown_once() {
        let _serial = serial();
        let b = backend("redis://127.0.0.1:1?timeout=500", &IniValues::default()).unwrap();
        assert_eq!(b.take_notices().len(), 1);
        assert!(b.take_notices().is_empty());
    }

    #[test]
    fn errors_are_cached_and_repeated() {
        let _serial = serial();
        let ini = IniValues::default();
        let e1 = backend("redis://h:0", &ini).err().unwrap();
        let e2 = backend("redis://h:0", &ini).err().unwrap();
        assert_eq!(e1, e2);
        assert!(e1.contains("port 0 out of range"));
    }
}
