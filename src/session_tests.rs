//! The session logic against the in-memory store: no PHP, no server. Each call to the store is
//! one round trip, so the counted calls are the round trips a request costs.

use std::{sync::Arc, thread::sleep, time::Duration};

use super::*;
use crate::{
    config::{self, IniValues},
    registry::Backend,
    store::memory::{Fault, MemoryStore},
};

const ID: &[u8] = b"abcdefghijklmnopqrstuvwxyz012345";
const KEY: &[u8] = b"PHPREDIS_SESSION:abcdefghijklmnopqrstuvwxyz012345";

fn backend(store: &Arc<MemoryStore>, ini: IniValues) -> Arc<Backend> {
    let config = config::resolve("redis://127.0.0.1:1", &ini).unwrap();
    Arc::new(Backend::new(config, store.clone()))
}

fn locking(wait: &str, expire: &str, readonly: &str) -> IniValues {
    IniValues {
        locking: "1".into(),
        lock_wait_timeout: wait.into(),
        lock_expire: expire.into(),
        lock_timeout_readonly: readonly.into(),
        ..IniValues::default()
    }
}

fn session(store: &Arc<MemoryStore>, ini: IniValues) -> Session {
    Session::new(backend(store, ini), 1440)
}

fn lock_key() -> Vec<u8> {
    [KEY, b"_LOCK"].concat()
}

#[test]
fn ttl_and_short_ids() {
    assert_eq!(ttl(60), 60);
    assert_eq!(ttl(0), 1440);
    assert_eq!(ttl(-5), 1440);
    assert_eq!(ttl(i64::MAX), 2147483647);
    assert_eq!(
        lifetime_notice(i64::MAX).unwrap(),
        "rsession: session.gc_maxlifetime is 9223372036854775807: sessions are kept for 2147483647 seconds instead"
    );
    assert_eq!(lifetime_notice(2147483647), None);
    assert_eq!(lifetime_notice(60), None);
    assert_eq!(
        lifetime_notice(0).unwrap(),
        "rsession: session.gc_maxlifetime is 0: sessions are kept for 1440 seconds instead"
    );
    assert_eq!(short(b"abcdefghijkl"), "abcdefgh");
    assert_eq!(short(b"abc"), "abc");
}

#[test]
fn a_locked_cycle_is_two_round_trips_and_leaves_no_lock() {
    let store = Arc::new(MemoryStore::default());
    let mut s = session(&store, locking("", "", ""));
    assert_eq!(s.read(ID, 1440).unwrap(), b"");
    assert!(store.value(&lock_key()).is_some());
    s.write(ID, b"n|i:1;", 1440).unwrap();
    s.release().unwrap();
    assert_eq!(store.take_calls(), ["lock_get", "set_unlock"]);
    assert_eq!(store.value(KEY).unwrap(), b"n|i:1;");
    assert_eq!(store.value(&lock_key()), None);
}

#[test]
fn a_busy_lock_is_waited_for_then_reported_or_opened_read_only() {
    let store = Arc::new(MemoryStore::default());
    store.put(KEY, b"old", Duration::from_secs(60));
    let mut holder = session(&store, locking("", "", ""));
    holder.read(ID, 1440).unwrap();

    let mut waiter = session(&store, locking("0.05", "", ""));
    let e = waiter.read(ID, 1440).unwrap_err().to_string();
    assert!(
        e.contains("still locked by another request after waiting 0.1s"),
        "{e}"
    );

    let mut reader = session(&store, locking("0.05", "", "1"));
    assert_eq!(reader.read(ID, 1440).unwrap(), b"old");
    let e = reader.write(ID, b"new", 1440).unwrap_err().to_string();
    assert!(e.contains("not saved: the lock wait timed out"), "{e}");
    // Unchanged data under read-only costs nothing and loses nothing.
    store.take_calls();
    reader.update_timestamp(ID, b"old", 1440).unwrap();
    assert!(store.take_calls().is_empty());
    assert_eq!(store.value(KEY).unwrap(), b"old");
}

#[test]
fn a_lock_that_expired_under_a_slow_request_is_reported_and_the_newer_data_kept() {
    let store = Arc::new(MemoryStore::default());
    let mut slow = session(&store, locking("", "0.05", ""));
    slow.read(ID, 1440).unwrap();
    sleep(Duration::from_millis(80));
    let mut fast = session(&store, locking("", "", ""));
    fast.read(ID, 1440).unwrap();
    fast.write(ID, b"fast", 1440).unwrap();
    let e = slow.write(ID, b"slow", 1440).unwrap_err().to_string();
    assert!(e.contains("not saved: its lock expired"), "{e}");
    assert_eq!(store.value(KEY).unwrap(), b"fast");
}

#[test]
fn strict_mode_prefetch_costs_no_second_round_trip() {
    let store = Arc::new(MemoryStore::default());
    store.put(KEY, b"data", Duration::from_secs(60));
    let mut s = session(&store, locking("", "", ""));
    assert!(s.validate(ID));
    assert_eq!(s.read(ID, 1440).unwrap(), b"data");
    assert_eq!(store.take_calls(), ["lock_get"]);
}

