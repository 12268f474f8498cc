//! Releases a lock whose taking went unanswered. memcached runs a connection's commands in
//! order, and a stalled server (paused, overloaded) runs them when it resumes: the `add` of a
//! request that gave up waiting then takes the lock after all, and the session stays locked
//! until it expires (`rsession.lock_expire`, 30 s by default), so the user's next requests wait.
//! Redis can be sent an owner-checked release behind the command; memcached cannot delete on a
//! value, only on a CAS version that nobody knows yet. So the abandoned connection goes to the
//! janitor (crate::janitor), whose thread waits, at most the lock's lifetime, for the `add` to
//! have run, then releases the lock by its version if it holds our token, on a pooled
//! connection. The request itself has already failed with its warning and does not wait.

use std::{sync::Arc, time::Duration};

use super::{
    release, released,
    wire::{Conn, Reply},
    NodePool,
};
use crate::{janitor, store::pool::Timeouts};

/// What is known of a lock whose `lock+get` batch failed.
pub struct Abandoned {
    /// A second handle on the batch's connection, if its `add` reply was still to come.
    pub conn: Option<Conn>,
    /// The `add`'s reply, if it had arrived.
    pub added: Option<Reply>,
    pub lock_key: Vec<u8>,
    pub token: Vec<u8>,
}

/// Releases the lock in the background, if it holds our token once the `add` has run.
pub fn release_later(abandoned: Abandoned, pool: Arc<NodePool>, timeouts: Timeouts) {
    janitor::later(move || release_if_taken(abandoned, &pool, &timeouts));
}

/// Waits for the `add` to have run (its reply on the abandoned connection), then releases the
/// lock if it holds our token: by the token, since an earlier try of the same request (a retry
/// after a dropped connection) may have taken it while this `add` found it taken.
fn release_if_taken(abandoned: Abandoned, pool: &NodePool, timeouts: &Timeouts) {
    if let (None, Some(mut conn)) = (&abandoned.added, abandoned.conn) {
        // Any reply, or none within the lock's lifetime: either way, look at the lock now.
        let _ = conn.reply();
    }
    let (key, token) = (&abandoned.lock_key, &abandoned.token);
    // The node answered again (or the wait is over): the down mark its stall left must not
    // skip the release.
    let _ = pool.run_despite_down("release lock", timeouts, |c| {
        c.gets(&[key]);
        c.send()?;
        let holder = c.values()?.into_iter().next();
        match holder {
            Some(item) if item.data == *token => match item.cas {
                Some(version) => {
                    release(c, key, version);
                    c.send()?;
                    released(c.reply()?)
                }
                None => Ok(false),
            },
            _ => Ok(false),
        }
    });
}

/// Releases a lock we know to hold (its version), once the request's own release failed after
/// its write was done: retried on the janitor's thread until it succeeds or the lock would have
/// expired anyway.
pub fn release_version_later(
    pool: Arc<NodePool>,
    timeouts: Timeouts,
    key: Vec<u8>,
    version: u64,
    expire: Duration,
) {
    janitor::later(move || {
        janitor::retry_until_expired(expire, || {
            pool.run_despite_down("release lock", &timeouts, |c| {
                release(c, &key, version);
                c.send()?;
                released(c.reply()?)
            })
            .is_ok()
        })
    });
}
