//! What a session's data becomes on its way to the store and back: sealed under a key from
//! rsession.encryption_key_file (encrypt.rs), and opened again on the way back.

pub mod encrypt;