#[test]
fn strict_mode_with_the_store_down_keeps_the_id_and_the_read_reports_why() {
    let store = Arc::new(MemoryStore::default());
    let mut s = session(&store, locking("", "", ""));
    store.fail_next(Fault::Unreachable);
    assert!(
        s.validate(ID),
        "an unanswered id must not be called unknown"
    );
    let e = s.read(ID, 1440).unwrap_err().to_string();
    assert!(e.contains("unreachable"), "{e}");
    // Reported once: later calls fail quietly instead of waiting again.
    let e = s.write(ID, b"x", 1440).unwrap_err();
    assert!(e.is::<AlreadyReported>());
    // The request's own calls: one. The lock the failed call may have taken goes to the
    // janitor's thread, whose owner-checked release may or may not have run by now.
    let calls = store.take_calls();
    assert_eq!(calls[0], "lock_get");
    assert!(calls[1..].iter().all(|c| *c == "touch_unlock"), "{calls:?}");
}

#[test]
fn an_unknown_id_in_strict_mode_is_refused_and_not_left_locked() {
    let store = Arc::new(MemoryStore::default());
    let mut s = session(&store, locking("", "", ""));
    assert!(!s.validate(ID));
    assert_eq!(store.value(&lock_key()), None);
    assert!(!s.validate(b"bad id\r\n"));
    assert!(!s.validate(&[b'a'; 300]));
    // The unknown id: read under its lock, then released; the impossible ones never reach it.
    assert_eq!(store.take_calls(), ["lock_get", "touch_unlock"]);
}

#[test]
fn create_id_claims_a_free_id_and_reports_a_store_failure_at_the_read() {
    let store = Arc::new(MemoryStore::default());
    store.put(KEY, b"taken", Duration::from_secs(60));
    let mut ids = vec![b"freefreefreefreefreefreefree0001".to_vec(), ID.to_vec()];
    let mut s = session(&store, locking("", "", ""));
    let id = s.create_id(|| Ok(ids.pop().unwrap())).unwrap();
    assert_eq!(id, b"freefreefreefreefreefreefree0001");
    // Taken id: its lock was released again; the new one is held and prefetched.
    assert_eq!(store.value(&lock_key()), None);
    store.take_calls();
    assert_eq!(s.read(&id, 1440).unwrap(), b"");
    assert!(store.take_calls().is_empty());

    let mut down = session(&store, locking("", "", ""));
    store.fail_next(Fault::Unreachable);
    let id = down.create_id(|| Ok(b"anotherfreeid0000000000000000001".to_vec()));
    assert_eq!(id.unwrap(), b"anotherfreeid0000000000000000001");
    let e = down
        .read(b"anotherfreeid0000000000000000001", 1440)
        .unwrap_err();
    assert!(e.to_string().contains("unreachable"), "{e}");
}

#[test]
fn session_reset_keeps_the_lock_of_the_same_store() {
    let store = Arc::new(MemoryStore::default());
    let mut first = session(&store, locking("", "", ""));
    first.read(ID, 1440).unwrap();
    let mut reopened = session(&store, locking("", "", ""));
    reopened.adopt(first).unwrap();
    store.take_calls();
    reopened.read(ID, 1440).unwrap();
    reopened.write(ID, b"after reset", 1440).unwrap();
    assert_eq!(store.take_calls(), ["get", "set_unlock"]);
    assert_eq!(store.value(&lock_key()), None);
}

#[test]
fn a_session_reset_onto_another_store_releases_the_old_lock() {
    let old_store = Arc::new(MemoryStore::default());
    let mut first = session(&old_store, locking("", "", ""));
    first.read(ID, 1440).unwrap();
    let new_store = Arc::new(MemoryStore::default());
    let mut reopened = session(&new_store, locking("", "", ""));
    reopened.adopt(first).unwrap();
    assert_eq!(old_store.value(&lock_key()), None);
}

#[test]
fn unchanged_data_refreshes_and_a_vanished_session_is_written_back() {
    let store = Arc::new(MemoryStore::default());
    let mut s = session(&store, locking("", "", ""));
    s.read(ID, 1440).unwrap();
    s.update_timestamp(ID, b"kept", 1440).unwrap();
    assert_eq!(store.take_calls(), ["lock_get", "touch_unlock", "set"]);
    assert_eq!(store.value(KEY).unwrap(), b"kept");
}

#[test]
fn release_after_read_and_close_and_after_a_failure() {
    let store = Arc::new(MemoryStore::default());
    let mut s = session(&store, locking("", "", ""));
    s.read(ID, 1440).unwrap();
    s.release().unwrap();
    assert_eq!(store.value(&lock_key()), None);

    let mut failed = session(&store, locking("", "", ""));
    failed.read(ID, 1440).unwrap();
    store.fail_next(Fault::Unreachable);
    assert!(failed.write(ID, b"x", 1440).is_err());
    // The store failed in this request: release returns at once, and the janitor releases the
    // lock behind it (retrying while the store fails), so the user's next request need not
    // wait for it to expire.
    store.fail_next(Fault::Unreachable);
    failed.release().unwrap();
    let released = (0..100).any(|_| {
        sleep(Duration::from_millis(10));
        store.value(&lock_key()).is_none()
    });
    assert!(released, "the lock was left behind");
}

