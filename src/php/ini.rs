//! `rsession.*` INI entries. PHP stores them as text; the core validates them at open, so a bad
//! value is reported with its name to the request that uses it.

use std::{
    cell::RefCell,
    ffi::{c_char, c_int, c_void, CStr},
    rc::Rc,
    sync::atomic::{AtomicU64, Ordering},
};

use ext_php_rs::{
    ffi::{zend_ini_entry, zend_string, ZEND_RESULT_CODE_SUCCESS},
    flags::IniEntryPermission,
    zend::{IniEntryDef, IniEntryDefs},
};

use super::session_ffi::zend_ini_string_ex;
use crate::config::IniValues;

/// Counts the changes PHP made to rsession's own settings: it calls `accept` for each one (php.ini,
/// php-fpm's pool settings, `ini_set()`, `ini_restore()`, the restore at the end of a request),
/// so `values()` knows they are unchanged without looking them up.
static CHANGES: AtomicU64 = AtomicU64::new(0);

/// Takes any text: values are validated where they are used, so a bad php.ini value is reported
/// with its name instead of silently replaced by the default. Without a handler, PHP 8.2 also
/// refuses `ini_restore()` on the entry.
unsafe extern "C" fn accept(
    _entry: *mut zend_ini_entry,
    _new_value: *mut zend_string,
    _arg1: *mut c_void,
    _arg2: *mut c_void,
    _arg3: *mut c_void,
    _stage: c_int,
) -> c_int {
    CHANGES.fetch_add(1, Ordering::Relaxed);
    ZEND_RESULT_CODE_SUCCESS
}

const fn entry(name: &'static CStr, default: &'static CStr) -> IniEntryDef {
    IniEntryDef {
        on_modify: Some(accept),
        ..IniEntryDef::new(name, default, IniEntryPermission::All)
    }
}

pub static ENTRIES: IniEntryDefs<14> = IniEntryDefs::new([
    entry(c"rsession.connect_timeout", c"1"),
    entry(c"rsession.read_timeout", c"1"),
    entry(c"rsession.early_refresh", c"0"),
    entry(c"rsession.locking", c"1"),
    entry(c"rsession.lock_expire", c"0"),
    entry(c"rsession.lock_wait_timeout", c"0"),
    entry(c"rsession.lock_timeout_readonly", c"0"),
    entry(c"rsession.max_size", c"0"),
    entry(c"rsession.encryption_key_file", c""),
    entry(c"rsession.compression", c"none"),
    entry(c"rsession.compression_level", c"0"),
    entry(c"rsession.compression_threshold", c"1024"),
    entry(c"rsession.slow_log_ms", c"0"),
    IniEntryDef::end(),
]);

/// The current value of any INI setting, as text; `None` if it does not exist.
pub fn get(name: &CStr) -> Option<String> {
    raw(name, |value| {
        value.map(|v| String::from_utf8_lossy(v).into_owned())
    })
}

/// Hands `f` the current value of an INI setting as PHP keeps it, without copying it.
fn raw<R>(name: &CStr, f: impl FnOnce(Option<&[u8]>) -> R) -> R {
    let mut exists = false;
    // SAFETY: zend_ini_string_ex only reads the name and writes `exists`; the returned text
    // belongs to the engine and stays valid until the engine changes the setting, which it
    // cannot do while `f` runs (no engine call in between).
    unsafe {
        let value: *mut c_char =
            zend_ini_string_ex(name.as_ptr(), name.count_bytes(), 0, &mut exists);
        f((exists && !value.is_null()).then(|| CStr::from_ptr(value).to_bytes()))
    }
}

/// The settings `values()` reads, in the order of `IniValues`'s fields (see `fields`): first
/// rsession's own (`OWN` of them, whose changes `CHANGES` counts), then PHP's.
const OWN: usize = 13;
const NAMES: [&CStr; 15] = [
    c"rsession.connect_timeout",
    c"rsession.read_timeout",
    c"rsession.early_refresh",
    c"rsession.locking",
    c"rsession.lock_expire",
    c"rsession.lock_wait_timeout",
    c"rsession.lock_timeout_readonly",
    c"rsession.max_size",
    c"rsession.encryption_key_file",
    c"rsession.compression",
    c"rsession.compression_level",
    c"rsession.compression_threshold",
    c"rsession.slow_log_ms",
    c"max_execution_time",
    c"session.sid_length",
];

fn fields(v: &IniValues) -> [&str; 15] {
    [
        &v.connect_timeout,
        &v.read_timeout,
        &v.early_refresh,
        &v.locking,
        &v.lock_expire,
        &v.lock_wait_timeout,
        &v.lock_timeout_readonly,
        &v.max_size,
        &v.encryption_key_file,
        &v.compression,
        &v.compression_level,
        &v.compression_threshold,
        &v.slow_log_ms,
        &v.max_execution_time,
        &v.sid_length,
    ]
}

thread_local! {
    /// What `values()` gave last, and `CHANGES` then. Every request reads the settings at open
    /// and they rarely change, so they are copied only when one did: copying all of them cost
    /// about 4,000 instructions a request, a fifth of rsession's share of a session cycle.
    static LAST: RefCell<Option<(u64, Rc<IniValues>)>> = const { RefCell::new(None) };
}

pub fn values() -> Rc<IniValues> {
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        let changes = CHANGES.load(Ordering::Relaxed);
        if let Some((seen, values)) = last.as_ref() {
            // PHP's own settings are compared where PHP keeps them.
            let unchanged = *seen == changes
                && NAMES[OWN..]
                    .iter()
                    .zip(&fields(values)[OWN..])
                    .all(|(name, field)| {
                        raw(name, |now| now.unwrap_or_default() == field.as_bytes())
                    });
            if unchanged {
                return values.clone();
            }
        }
        let [connect_timeout, read_timeout, early_refresh, locking, lock_expire, lock_wait_timeout, lock_timeout_readonly, max_size, encryption_key_file, compression, compression_level, compression_threshold, slow_log_ms, max_execution_time, sid_length] =
            NAMES.map(|name| get(name).unwrap_or_default());
        let values = Rc::new(IniValues {
            connect_timeout,
            read_timeout,
            early_refresh,
            locking,
            lock_expire,
            lock_wait_timeout,
            lock_timeout_readonly,
            max_size,
            encryption_key_file,
            compression,
            compression_level,
            compression_threshold,
            slow_log_ms,
            max_execution_time,
            sid_length,
        });
        *last = Some((changes, values.clone()));
        values
    })
}

/// `session.gc_maxlifetime`, needed by calls whose PHP signature carries no lifetime.
pub fn gc_maxlifetime() -> i64 {
    raw(c"session.gc_maxlifetime", |v| {
        std::str::from_utf8(v?).ok()?.trim().parse().ok()
    })
    .unwrap_or(1440)
}
