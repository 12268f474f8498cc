//! save_path + `rsession.*` INI values → one typed configuration, or an error that says which
//! part was wrong. Plain Rust: the PHP layer only hands over the raw strings.

pub mod save_path;
pub mod text;

use std::time::Duration;

pub use save_path::{Address, Endpoint, SavePathError};

/// PHP's own session prefix for phpredis, kept so sessions survive the switch to rsession.
pub const DEFAULT_REDIS_PREFIX: &str = "PHPREDIS_SESSION:";
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);

/// The `rsession.*` INI settings as PHP holds them: raw text, validated here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct IniValues {
    pub connect_timeout: String,
    pub read_timeout: String,
    pub early_refresh: String,
}

/// Where and how to reach one Redis server; also the key of its connection pool.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RedisConfig {
    pub address: Address,
    pub username: Option<String>,
    pub password: Option<String>,
    pub database: i64,
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
}

/// Everything a request needs to run the session handler.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SessionConfig {
    pub redis: RedisConfig,
    pub prefix: String,
    /// Refresh the expiry at read time (GETEX, Redis 6.2+) instead of after the request.
    pub early_refresh: bool,
}

/// Parses PHP's boolean INI spellings.
pub fn parse_ini_bool(name: &str, value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "on" | "yes" | "true" => Ok(true),
        "" | "0" | "off" | "no" | "false" | "none" => Ok(false),
        _ => Err(format!(
            "{name} \"{value}\" is not a boolean (use 1/0, on/off)"
        )),
    }
}

/// An empty value or 0 means the default, never "wait forever".
fn ini_timeout(name: &str, value: &str) -> Result<Duration, String> {
    if value.trim().is_empty() {
        return Ok(DEFAULT_TIMEOUT);
    }
    Ok(save_path::parse_timeout(value, name)?.unwrap_or(DEFAULT_TIMEOUT))
}

/// Builds the configuration a request uses. Only the first save_path entry is used until
/// multi-node support lands, but every entry is validated.
pub fn resolve(save_path: &str, ini: &IniValues) -> Result<SessionConfig, String> {
    let connect_timeout = ini_timeout("rsession.connect_timeout", &ini.connect_timeout)?;
    let read_timeout = ini_timeout("rsession.read_timeout", &ini.read_timeout)?;
    let early_refresh = parse_ini_bool("rsession.early_refresh", &ini.early_refresh)?;

    let endpoints = save_path::parse(save_path).map_err(|e| e.to_string())?;
    let first = endpoints
        .into_iter()
        .next()
        .expect("parse never returns an empty list");
    if first.tls {
        return Err(SavePathError {
            entry: Some((1, text::mask_secrets(save_path.split(',').next().unwrap_or("").trim()))),
            reason: "TLS (rediss:// or tls://) is not compiled into this build of rsession; use redis:// or a unix socket"
                .into(),
        }
        .to_string());
    }
    Ok(SessionConfig {
        redis: RedisConfig {
            address: first.address,
            username: first.username,
            password: first.password,
            database: first.database.unwrap_or(0),
            connect_timeout: first.connect_timeout.unwrap_or(connect_timeout),
            read_timeout: first.read_timeout.unwrap_or(read_timeout),
        },
        prefix: first
            .prefix
            .unwrap_or_else(|| DEFAULT_REDIS_PREFIX.to_owned()),
        early_refresh,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ini(ct: &str, rt: &str, er: &str) -> IniValues {
        IniValues {
            connect_timeout: ct.into(),
            read_timeout: rt.into(),
            early_refresh: er.into(),
        }
    }

    #[test]
    fn defaults_apply_when_nothing_is_given() {
        let c = resolve("redis://h", &ini("", "", "")).unwrap();
        assert_eq!(c.prefix, "PHPREDIS_SESSION:");
        assert_eq!(c.redis.database, 0);
        assert_eq!(c.redis.connect_timeout, Duration::from_secs(1));
        assert_eq!(c.redis.read_timeout, Duration::from_secs(1));
        assert!(!c.early_refresh);
    }

    #[test]
    fn save_path_overrides_ini_timeouts() {
        let c = resolve("redis://h?timeout=0.2", &ini("3", "4", "on")).unwrap();
        assert_eq!(c.redis.connect_timeout, Duration::from_millis(200));
        assert_eq!(c.redis.read_timeout, Duration::from_secs(4));
        assert!(c.early_refresh);
    }

    #[test]
    fn bad_ini_values_name_the_setting() {
        let e = resolve("redis://h", &ini("soon", "", "")).unwrap_err();
        assert_eq!(
            e,
            "rsession.connect_timeout \"soon\" is not a number of seconds"
        );
        let e = resolve("redis://h", &ini("", "-2", "")).unwrap_err();
        assert!(e.starts_with("rsession.read_timeout \"-2\""), "{e}");
        let e = resolve("redis://h", &ini("", "", "maybe")).unwrap_err();
        assert_eq!(
            e,
            "rsession.early_refresh \"maybe\" is not a boolean (use 1/0, on/off)"
        );
    }

    #[test]
    fn tls_says_it_is_not_compiled_in() {
        let e = resolve("rediss://u:pw@h:6380", &IniValues::default()).unwrap_err();
        assert!(
            e.starts_with("save_path entry 1 \"rediss://u:***@h:6380\": TLS"),
            "{e}"
        );
        assert!(e.contains("not compiled into this build"), "{e}");
    }

    #[test]
    fn later_entries_are_validated_too() {
        let e = resolve("redis://a,redis://b:x", &IniValues::default()).unwrap_err();
        assert!(e.starts_with("save_path entry 2 \"redis://b:x\""), "{e}");
    }
}
