#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]
//! rsession: a PHP session save handler over shared stores, so load-balanced PHP servers share
//! their sessions. `php` is the only module that touches the Zend engine; the rest is plain Rust.

pub mod config;
mod fork_guard;
mod janitor;
pub mod lock;
pub mod payload;
mod php;
pub mod registry;
pub mod session;
pub mod session_id;
pub mod stats;
pub mod store;
