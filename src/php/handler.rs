//! The `ps_module` PHP's session extension calls: thin trampolines that convert, call the core
//! `Session`, and convert back. `*mod_data` holds the request's `Session` from open to close.

use std::ffi::{c_char, c_void, CStr};

use anyhow::{anyhow, Result};
use ext_php_rs::{
    boxed::ZBox,
    ffi::{
        zend_long, zend_result, zend_string, ZEND_RESULT_CODE_FAILURE, ZEND_RESULT_CODE_SUCCESS,
    },
    types::ZendStr,
};

use super::{
    guard, ini,
    session_ffi::{php_session_create_id, ps_module},
};
use crate::{registry, session::Session};

pub static MODULE: SyncModule = SyncModule(ps_module {
    s_name: c"rsession".as_ptr(),
    s_open: Some(open),
    s_close: Some(close),
    s_read: Some(read),
    s_write: Some(write),
    s_destroy: Some(destroy),
    s_gc: Some(gc),
    s_create_sid: Some(create_sid),
    s_validate_sid: Some(validate_sid),
    s_update_timestamp: Some(update_timestamp),
});

/// The table only holds pointers to static text and functions.
pub struct SyncModule(pub ps_module);
unsafe impl Sync for SyncModule {}

/// The request's session, if open succeeded.
unsafe fn session<'a>(mod_data: *mut *mut c_void) -> Result<&'a mut Session> {
    match mod_data.as_ref().map(|p| *p as *mut Session) {
        Some(p) if !p.is_null() => Ok(&mut *p),
        _ => Err(anyhow!("session storage is not open")),
    }
}

unsafe fn bytes<'a>(s: *const zend_string) -> &'a [u8] {
    s.as_ref().map(ZendStr::as_bytes).unwrap_or_default()
}

/// Takes the request's session out of `*mod_data`, leaving it empty.
unsafe fn take_session(mod_data: *mut *mut c_void) -> Option<Box<Session>> {
    let p = mod_data.as_mut()?;
    let session = (!p.is_null()).then(|| Box::from_raw(*p as *mut Session));
    *p = std::ptr::null_mut();
    session
}

unsafe extern "C" fn open(
    mod_data: *mut *mut c_void,
    save_path: *const c_char,
    _name: *const c_char,
) -> zend_result {
    guard::result("open", || {
        let previous = take_session(mod_data);
        let save_path = match save_path.is_null() {
            true => "".into(),
            false => CStr::from_ptr(save_path).to_string_lossy(),
        };
        let backend = match registry::backend(&save_path, &ini::values()) {
            Ok(backend) => backend,
            Err(e) => {
                if let Some(mut previous) = previous {
                    let _ = previous.release();
                }
                return Err(anyhow!(e));
            }
        };
        let mut session = Box::new(Session::new(backend, ini::gc_maxlifetime()));
        let adopted = previous.map_or(Ok(()), |previous| session.adopt(*previous));
        *mod_data = Box::into_raw(session).cast();
        adopted
    })
}

/// Releases a lock the request still holds (session_abort, read_and_close, a failed write),
/// then frees the request's session.
unsafe extern "C" fn close(mod_data: *mut *mut c_void) -> zend_result {
    guard::result("close", || match take_session(mod_data) {
        Some(mut session) => session.release(),
        None => Ok(()),
    })
}

unsafe extern "C" fn read(
    mod_data: *mut *mut c_void,
    key: *mut zend_string,
    val: *mut *mut zend_string,
    maxlifetime: zend_long,
) -> zend_result {
    guard::result("read", || {
        let data = session(mod_data)?.read(bytes(key), maxlifetime)?;
        // PHP frees the value: it must be request memory (not persistent).
        *val = ZendStr::new(data, false).into_raw();
        Ok(())
    })
}

unsafe extern "C" fn write(
    mod_data: *mut *mut c_void,
    key: *mut zend_string,
    val: *mut zend_string,
    maxlifetime: zend_long,
) -> zend_result {
    guard::result("write", || {
        session(mod_data)?.write(bytes(key), bytes(val), maxlifetime)
    })
}

unsafe extern "C" fn destroy(mod_data: *mut *mut c_void, key: *mut zend_string) -> zend_result {
    guard::result("destroy", || session(mod_data)?.destroy(bytes(key)))
}

/// Stores expire sessions themselves: nothing to collect.
unsafe extern "C" fn gc(
    _mod_data: *mut *mut c_void,
    _maxlifetime: zend_long,
    nrdels: *mut zend_long,
) -> zend_long {
    if let Some(n) = nrdels.as_mut() {
        *n = 0;
    }
    0
}

unsafe extern "C" fn create_sid(mod_data: *mut *mut c_void) -> *mut zend_string {
    guard::run("create_sid", std::ptr::null_mut(), || {
        let id = session(mod_data)?.create_id(|| {
            // PHP's generator honours session.sid_length and session.sid_bits_per_character.
            let raw = php_session_create_id(mod_data);
            if raw.is_null() {
                return Err(anyhow!("PHP could not generate a session id"));
            }
            let generated = ZBox::from_raw(raw);
            Ok(generated.as_bytes().to_vec())
        })?;
        Ok(ZendStr::new(id, false).into_raw())
    })
}

unsafe extern "C" fn validate_sid(
    mod_data: *mut *mut c_void,
    key: *mut zend_string,
) -> zend_result {
    guard::run("validate_sid", ZEND_RESULT_CODE_FAILURE, || {
        Ok(match session(mod_data)?.validate(bytes(key))? {
            true => ZEND_RESULT_CODE_SUCCESS,
            false => ZEND_RESULT_CODE_FAILURE,
        })
    })
}

unsafe extern "C" fn update_timestamp(
    mod_data: *mut *mut c_void,
    key: *mut zend_string,
    val: *mut zend_string,
    maxlifetime: zend_long,
) -> zend_result {
    guard::result("update_timestamp", || {
        session(mod_data)?.update_timestamp(bytes(key), bytes(val), maxlifetime)
    })
}
