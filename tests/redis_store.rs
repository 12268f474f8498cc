//! The Redis store against a real redis-server that this test starts on a loopback port of its
//! own, kills and restarts.

use std::{
    net::TcpListener,
    process::{Child, Command, Stdio},
    sync::Arc,
    thread::sleep,
    time::{Duration, Instant},
};

use rsession::{
    config::{Address, RedisConfig},
    lock::Lock,
    store::{redis::RedisStore, Store, Unlocked},
};
use scheduled_thread_pool::ScheduledThreadPool;

struct Server {
    port: u16,
    child: Child,
}

impl Server {
    fn start(port: u16) -> Server {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server must be installed (make test installs it)");
        let server = Server { port, child };
        let deadline = Instant::now() + Duration::from_secs(5);
        while server.raw().is_err() {
            assert!(
                Instant::now() < deadline,
                "redis-server on port {port} did not start"
            );
            sleep(Duration::from_millis(20));
        }
        server
    }

    fn raw(&self) -> redis::RedisResult<redis::Connection> {
        let mut c =
            redis::Client::open(format!("redis://127.0.0.1:{}", self.port))?.get_connection()?;
        redis::cmd("PING").query::<String>(&mut c)?;
        Ok(c)
    }

    fn connections_received(&self) -> u64 {
        let info: String = redis::cmd("INFO")
            .arg("stats")
            .query(&mut self.raw().unwrap())
            .unwrap();
        info.lines()
            .find_map(|l| l.strip_prefix("total_connections_received:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap()
    }

    fn kill(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn store(port: u16, read_timeout: Duration) -> RedisStore {
    let cfg = RedisConfig {
        address: Address::Tcp {
            host: "127.0.0.1".into(),
            port,
        },
        tls: None,
        username: None,
        password: None,
        database: 0,
        connect_timeout: Duration::from_secs(1),
        read_timeout,
        wait: 0,
        cluster: None,
        sentinel: None,
    };
    let threads = Arc::new(ScheduledThreadPool::new(1));
    RedisStore::new(&cfg, rsession::store::redis::pool(&cfg, threads).unwrap())
}

#[test]
fn commands_do_what_the_session_handler_needs() {
    let server = Server::start(free_port());
    let s = store(server.port, Duration::from_secs(1));
    assert_eq!(s.label(), format!("redis 127.0.0.1:{}", server.port));
    assert_eq!(s.get(b"k", None).unwrap(), None);
    assert!(!s.exists(b"k").unwrap());
    assert!(
        !s.touch(b"k", 10).unwrap(),
        "touch of a missing key reports it"
    );
    s.set(b"k", b"v\0\r\n", 100).unwrap();
    assert_eq!(s.get(b"k", None).unwrap().as_deref(), Some(&b"v\0\r\n"[..]));
    assert!(s.exists(b"k").unwrap());
    let ttl = |c: &mut redis::Connection| redis::cmd("TTL").arg("k").query::<i64>(c).unwrap();
    let mut raw = server.raw().unwrap();
    assert!((99..=100).contains(&ttl(&mut raw)));
    assert!(s.touch(b"k", 500).unwrap());
    assert!((499..=500).contains(&ttl(&mut raw)));
    assert_eq!(
        s.get(b"k", Some(900)).unwrap().as_deref(),
        Some(&b"v\0\r\n"[..])
    );
    assert!(
        (899..=900).contains(&ttl(&mut raw)),
        "GETEX refreshes the expiry"
    );
    s.delete(b"k").unwrap();
    assert!(!s.exists(b"k").unwrap());
}

#[test]
fn one_pooled_connection_serves_every_command() {
    let server = Server::start(free_port());
    let s = store(server.port, Duration::from_secs(1));
    let before = server.connections_received();
    for i in 0..200u32 {
        s.set(b"n", i.to_string().as_bytes(), 60).unwrap();
        s.get(b"n", None).unwrap();
    }
    // The INFO call itself opens one connection.
    assert_eq!(server.connections_received() - before, 1 + 1);
}

#[test]
fn a_killed_server_fails_fast_with_its_address_and_the_pool_recovers() {
    let port = free_port();
    let mut server = Server::start(port);
    let s = store(port, Duration::from_secs(1));
    s.set(b"a", b"1", 60).unwrap();
    server.kill();
    let started = Instant::now();
    let err = s.get(b"a", None).unwrap_err().to_string();
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(
        err,
        format!("redis 127.0.0.1:{port}: cannot connect: Connection refused (os error 111)")
    );
    let _server = Server::start(port);
    s.set(b"a", b"2", 60).unwrap();
    assert_eq!(s.get(b"a", None).unwrap().as_deref(), Some(&b"2"[..]));
}

#[test]
fn a_silent_server_is_bounded_by_the_read_timeout() {
    // Accepts connections (the kernel does) and never answers.
    let hole = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = hole.local_addr().unwrap().port();
    let s = store(port, Duration::from_millis(200));
    let started = Instant::now();
    let err = s.get(b"a", None).unwrap_err().to_string();
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(150) && took < Duration::from_millis(800),
        "took {took:?}"
    );
    assert_eq!(
        err,
        format!("redis 127.0.0.1:{port}: GET failed: no reply within 0.2s (timeout)")
    );
}

#[test]
fn locks_are_taken_once_and_released_only_by_their_owner() {
    let server = Server::start(free_port());
    let s = store(server.port, Duration::from_secs(1));
    let mut raw = server.raw().unwrap();
    let lock_ttl =
        |c: &mut redis::Connection| redis::cmd("PTTL").arg("k_LOCK").query::<i64>(c).unwrap();
    s.set(b"k", b"old", 100).unwrap();
    let mine = Lock::new(b"k_LOCK".to_vec(), Duration::from_millis(5000)).unwrap();
    let theirs = Lock::new(b"k_LOCK".to_vec(), Duration::from_millis(5000)).unwrap();
    assert_eq!(
        s.lock_get(b"k", &mine, None).unwrap(),
        (true, Some(b"old".to_vec()))
    );
    assert!(
        (4900..=5000).contains(&lock_ttl(&mut raw)),
        "the lock always has an expiry"
    );
    // Taken: another request reads the data but gets no lock, and cannot write or release.
    assert_eq!(
        s.lock_get(b"k", &theirs, None).unwrap(),
        (false, Some(b"old".to_vec()))
    );
    assert_eq!(
        s.set_unlock(b"k", b"theirs", 100, &theirs).unwrap(),
        Unlocked::LockLost
    );
    assert_eq!(
        s.touch_unlock(b"k", None, &theirs).unwrap(),
        Unlocked::LockLost
    );
    s.delete_unlock(b"other", &theirs).unwrap();
    assert_eq!(s.get(b"k", None).unwrap().as_deref(), Some(&b"old"[..]));
    assert!(
        lock_ttl(&mut raw) > 0,
        "a stranger's release leaves the lock in place"
    );
    // The owner writes and releases in one call.
    assert_eq!(
        s.set_unlock(b"k", b"new", 100, &mine).unwrap(),
        Unlocked::Done
    );
    assert_eq!(lock_ttl(&mut raw), -2, "released");
    assert_eq!(s.get(b"k", None).unwrap().as_deref(), Some(&b"new"[..]));
    // A value that vanished under the lock is reported, so the caller can write it back.
    let again = Lock::new(b"k_LOCK".to_vec(), Duration::from_millis(5000)).unwrap();
    assert!(s.lock_get(b"k", &again, None).unwrap().0);
    s.delete(b"k").unwrap();
    assert_eq!(
        s.touch_unlock(b"k", Some(100), &again).unwrap(),
        Unlocked::ValueMissing
    );
    assert_eq!(lock_ttl(&mut raw), -2);
}

#[test]
fn an_expired_lock_can_be_taken_and_the_old_owner_cannot_write() {
    let server = Server::start(free_port());
    let s = store(server.port, Duration::from_secs(1));
    let slow = Lock::new(b"k_LOCK".to_vec(), Duration::from_millis(100)).unwrap();
    assert!(s.lock_get(b"k", &slow, None).unwrap().0);
    sleep(Duration::from_millis(150));
    let next = Lock::new(b"k_LOCK".to_vec(), Duration::from_millis(5000)).unwrap();
    assert!(
        s.lock_get(b"k", &next, None).unwrap().0,
        "an expired lock is free"
    );
    assert_eq!(
        s.set_unlock(b"k", b"stale", 100, &slow).unwrap(),
        Unlocked::LockLost
    );
    assert_eq!(
        s.set_unlock(b"k", b"fresh", 100, &next).unwrap(),
        Unlocked::Done
    );
    assert_eq!(s.get(b"k", None).unwrap().as_deref(), Some(&b"fresh"[..]));
}

/// Reads key "k" from `threads` threads at once; returns the errors.
fn get_from_threads(s: &Arc<RedisStore>, threads: usize) -> Vec<String> {
    let threads: Vec<_> = (0..threads)
        .map(|_| {
            let s = s.clone();
            std::thread::spawn(move || s.get(b"k", None).map_err(|e| format!("{e:#}")))
        })
        .collect();
    threads
        .into_iter()
        .filter_map(|t| t.join().unwrap().err())
        .collect()
}

/// Threaded PHP (FrankenPHP, Apache worker) runs many requests of one process at once: each
/// thread that uses the store at the same moment gets a connection of its own, and a stall the
/// read timeout allows for fails none of them. (The pool used to hold 8 connections, and the
/// ninth thread gave up after waiting 1 s for one: "all 8 connections are busy".)
#[test]
fn every_thread_gets_a_connection_through_a_stall_the_timeouts_allow() {
    const THREADS: usize = 24;
    let server = Server::start(free_port());
    let s = Arc::new(store(server.port, Duration::from_secs(4)));
    s.set(b"k", b"v", 100).unwrap();
    redis::cmd("CLIENT")
        .arg(&["PAUSE", "1500", "ALL"])
        .query::<()>(&mut server.raw().unwrap())
        .unwrap();
    let started = Instant::now();
    let failures = get_from_threads(&s, THREADS);
    assert!(
        failures.is_empty(),
        "{} of {THREADS} failed: {failures:?}",
        failures.len()
    );
    assert!(started.elapsed() >= Duration::from_millis(1400));
}

/// The wait for a free connection is bounded by the store's timeouts, not by a constant: with
/// more threads than the pool's bound, the ones over it wait for a connection to come free, as
/// long as a call could take anyway (connect + read timeout), and succeed once the stall ends.
#[test]
fn threads_over_the_bound_wait_for_a_connection_as_long_as_the_timeouts_allow() {
    let server = Server::start(free_port());
    let s = Arc::new(store(server.port, Duration::from_secs(4)));
    s.set(b"k", b"v", 100).unwrap();
    let threads = rsession::store::pool::MAX_CONNECTIONS as usize + 8;
    redis::cmd("CLIENT")
        .arg(&["PAUSE", "2000", "ALL"])
        .query::<()>(&mut server.raw().unwrap())
        .unwrap();
    let failures = get_from_threads(&s, threads);
    assert!(
        failures.is_empty(),
        "{} failed: {:?}",
        failures.len(),
        failures.first()
    );
}
