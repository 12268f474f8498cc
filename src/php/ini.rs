//! `rsession.*` INI entries. PHP stores them as text; the core validates them at open, so a bad
//! value is reported with its name to the request that uses it.

use std::ffi::{c_char, c_int, c_void, CStr};

use ext_php_rs::{
    ffi::{zend_ini_entry, zend_string, ZEND_RESULT_CODE_SUCCESS},
    flags::IniEntryPermission,
    zend::{IniEntryDef, IniEntryDefs},
};

use super::session_ffi::zend_ini_string_ex;
use crate::config::IniValues;

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
    ZEND_RESULT_CODE_SUCCESS
}

const fn entry(name: &'static CStr, default: &'static CStr) -> IniEntryDef {
    IniEntryDef {
        on_modify: Some(accept),
        ..IniEntryDef::new(name, default, IniEntryPermission::All)
    }
}

pub static ENTRIES: IniEntryDefs<8> = IniEntryDefs::new([
    entry(c"rsession.connect_timeout", c"1"),
    entry(c"rsession.read_timeout", c"1"),
    entry(c"rsession.early_refresh", c"0"),
    entry(c"rsession.locking", c"1"),
    entry(c"rsession.lock_expire", c"0"),
    entry(c"rsession.lock_wait_timeout", c"0"),
    entry(c"rsession.lock_timeout_readonly", c"0"),
    IniEntryDef::end(),
]);

/// The current value of any INI setting, as text; `None` if it does not exist.
pub fn get(name: &CStr) -> Option<String> {
    let mut exists = false;
    // SAFETY: zend_ini_string_ex only reads the name and writes `exists`; the returned text
    // belongs to the engine and is copied before the next engine call.
    unsafe {
        let value: *mut c_char =
            zend_ini_string_ex(name.as_ptr(), name.count_bytes(), 0, &mut exists);
        (exists && !value.is_null()).then(|| CStr::from_ptr(value).to_string_lossy().into_owned())
    }
}

pub fn values() -> IniValues {
    IniValues {
        connect_timeout: get(c"rsession.connect_timeout").unwrap_or_default(),
        read_timeout: get(c"rsession.read_timeout").unwrap_or_default(),
        early_refresh: get(c"rsession.early_refresh").unwrap_or_default(),
        locking: get(c"rsession.locking").unwrap_or_default(),
        lock_expire: get(c"rsession.lock_expire").unwrap_or_default(),
        lock_wait_timeout: get(c"rsession.lock_wait_timeout").unwrap_or_default(),
        lock_timeout_readonly: get(c"rsession.lock_timeout_readonly").unwrap_or_default(),
        max_execution_time: get(c"max_execution_time").unwrap_or_default(),
        sid_length: get(c"session.sid_length").unwrap_or_default(),
    }
}

/// `session.gc_maxlifetime`, needed by calls whose PHP signature carries no lifetime.
pub fn gc_maxlifetime() -> i64 {
    get(c"session.gc_maxlifetime")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(1440)
}
