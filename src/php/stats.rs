//! What operators see of the handler at work: `rsession_stats()`, and the slow-operation log
//! written through PHP's error log.

use std::{
    ffi::CString,
    panic::{catch_unwind, AssertUnwindSafe},
    time::{SystemTime, UNIX_EPOCH},
};

use ext_php_rs::{
    boxed::ZBox,
    builders::FunctionBuilder,
    flags::DataType,
    types::{ZendHashTable, Zval},
    zend::ExecuteData,
};

use super::session_ffi::php_log_err_with_severity;
use crate::{registry, stats};

/// syslog's LOG_NOTICE, the severity PHP's own `php_log_err` uses.
const LOG_NOTICE: i32 = 5;

/// Writes one line to PHP's error log (`error_log`, else the SAPI's log: php-fpm's worker
/// stderr, the CLI's stderr), whatever `display_errors` and `@` say: an operator's log, not the
/// user's page.
pub fn log(line: &str) {
    let Ok(line) = CString::new(line.replace('\0', "\\0")) else {
        return;
    };
    // SAFETY: a NUL-terminated string PHP only reads while it writes the log line; called in
    // the request's thread, during a session callback.
    unsafe { php_log_err_with_severity(line.as_ptr(), LOG_NOTICE) };
}

fn unix_seconds(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// `rsession_stats()`'s array (see the README's Operations section for each key).
fn stats_array() -> ext_php_rs::error::Result<ZBox<ZendHashTable>> {
    let snapshot = stats::snapshot();
    let mut out = ZendHashTable::new();
    out.insert("pid", i64::from(std::process::id()))?;
    out.insert("since", snapshot.since)?;
    for (name, value) in &snapshot.counts {
        out.insert(*name, *value)?;
        if *name == "lock_waits" {
            out.insert("lock_wait_seconds", snapshot.lock_wait.as_secs_f64())?;
        }
    }
    let mut errors = ZendHashTable::new();
    for (name, value) in &snapshot.errors {
        errors.insert(*name, *value)?;
    }
    out.insert("errors", errors)?;
    let mut nodes = ZendHashTable::new();
    for node in registry::nodes() {
        let mut entry = ZendHashTable::new();
        entry.insert("state", node.state.name())?;
        let until = match node.state {
            stats::NodeState::SkippedUntil(until) => Some(unix_seconds(until)),
            _ => None,
        };
        entry.insert("skipped_until", until)?;
        entry.insert(
            "last_error_at",
            node.last_error.as_ref().map(|(at, _)| unix_seconds(*at)),
        )?;
        entry.insert("last_error", node.last_error.map(|(_, cause)| cause))?;
        entry.insert("errors", node.errors)?;
        entry.insert("connections_opened", node.connections_opened)?;
        nodes.insert(node.name.as_str(), entry)?;
    }
    out.insert("nodes", nodes)?;
    Ok(out)
}

/// `rsession_stats(): array`: this process's counters and its nodes' states.
extern "C" fn rsession_stats(ex: &mut ExecuteData, retval: &mut Zval) {
    // An argument count error has been thrown already (ArgumentCountError).
    if ex.parser().parse().is_err() {
        return;
    }
    match catch_unwind(AssertUnwindSafe(stats_array)) {
        Ok(Ok(array)) => retval.set_hashtable(array),
        // A bug: the declared type still holds.
        _ => retval.set_hashtable(ZendHashTable::new()),
    }
}

pub fn functions() -> Vec<FunctionBuilder<'static>> {
    vec![
        FunctionBuilder::new("rsession_stats", rsession_stats).returns(
            DataType::Array,
            false,
            false,
        ),
    ]
}