#[test]
fn reading_a_second_id_releases_the_first_ones_lock() {
    let store = Arc::new(MemoryStore::default());
    let mut s = session(&store, locking("", "", ""));
    s.read(b"peekpeekpeekpeekpeekpeekpeek0001", 1440).unwrap();
    s.read(ID, 1440).unwrap();
    assert_eq!(
        store.value(b"PHPREDIS_SESSION:peekpeekpeekpeekpeekpeekpeek0001_LOCK"),
        None
    );
    assert!(store.value(&lock_key()).is_some());
}

#[test]
fn locking_off_costs_one_read_and_one_write() {
    let store = Arc::new(MemoryStore::default());
    let mut s = session(
        &store,
        IniValues {
            locking: "0".into(),
            ..IniValues::default()
        },
    );
    s.read(ID, 1440).unwrap();
    s.write(ID, b"x", 1440).unwrap();
    s.release().unwrap();
    assert_eq!(store.take_calls(), ["get", "set"]);
}

#[test]
fn a_lost_reply_is_reported_and_leaves_no_lock() {
    // The lock request ran, but its reply was lost: the read fails, and the lock it may have
    // taken is released behind the request.
    let store = Arc::new(MemoryStore::default());
    let mut s = session(&store, locking("", "", ""));
    store.fail_next(Fault::ReplyLost);
    let e = s.read(ID, 1440).unwrap_err();
    assert!(e.to_string().contains("reply lost"), "{e}");
    s.release().unwrap();

    // The write ran (data stored, lock released), but its reply was lost: reported as failed,
    // never as saved elsewhere, and no lock is left.
    let mut w = session(&store, locking("", "", ""));
    w.read(ID, 1440).unwrap();
    store.fail_next(Fault::ReplyLost);
    assert!(w.write(ID, b"landed", 1440).is_err());
    w.release().unwrap();
    let released = (0..100).any(|_| {
        sleep(Duration::from_millis(10));
        store.value(&lock_key()).is_none()
    });
    assert!(released, "the lock was left behind");
    assert_eq!(store.value(KEY).unwrap(), b"landed");
}

#[test]
fn a_write_fewer_replicas_confirmed_is_saved_with_a_warning() {
    // Redis wait=N: the write and the release are done; only the replicas are missing. The
    // request is not failed, its lock is not handed to the janitor, and the store stays usable.
    let store = Arc::new(MemoryStore::default());
    for ini in [locking("", "", ""), IniValues::default()] {
        let mut s = session(&store, ini);
        s.read(ID, 1440).unwrap();
        store.fail_next(Fault::NotReplicated);
        s.write(ID, b"kept", 1440).unwrap();
        assert_eq!(store.value(KEY).unwrap(), b"kept");
        assert!(store.value(&lock_key()).is_none(), "the lock was left");
        let warnings = s.take_warnings();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("0 of 1 replicas"), "{warnings:?}");
        s.release().unwrap();
        // The next request works as usual.
        let mut next = session(&store, IniValues::default());
        assert_eq!(next.read(ID, 1440).unwrap(), b"kept");
        assert!(next.take_warnings().is_empty());
    }
}

#[test]
fn a_session_over_max_size_is_not_written_and_its_lock_is_released() {
    let store = Arc::new(MemoryStore::default());
    let ini = IniValues {
        max_size: "10".into(),
        ..locking("", "", "")
    };
    let mut s = session(&store, ini.clone());
    s.read(ID, 1440).unwrap();
    s.write(ID, b"0123456789", 1440).unwrap();
    assert_eq!(store.value(KEY).as_deref(), Some(&b"0123456789"[..]));

    let mut s = session(&store, ini.clone());
    s.read(ID, 1440).unwrap();
    assert!(store.value(&lock_key()).is_some());
    let e = s.write(ID, b"0123456789a", 1440).unwrap_err().to_string();
    assert!(
        e.contains("its data is 11 bytes, over rsession.max_size of 10 bytes")
            && e.contains("the session stored before is kept"),
        "{e}"
    );
    // The stored session is the one before, and nobody waits for this request's lock.
    assert_eq!(store.value(KEY).as_deref(), Some(&b"0123456789"[..]));
    assert_eq!(store.value(&lock_key()), None);

    // Without locking, the write is refused the same way.
    let mut s = session(
        &store,
        IniValues {
            locking: "0".into(),
            ..ini
        },
    );
    s.read(ID, 1440).unwrap();
    assert!(s.write(ID, &[b'x'; 11], 1440).is_err());
    assert_eq!(store.value(KEY).as_deref(), Some(&b"0123456789"[..]));
}
