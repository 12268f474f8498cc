//! Everything that touches the Zend engine: the module entry, MINIT/MSHUTDOWN, INI entries,
//! phpinfo and the session handler table.

mod guard;
mod handler;
mod info;
mod ini;
mod session_ffi;
mod stats;

use std::ptr;

use ext_php_rs::{
    builders::ModuleBuilder,
    ffi::_zend_module_dep,
    zend::{IniEntryDef, ModuleEntry, StaticModuleEntry},
};

use session_ffi::{php_session_register_module, zend_unregister_ini_entries};

const MODULE_DEP_REQUIRED: u8 = 1;

/// `{ "session", required }` then the terminator: PHP starts ext/session before rsession.
struct Deps([_zend_module_dep; 2]);
// SAFETY: the table only points at static, immutable strings.
unsafe impl Sync for Deps {}

static DEPS: Deps = Deps([
    _zend_module_dep {
        name: c"session".as_ptr(),
        rel: ptr::null(),
        version: ptr::null(),
        type_: MODULE_DEP_REQUIRED,
    },
    _zend_module_dep {
        name: ptr::null(),
        rel: ptr::null(),
        version: ptr::null(),
        type_: 0,
    },
]);

unsafe extern "C" fn startup(_type: i32, module_number: i32) -> i32 {
    IniEntryDef::register(ini::ENTRIES.as_slice(), module_number);
    // Before php-fpm forks its workers: each then counts its own requests, from zero.
    crate::fork_guard::register();
    crate::stats::restart();
    crate::stats::set_log_sink(stats::log);
    // The session module looks handlers up by name at each request, so load order is free.
    // SAFETY: MINIT, as the session module requires; the table is static.
    unsafe { php_session_register_module(&handler::MODULE.0) }
}

unsafe extern "C" fn shutdown(_type: i32, module_number: i32) -> i32 {
    // SAFETY: MSHUTDOWN, for the entries MINIT registered under this module number.
    unsafe { zend_unregister_ini_entries(module_number) };
    0
}

/// The entry point PHP calls when it loads `rsession.so`.
#[no_mangle]
pub extern "C" fn get_module() -> *mut ModuleEntry {
    static MODULE: StaticModuleEntry = StaticModuleEntry::new();
    MODULE.get_or_init(|| {
        let built = stats::functions()
            .into_iter()
            .fold(
                ModuleBuilder::new("rsession", env!("CARGO_PKG_VERSION")),
                ModuleBuilder::function,
            )
            .startup_function(startup)
            .shutdown_function(shutdown)
            .info_function(info::module_info)
            .try_into();
        // Only fails on a NUL in the name or version, both constants above.
        let (mut entry, _startup, owned): (ModuleEntry, _, _) = match built {
            Ok(parts) => parts,
            Err(_) => std::process::abort(),
        };
        entry.deps = DEPS.0.as_ptr();
        (entry, owned)
    })
}
