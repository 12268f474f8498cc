//! The FFI boundary: no panic crosses into PHP, and every failure becomes one PHP warning that
//! says what failed, where and why.

use std::{
    ffi::{c_char, CString},
    panic::{catch_unwind, AssertUnwindSafe},
    ptr,
};

use ext_php_rs::ffi::{
    php_error_docref, zend_result, E_WARNING, ZEND_RESULT_CODE_FAILURE, ZEND_RESULT_CODE_SUCCESS,
};

use crate::session::AlreadyReported;

/// Emits `message` as a PHP warning (PHP prefixes the calling function, e.g. `session_start()`).
pub fn warn(message: String) {
    emit(E_WARNING, Pending::new(message))
}

/// A message made ready for PHP: one NUL-terminated line, held as a raw pointer so that no Rust
/// destructor is pending while the engine has it. `Copy`, so it can leave a [`run`] closure.
#[derive(Clone, Copy)]
pub struct Pending(*mut c_char);

impl Pending {
    pub fn none() -> Self {
        Pending(ptr::null_mut())
    }

    /// One line per message, whatever a server or library put in its error text; nothing for
    /// an empty one.
    pub fn new(message: String) -> Self {
        let one_line: Vec<&str> = message
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        if one_line.is_empty() {
            return Pending::none();
        }
        let text = CString::new(one_line.join("; ").replace('\0', "\\0")).unwrap_or_default();
        Pending(text.into_raw())
    }
}

/// Hands `message` to PHP at `level` (E_WARNING, E_NOTICE) and frees it.
///
/// A user error handler may bail out (longjmp) from inside php_error_docref. The caller must
/// hold nothing with a destructor at this point; `message` then only leaks.
pub fn emit(level: u32, message: Pending) {
    if message.0.is_null() {
        return;
    }
    // SAFETY: "%s" with one NUL-terminated string from Pending::new, which the engine copies;
    // the pointer came from CString::into_raw and is freed once, here.
    unsafe {
        php_error_docref(ptr::null(), level as i32, c"%s".as_ptr(), message.0);
        drop(CString::from_raw(message.0));
    }
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("unknown panic")
}

/// Runs one handler call. `Err` and panics become a warning (once per request: a failure
/// already reported is not repeated) and `fallback`. `T: Copy`: a value without a destructor,
/// since the warning may bail out while it is alive.
pub fn run<T: Copy>(op: &str, fallback: T, f: impl FnOnce() -> anyhow::Result<T>) -> T {
    let message = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(value)) => return value,
        Ok(Err(e)) if e.is::<AlreadyReported>() => return fallback,
        Ok(Err(e)) => format!("rsession: {e:#}"),
        Err(payload) => format!(
            "rsession: internal error in {op}: {}",
            panic_text(&*payload)
        ),
    };
    warn(message);
    fallback
}

pub fn result(op: &str, f: impl FnOnce() -> anyhow::Result<()>) -> zend_result {
    run(op, ZEND_RESULT_CODE_FAILURE, || {
        f().map(|()| ZEND_RESULT_CODE_SUCCESS)
    })
}
