//! The FFI boundary: no panic crosses into PHP, and every failure becomes one PHP warning that
//! says what failed, where and why.

use std::{
    ffi::CString,
    panic::{catch_unwind, AssertUnwindSafe},
    ptr,
};

use ext_php_rs::ffi::{
    php_error_docref, zend_result, E_WARNING, ZEND_RESULT_CODE_FAILURE, ZEND_RESULT_CODE_SUCCESS,
};

use crate::session::AlreadyReported;

/// Emits `message` as a PHP warning (PHP prefixes the calling function, e.g. `session_start()`).
pub fn warn(message: &str) {
    // One line per warning, whatever a server or library put in its error text.
    let one_line: Vec<&str> = message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let text = CString::new(one_line.join("; ").replace('\0', "\\0")).unwrap_or_default();
    // A user error handler may bail out (longjmp) from inside php_error_docref: hand the text
    // over as a raw pointer so no Rust destructor is pending across the call.
    let raw = text.into_raw();
    // SAFETY: "%s" with one NUL-terminated string; the engine copies the text.
    unsafe {
        php_error_docref(ptr::null(), E_WARNING as i32, c"%s".as_ptr(), raw);
        drop(CString::from_raw(raw));
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
/// already reported is not repeated) and `fallback`.
pub fn run<T>(op: &str, fallback: T, f: impl FnOnce() -> anyhow::Result<T>) -> T {
    let message = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(value)) => return value,
        Ok(Err(e)) if e.is::<AlreadyReported>() => return fallback,
        Ok(Err(e)) => format!("rsession: {e:#}"),
        Err(payload) => format!(
            "rsession: internal error in {op}: {}",
            panic_text(&*payload)
        ),
    };
    warn(&message);
    fallback
}

pub fn result(op: &str, f: impl FnOnce() -> anyhow::Result<()>) -> zend_result {
    run(op, ZEND_RESULT_CODE_FAILURE, || {
        f().map(|()| ZEND_RESULT_CODE_SUCCESS)
    })
}
