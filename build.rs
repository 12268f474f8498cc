//! Generates the one binding ext-php-rs lacks: PHP's session extension (`ps_module`,
//! `php_session_register_module`, `php_session_create_id`) plus the few engine calls
//! we need for INI reads, from the PHP headers installed on this machine.

use std::{env, path::PathBuf, process::Command};

fn php_config(arg: &str) -> String {
    let php_config = env::var("PHP_CONFIG").unwrap_or_else(|_| "php-config".into());
    let out = Command::new(&php_config)
        .arg(arg)
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{php_config} {arg}` (install php8.2-dev): {e}"));
    assert!(out.status.success(), "`{php_config} {arg}` failed");
    String::from_utf8(out.stdout)
        .expect("php-config printed non-UTF-8")
        .trim()
        .to_owned()
}

fn php_is_zts() -> bool {
    let php = env::var("PHP").unwrap_or_else(|_| "php".into());
    Command::new(php)
        .args(["-r", "echo PHP_ZTS;"])
        .output()
        .map(|o| o.stdout == b"1")
        .unwrap_or(false)
}

fn main() {
    println!("cargo:rerun-if-changed=src/php/session_wrapper.h");
    println!("cargo:rerun-if-env-changed=PHP_CONFIG");
    println!("cargo:rerun-if-env-changed=PHP");

    let mut clang_args: Vec<String> = php_config("--includes")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    if php_is_zts() {
        clang_args.push("-DZTS=1".into());
    }

    let bindings = bindgen::Builder::default()
        .header("src/php/session_wrapper.h")
        .clang_args(&clang_args)
        .allowlist_recursively(false)
        .allowlist_type("ps_module")
        .allowlist_type("ps_module_struct")
        .allowlist_function("php_session_register_module")
        .allowlist_function("php_session_create_id")
        .allowlist_function("zend_ini_string_ex")
        .allowlist_function("display_ini_entries")
        .allowlist_function("zend_unregister_ini_entries")
        .allowlist_function("php_log_err_with_severity")
        .layout_tests(true)
        .generate()
        .expect("bindgen could not generate the ext/session binding");

    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("session_bindings.rs");
    bindings
        .write_to_file(&out)
        .expect("cannot write the session binding");
}
