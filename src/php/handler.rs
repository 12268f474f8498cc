//! The `ps_module` PHP's session extension calls: thin trampolines that convert, call the core
//! `Session`, and convert back. `*mod_data` holds the request's `Session` from open to close.
//!
//! # The contract (PHP 8.2, ext/session/session.c and mod_user_class.c)
//!
//! Every callback gets `mod_data` = `&PS(mod_data)`, a pointer that is never NULL; `*mod_data`
//! is ours: NULL until open stores the request's `Session` there, NULL again after close. It
//! may be NULL in any later callback: a class extending `SessionHandler` can skip
//! `parent::open()` and still call the others, so every callback checks it.
//!
//! Two callers reach these functions. PHP's session module (`session_start()`,
//! `session_write_close()`, ...) and, when a user class extends `SessionHandler`, that class's
//! parent methods. The second caller checks fewer return values: a NULL it does not expect is
//! a segfault, so the rules below hold for both.
//!
//! | callback | called | SUCCESS | FAILURE | pointers |
//! |---|---|---|---|---|
//! | open(save_path, name) | first, each session_start | storage usable; `*mod_data` must be non-NULL, else PHP skips write and close | "Failed to initialize storage module", session_start() false | save_path may be NULL (treated as "") |
//! | close() | last; also after a failed write | - | silent | `*mod_data` may be NULL |
//! | read(key, *val) | after open (and validate/create) | `*val` MUST be set: request memory, PHP frees it (`SessionHandler::read` returns it as is); a missing session is "" | "Failed to read session data", session_start() false; `*val` untouched | key non-NULL |
//! | write(key, val) | session_write_close, end of request | saved | "Failed to write session data" warning; session_write_close() still true | key, val non-NULL |
//! | destroy(key) | session_destroy, session_regenerate_id(true) | removed | "Session object destruction failed", session_destroy() false | key non-NULL |
//! | gc(maxlifetime, *nrdels) | by gc_probability, session_gc() | returns count, `*nrdels` set | session_gc() false | nrdels may be NULL (only from C callers) |
//! | create_sid() | no id yet; strict mode after a failed validate; session_regenerate_id | the new id, request memory | NEVER NULL: PHP throws "Failed to create session ID", and `SessionHandler::create_sid()` returns the pointer unchecked (segfault) | returns a zend_string PHP frees |
//! | validate_sid(key) | only with session.use_strict_mode=1 | the id names a stored session | PHP replaces the id with a new one and a new cookie: only for an id the store says is unknown, never when the store cannot answer | key non-NULL |
//! | update_timestamp(key, val) | with session.lazy_write=1 and unchanged data, instead of write | expiry refreshed | as write | key, val non-NULL |
//!
//! A failure warns once with its cause (guard.rs) before returning FAILURE, so the user sees why
//! next to PHP's own generic warning. No panic crosses back into PHP (guard.rs catches them).
//! `php_error_docref` may run a user error handler that bails out (longjmp): nothing with a
//! destructor is alive on our stack when guard.rs calls it, and the one engine allocation that
//! can bail out (the value read, past memory_limit) happens after every Rust value is gone.

use std::{
    borrow::Cow,
    ffi::{c_char, c_void, CStr},
};

use anyhow::{anyhow, Result};
use ext_php_rs::{
    boxed::ZBox,
    ffi::{
        zend_long, zend_result, zend_string, E_NOTICE, E_WARNING, ZEND_RESULT_CODE_FAILURE,
        ZEND_RESULT_CODE_SUCCESS,
    },
    types::ZendStr,
};

use super::{
    guard, ini,
    session_ffi::{php_session_create_id, ps_module},
};
use crate::{registry, session::Session, session_id};

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
// SAFETY: every pointer in the table is to immutable static data or a function.
unsafe impl Sync for SyncModule {}

/// The request's session, if open succeeded.
///
/// # Safety
/// `mod_data` is NULL or PHP's `&PS(mod_data)`, whose value is NULL or a `Session` from open.
unsafe fn session<'a>(mod_data: *mut *mut c_void) -> Result<&'a mut Session> {
    // SAFETY: see the function's contract.
    match unsafe { mod_data.as_ref() }.map(|p| *p as *mut Session) {
        // SAFETY: a Session open leaked there; PHP serves one request per thread: no alias.
        Some(p) if !p.is_null() => Ok(unsafe { &mut *p }),
        _ => Err(anyhow!("session storage is not open")),
    }
}

/// # Safety
/// `s` is NULL or a live zend_string that outlives the returned slice's use.
unsafe fn bytes<'a>(s: *const zend_string) -> &'a [u8] {
    // SAFETY: see the function's contract.
    unsafe { s.as_ref() }
        .map(ZendStr::as_bytes)
        .unwrap_or_default()
}

