//! The bindgen output for ext/session, built against ext-php-rs's engine types.
#![allow(
    non_camel_case_types,
    non_snake_case,
    non_upper_case_globals,
    dead_code
)]

use ext_php_rs::ffi::{zend_long, zend_module_entry, zend_result, zend_string};

include!(concat!(env!("OUT_DIR"), "/session_bindings.rs"));
