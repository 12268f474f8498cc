//! `phpinfo()` / `php --ri rsession`: version, stores, the active save_path (secrets masked),
//! the state of each node this process uses, and every `rsession.*` setting.

use std::ffi::{c_char, CString};

use ext_php_rs::{
    ffi::{php_info_print_table_end, php_info_print_table_row, php_info_print_table_start},
    zend::ModuleEntry,
};

use super::{ini, session_ffi::display_ini_entries};
use crate::{
    config::{text::mask_secrets, StoreConfig},
    registry,
};

pub const STORES: &str =
    "redis (tcp, TLS, unix socket, Sentinel, Cluster), memcached (tcp, unix socket)";

fn row(name: &str, value: &str) {
    let name = CString::new(name).unwrap_or_default();
    let value = CString::new(value.replace('\0', "")).unwrap_or_default();
    // SAFETY: two NUL-terminated strings for a two-column row; PHP copies them out.
    unsafe { php_info_print_table_row(2, name.as_ptr(), value.as_ptr() as *const c_char) };
}

pub unsafe extern "C" fn module_info(module: *mut ModuleEntry) {
    // SAFETY: called by phpinfo(), which expects these table calls, in this order.
    unsafe { php_info_print_table_start() };
    row("rsession support", "enabled");
    row("Version", env!("CARGO_PKG_VERSION"));
    row("Save handler", "rsession");
    row("Stores", STORES);
    if ini::get(c"session.save_handler").as_deref() == Some("rsession") {
        let path = ini::get(c"session.save_path").unwrap_or_default();
        let masked: Vec<String> = path.split(',').map(|e| mask_secrets(e.trim())).collect();
        row("Active save_path", &masked.join(", "));
        // Where sessions go when they are spread over several Redis servers, with each share.
        // The registry's backend, not a fresh parse: its pools are the ones whose nodes show.
        if let Ok(backend) = registry::backend(&path, &ini::values()) {
            match &backend.config.store {
                StoreConfig::RedisHosts(hosts) => row("Redis hosts", &hosts.describe()),
                // Which master, cluster or sentinels: what a warning would name.
                StoreConfig::Redis(redis) => row("Redis", &redis.location()),
                StoreConfig::Memcached(_) => {}
            }
        }
    }
    // This process's nodes (php-fpm: this worker's), and how they fare.
    for node in registry::nodes() {
        row(&format!("Node {}", node.name), &node.describe());
    }
    // SAFETY: as above; `module` is the module entry PHP passed in.
    unsafe {
        php_info_print_table_end();
        display_ini_entries(module);
    }
}