/// Takes the request's session out of `*mod_data`, leaving it empty.
///
/// # Safety
/// As for [`session`]; the returned box owns the session that open leaked into `*mod_data`.
unsafe fn take_session(mod_data: *mut *mut c_void) -> Option<Box<Session>> {
    // SAFETY: see the function's contract.
    let p = unsafe { mod_data.as_mut() }?;
    // SAFETY: a non-NULL value came from Box::into_raw in open and is taken only once.
    let session = (!p.is_null()).then(|| unsafe { Box::from_raw(*p as *mut Session) });
    *p = std::ptr::null_mut();
    session
}

/// Bytes as text, copied only when they are not UTF-8 (std's validation is the quick one;
/// `to_string_lossy` walks the bytes in chunks even when they are valid).
fn text(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(valid) => Cow::Borrowed(valid),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

unsafe extern "C" fn open(
    mod_data: *mut *mut c_void,
    save_path: *const c_char,
    _name: *const c_char,
) -> zend_result {
    guard::result("open", || {
        // SAFETY: PHP's contract for open (see the table above).
        let previous = unsafe { take_session(mod_data) };
        let save_path = match save_path.is_null() {
            true => "".into(),
            // SAFETY: a non-NULL save_path is PHP's NUL-terminated INI value.
            false => text(unsafe { CStr::from_ptr(save_path) }.to_bytes()),
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
        // SAFETY: PHP's `&PS(mod_data)`, checked for NULL here.
        let Some(slot) = (unsafe { mod_data.as_mut() }) else {
            return Err(anyhow!("PHP passed no session data slot"));
        };
        *slot = Box::into_raw(session).cast();
        adopted
    })
}

/// Releases a lock the request still holds (session_abort, read_and_close, a failed write),
/// then frees the request's session, and shows its notices (settings that look wrong): here,
/// not at open, since output before session_start() has sent its cookie would make it fail.
unsafe extern "C" fn close(mod_data: *mut *mut c_void) -> zend_result {
    let mut notices = guard::Pending::none();
    let mut warnings = guard::Pending::none();
    let result = guard::result("close", || {
        // SAFETY: PHP's contract for close.
        let Some(mut session) = (unsafe { take_session(mod_data) }) else {
            return Ok(());
        };
        notices = guard::Pending::new(session.take_notices().join("\n"));
        warnings = guard::Pending::new(session.take_warnings().join("\n"));
        session.release()
    });
    // Shown once the closure's values are gone (see guard::emit).
    guard::emit(E_WARNING, warnings);
    guard::emit(E_NOTICE, notices);
    result
}

unsafe extern "C" fn read(
    mod_data: *mut *mut c_void,
    key: *mut zend_string,
    val: *mut *mut zend_string,
    maxlifetime: zend_long,
) -> zend_result {
    // The value is handed over as raw parts: allocating the zend_string may bail out past
    // memory_limit, and no Rust value with a destructor may be alive then.
    let mut warnings = guard::Pending::none();
    let data = guard::run("read", None, || {
        // SAFETY: PHP's contract for read (both unsafe calls).
        let (session, key) = unsafe { (session(mod_data)?, bytes(key)) };
        let data = session.read(key, maxlifetime)?;
        // A stored value that could not be read: said now, next to what PHP does with the session.
        warnings = guard::Pending::new(session.take_warnings().join("\n"));
        Ok(Some(RawBytes::from(data)))
    });
    // Shown once the closure's values are gone (see guard::emit); `data` has no destructor.
    guard::emit(E_WARNING, warnings);
    let Some(data) = data else {
        return ZEND_RESULT_CODE_FAILURE;
    };
    if val.is_null() {
        // SAFETY: the parts came from RawBytes::from just above.
        drop(unsafe { data.into_vec() });
        return ZEND_RESULT_CODE_FAILURE;
    }
    // SAFETY: the parts are a live allocation of `len` bytes; request memory, PHP frees it.
    unsafe {
        *val = ZendStr::new(data.as_slice(), false).into_raw();
        drop(data.into_vec());
    }
    ZEND_RESULT_CODE_SUCCESS
}

/// A `Vec<u8>` taken apart, so that no destructor runs if the engine bails out meanwhile (the
/// bytes then leak for the rest of the request's process life, which beats undefined behaviour).
#[derive(Clone, Copy)]
struct RawBytes {
    ptr: *mut u8,
    len: usize,
    cap: usize,
}

impl From<Vec<u8>> for RawBytes {
    fn from(v: Vec<u8>) -> Self {
        let mut v = std::mem::ManuallyDrop::new(v);
        RawBytes {
            ptr: v.as_mut_ptr(),
            len: v.len(),
            cap: v.capacity(),
        }
    }
}

impl RawBytes {
    /// # Safety
    /// Only while the parts have not been turned back into a Vec.
    unsafe fn as_slice<'a>(self) -> &'a [u8] {
        // SAFETY: see the function's contract.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }

    /// # Safety
    /// At most once.
    unsafe fn into_vec(self) -> Vec<u8> {
        // SAFETY: the parts of a Vec<u8>, see the function's contract.
        unsafe { Vec::from_raw_parts(self.ptr, self.len, self.cap) }
    }
}

unsafe extern "C" fn write(
    mod_data: *mut *mut c_void,
    key: *mut zend_string,
    val: *mut zend_string,
    maxlifetime: zend_long,
) -> zend_result {
    guard::result("write", || {
        // SAFETY: PHP's contract for write.
        unsafe { session(mod_data) }?.write(
            unsafe { bytes(key) },
            unsafe { bytes(val) },
            maxlifetime,
        )
    })
}

unsafe extern "C" fn destroy(mod_data: *mut *mut c_void, key: *mut zend_string) -> zend_result {
    guard::result("destroy", || {
        // SAFETY: PHP's contract for destroy.
        unsafe { session(mod_data) }?.destroy(unsafe { bytes(key) })
    })
}

/// Stores expire sessions themselves: nothing to collect.
unsafe extern "C" fn gc(
    _mod_data: *mut *mut c_void,
    _maxlifetime: zend_long,
    nrdels: *mut zend_long,
) -> zend_long {
    // SAFETY: NULL or PHP's counter.
    if let Some(n) = unsafe { nrdels.as_mut() } {
        *n = 0;
    }
    0
}

/// PHP's generator: honours session.sid_length and session.sid_bits_per_character.
///
/// # Safety
/// `mod_data` as PHP passes it (the generator does not use it).
unsafe fn php_generated_id(mod_data: *mut *mut c_void) -> Result<Vec<u8>> {
    // SAFETY: php_session_create_id only generates; it returns NULL (with an exception
    // pending) when no randomness is available.
    let raw = unsafe { php_session_create_id(mod_data) };
    if raw.is_null() {
        return Err(anyhow!("PHP could not generate a session id"));
    }
    // SAFETY: a new zend_string we own; ZBox frees it.
    let generated = unsafe { ZBox::from_raw(raw) };
    Ok(generated.as_bytes().to_vec())
}

/// Never NULL (see the contract): when the store cannot check for collisions, or storage was
/// never opened, a fresh id from PHP's generator; the failure itself is reported by the read
/// that follows.
unsafe extern "C" fn create_sid(mod_data: *mut *mut c_void) -> *mut zend_string {
    let checked = guard::run("create_sid", None, || {
        // SAFETY: PHP's contract for create_sid.
        let Ok(session) = (unsafe { session(mod_data) }) else {
            // Storage not open (a SessionHandler subclass skipped parent::open()): nothing to
            // check the id against; the read that follows says what is wrong.
            return Ok(None);
        };
        // SAFETY: as above.
        let id = session.create_id(|| unsafe { php_generated_id(mod_data) })?;
        Ok(Some(RawBytes::from(id)))
    });
    let id = match checked {
        Some(id) => id,
        // SAFETY: as above.
        None => RawBytes::from(unsafe { php_generated_id(mod_data) }.unwrap_or_else(|_| {
            // No randomness from PHP (an exception is pending and ends the request): an id
            // of our own, so that the caller still gets a string.
            session_id::random_fallback()
        })),
    };
    // SAFETY: the parts came from RawBytes::from just above.
    unsafe {
        let out = ZendStr::new(id.as_slice(), false).into_raw();
        drop(id.into_vec());
        out
    }
}

/// FAILURE only for an id the store says is unknown: PHP then issues a new id. When the store
/// cannot answer, the failure is kept for the read that follows, and the user keeps their id.
unsafe extern "C" fn validate_sid(
    mod_data: *mut *mut c_void,
    key: *mut zend_string,
) -> zend_result {
    guard::run("validate_sid", ZEND_RESULT_CODE_SUCCESS, || {
        // SAFETY: PHP's contract for validate_sid.
        Ok(
            match unsafe { session(mod_data) }?.validate(unsafe { bytes(key) }) {
                true => ZEND_RESULT_CODE_SUCCESS,
                false => ZEND_RESULT_CODE_FAILURE,
            },
        )
    })
}

unsafe extern "C" fn update_timestamp(
    mod_data: *mut *mut c_void,
    key: *mut zend_string,
    val: *mut zend_string,
    maxlifetime: zend_long,
) -> zend_result {
    guard::result("update_timestamp", || {
        // SAFETY: PHP's contract for update_timestamp.
        unsafe { session(mod_data) }?.update_timestamp(
            unsafe { bytes(key) },
            unsafe { bytes(val) },
            maxlifetime,
        )
    })
}
