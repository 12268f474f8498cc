//! `session.save_path` → typed endpoints, with errors that quote the entry and name the bad part.
//!
//! Accepted forms (comma-separated list):
//! - `redis://[user:password@]host[:port][/db][?params]`, `rediss://…` (TLS)
//! - `unix:///path/redis.sock[?params]`
//! - phpredis's own: `tcp://host:port?auth=…&database=…&prefix=…&timeout=…&read_timeout=…`,
//!   also `host:port` with no scheme, `auth[]=user&auth[]=pass` and
//!   `auth[user]=user&auth[pass]=pass`. Entries are separated by commas or whitespace, as
//!   phpredis reads its list.
//! - Redis Cluster: `redis+cluster://[user:password@]host:port[,host:port...][?params]`, and
//!   phpredis's `rediscluster` save_path, `seed[]=host:port&seed[]=host:port[&params]`: one
//!   entry, the seed nodes from which the cluster's slot map is read.
//! - `redis+sentinel://host[:port][,host[:port]...]/service[/db][?params]`: one entry, the
//!   sentinels' list (the commas continue it, up to the `/service`); the master's password is
//!   `auth=` (any phpredis form), the sentinels' `sentinel_auth=`.
//! - `memcached://[user:password@]host[:port[:weight]][,host[:port[:weight]]...][?params]`: one
//!   entry, a node list (the commas continue it), and `memcached:///path/memcached.sock`; the
//!   user is for memcached's ASCII authentication (memcached -Y), on every node.

use std::{fmt, path::PathBuf, time::Duration};

use super::text::{mask_secrets, percent_decode};

pub const DEFAULT_REDIS_PORT: u16 = 6379;
pub const DEFAULT_MEMCACHED_PORT: u16 = 11211;
pub const DEFAULT_SENTINEL_PORT: u16 = 26379;
/// The longest timeout we accept: anything longer is a typo (milliseconds given as seconds).
const MAX_TIMEOUT_SECS: f64 = 3600.0;
const MAX_PREFIX_LEN: usize = 512;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Address {
    Tcp { host: String, port: u16 },
    Unix(PathBuf),
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Tcp { host, port } if host.contains(':') => write!(f, "[{host}]:{port}"),
            Address::Tcp { host, port } => write!(f, "{host}:{port}"),
            Address::Unix(path) => write!(f, "unix:{}", path.display()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    Redis,
    Memcached,
}

/// How memcached keys are spread over the nodes, named as php-memcached's
/// `memcached.sess_consistent_hash_type` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Distribution {
    #[default]
    Ketama,
    KetamaWeighted,
}

/// Which memcached node holds a session's lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LockNode {
    /// Where php-memcached puts it, by the hash of `lock.<id>`: both handlers then lock the
    /// same item, at the cost of a round trip more per step when it is not the data's node.
    #[default]
    PhpMemcached,
    /// The session's own node: 2 round trips always, but php-memcached does not see the lock.
    Data,
}

/// One server; `weight` shapes consistent hashing over memcached nodes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Node {
    pub address: Address,
    pub weight: u32,
}

/// Redis Sentinel: where to ask for the master of `service`, rather than a fixed address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Sentinel {
    /// The sentinels, in save_path order: any one that answers names the master.
    pub sentinels: Vec<Address>,
    /// The name the sentinels monitor the master under (`sentinel monitor <service> ...`).
    pub service: String,
    /// `sentinel_auth=`: the sentinels' own password (`requirepass` in their configuration).
    pub password: Option<String>,
}

impl Sentinel {
    /// `sentinel mymaster (127.0.0.1:26379,127.0.0.1:26380)`, for messages.
    pub fn describe(&self) -> String {
        let list: Vec<String> = self.sentinels.iter().map(Address::to_string).collect();
        format!("sentinel {} ({})", self.service, list.join(","))
    }
}

/// The most replicas `wait=` may ask for: more than any replica set has.
const MAX_WAIT_REPLICAS: u32 = 100;

/// How a TLS connection (rediss://, tls://) checks the server and shows itself: the options
/// of its save_path entry. Files are named here and read once per configuration
/// (store::tls builds the client settings from them).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TlsOptions {
    /// Check the server's certificate chain and name (`verify_peer=0` turns it off: unsafe).
    pub verify_peer: bool,
    /// The CAs to trust, PEM; `None`: the system's (rustls-native-certs).
    pub cafile: Option<PathBuf>,
    /// A client certificate (PEM chain) and its private key, for servers that ask for one.
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

impl Default for TlsOptions {
    fn default() -> Self {
        TlsOptions {
            verify_peer: true,
            cafile: None,
            cert: None,
            key: None,
        }
    }
}

/// TLS parameter names, each with phpredis's spelling (its stream context's ssl options).
const TLS_PARAMS: [(&str, &str); 4] = [
    ("cafile", "stream[cafile]"),
    ("verify_peer", "stream[verify_peer]"),
    ("cert", "stream[local_cert]"),
    ("key", "stream[local_pk]"),
];

/// One save_path entry, as written: `None` means "not given here, use the default".
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Endpoint {
    pub backend: Backend,
    /// One node for Redis; one or more for memcached.
    pub nodes: Vec<Node>,
    /// `Some` for rediss:// and tls://.
    pub tls: Option<TlsOptions>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub database: Option<i64>,
    pub prefix: Option<String>,
    pub connect_timeout: Option<Duration>,
    pub read_timeout: Option<Duration>,
    /// memcached: extra copies of each session, on the next nodes of the ring.
    pub replicas: Option<usize>,
    /// memcached: how long a failed node is left alone before it is tried again.
    pub retry_interval: Option<Duration>,
    /// memcached: how keys are spread over the nodes.
    pub distribution: Option<Distribution>,
    /// memcached: which node holds a session's lock.
    pub lock_node: Option<LockNode>,
    /// Redis: replicas that must have each session write before it counts as durable.
    pub wait: Option<u32>,
    /// Redis Cluster: `nodes` are seeds, from which the slot map is read.
    pub cluster: bool,
    /// Redis Sentinel: the master is found through these sentinels (`nodes` then holds the
    /// first sentinel only).
    pub sentinel: Option<Sentinel>,
}

/// What went wrong, and where: `save_path entry 2 "redis://h:99999": port 99999 out of range`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavePathError {
    /// 1-based position and the entry's text (secrets masked); `None` for the whole string.
    pub entry: Option<(usize, String)>,
    pub reason: String,
}

impl fmt::Display for SavePathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.entry {
            Some((n, text)) => write!(f, "save_path entry {n} \"{text}\": {}", self.reason),
            None => write!(f, "save_path: {}", self.reason),
        }
    }
}

impl std::error::Error for SavePathError {}

/// Parses the whole save_path. Every entry is checked, so a typo in entry 3 is reported even
/// while only the first entry is used.
pub fn parse(save_path: &str) -> Result<Vec<Endpoint>, SavePathError> {
    if save_path.trim().is_empty() {
        return Err(SavePathError {
            entry: None,
            reason: "is empty (expected e.g. redis://127.0.0.1:6379)".into(),
        });
    }
    entries(save_path)
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            parse_entry(entry).map_err(|reason| SavePathError {
                entry: Some((i + 1, mask_secrets(entry))),
                reason,
            })
        })
        .collect()
}

/// An entry whose node list goes on after its first comma: memcached's, a cluster's seeds and
/// the sentinels.
fn takes_node_list(piece: &str) -> bool {
    let lower = piece.to_ascii_lowercase();
    [
        "memcached://",
        "memcache://",
        "redis+cluster://",
        "redis+sentinel://",
    ]
    .iter()
    .any(|scheme| lower.starts_with(scheme))
}

/// phpredis's `rediscluster` save_path: parameters only, the seeds as `seed[]=host:port`.
fn is_phpredis_cluster(entry: &str) -> bool {
    let lower = entry.to_ascii_lowercase();
    lower.starts_with("seed[]=") || lower.starts_with("seed%5b%5d=")
}

fn is_sentinel(piece: &str) -> bool {
    piece.to_ascii_lowercase().starts_with("redis+sentinel://")
}

/// Whether a node-list entry (memcached's or the sentinels') takes the next comma's piece:
/// not once it has its parameters, nor, for the sentinels, once it has its `/service`.
fn node_list_open(entry: &str) -> bool {
    if entry.contains('?') {
        return false;
    }
    !is_sentinel(entry) || !entry["redis+sentinel://".len()..].contains('/')
}

/// A piece that carries on a memcached node list: no scheme of its own. An empty piece does
/// too, so that a stray comma is reported as an empty node of that list.
fn continues_node_list(piece: &str) -> bool {
    !piece.contains("://") && !piece.starts_with('/') && !piece.starts_with("unix:")
}

/// Splits save_path at its commas into entries; a memcached entry's node list takes the
/// scheme-less pieces that follow it, up to and including one that carries the parameters.
/// Other pieces are split at whitespace too: phpredis separates its entries by either.
pub fn entries(save_path: &str) -> Vec<String> {
    let pieces: Vec<&str> = save_path.split(',').map(str::trim).collect();
    let mut entries = Vec::new();
    let mut i = 0;
    while i < pieces.len() {
        let mut entry = pieces[i].to_owned();
        if takes_node_list(pieces[i]) {
            while node_list_open(&entry)
                && i + 1 < pieces.len()
                && continues_node_list(pieces[i + 1])
            {
                i += 1;
                entry.push(',');
                entry.push_str(pieces[i]);
            }
            entries.push(entry);
        } else if entry.is_empty() {
            entries.push(entry); // reported as a stray comma
        } else {
            entries.extend(entry.split_whitespace().map(str::to_owned));
        }
        i += 1;
    }
    entries
}

fn parse_entry(entry: &str) -> Result<Endpoint, String> {
    if entry.is_empty() {
        return Err("empty entry (stray comma?)".into());
    }
    if is_phpredis_cluster(entry) {
        let mut endpoint = empty_endpoint(Backend::Redis, Vec::new(), false);
        endpoint.cluster = true;
        apply_params(&mut endpoint, entry)?;
        if endpoint.nodes.is_empty() {
            return Err("no seed[]=host:port".into());
        }
        return Ok(endpoint);
    }
    let (head, query) = match entry.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (entry, None),
    };
    let (scheme, rest) = match head.split_once("://") {
        Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
        None if head.starts_with("unix:") => ("unix".to_owned(), &head["unix:".len()..]),
        None if head.starts_with('/') => ("unix".to_owned(), head),
        None => ("tcp".to_owned(), head),
    };
    let mut endpoint = match scheme.as_str() {
        "redis" | "tcp" => parse_tcp(rest, false)?,
        "rediss" | "tls" => parse_tcp(rest, true)?,
        "unix" => parse_unix(rest)?,
        "memcached" | "memcache" => parse_memcached(rest)?,
        "redis+cluster" => parse_cluster(rest)?,
        "redis+sentinel" => parse_sentinel(rest)?,
        "" => return Err("missing scheme before \"://\"".into()),
        other => {
            return Err(format!(
                "unsupported scheme \"{other}\" (expected redis://, rediss://, tcp://, tls://, unix://, redis+sentinel://, redis+cluster:// or memcached://)"
            ))
        }
    };
    if let Some(query) = query {
        apply_params(&mut endpoint, query)?;
    }
    Ok(endpoint)
}

fn empty_endpoint(backend: Backend, nodes: Vec<Node>, tls: bool) -> Endpoint {
    Endpoint {
        backend,
        nodes,
        tls: tls.then(TlsOptions::default),
        username: None,
        password: None,
        database: None,
        prefix: None,
        connect_timeout: None,
        read_timeout: None,
        replicas: None,
        retry_interval: None,
        distribution: None,
        lock_node: None,
        wait: None,
        cluster: false,
        sentinel: None,
    }
}

/// `[user:password@]host:port[,host:port...]`: a cluster's seed nodes (one is enough; each
/// is tried in turn for the slot map).
fn parse_cluster(rest: &str) -> Result<Endpoint, String> {
    if rest.contains('/') {
        return Err(
            "a Redis Cluster has only database 0, and no unix sockets: write redis+cluster://host:port[,host:port...]"
                .into(),
        );
    }
    let (userinfo, list) = match rest.rsplit_once('@') {
        Some((u, l)) => (Some(u), l),
        None => (None, rest),
    };
    let mut endpoint = empty_endpoint(Backend::Redis, Vec::new(), false);
    endpoint.cluster = true;
    if let Some(userinfo) = userinfo {
        let (user, password) = redis_userinfo(userinfo)?;
        endpoint.username = user;
        endpoint.password = Some(password);
    }
    if list.is_empty() {
        return Err(
            "missing seed nodes (expected redis+cluster://host:port[,host:port...])".into(),
        );
    }
    for (i, text) in list.split(',').map(str::trim).enumerate() {
        add_seed(&mut endpoint, text).map_err(|e| format!("seed {}: {e}", i + 1))?;
    }
    Ok(endpoint)
}

/// One more seed node, `host:port`.
fn add_seed(endpoint: &mut Endpoint, text: &str) -> Result<(), String> {
    if text.is_empty() {
        return Err("empty (stray comma?)".into());
    }
    let (host, port) = parse_host_port(text, DEFAULT_REDIS_PORT)?;
    let address = Address::Tcp { host, port };
    if endpoint.nodes.iter().any(|n| n.address == address) {
        return Err(format!("{address} is listed twice"));
    }
    endpoint.nodes.push(Node { address, weight: 1 });
    Ok(())
}

fn redis_node(address: Address) -> Vec<Node> {
    vec![Node { address, weight: 1 }]
}

/// `scheme:///path`: the path after the scheme must be absolute.
fn absolute_socket(text: &str, scheme: &str, server: &str) -> Result<PathBuf, String> {
    let path = percent_decode(text, false).map_err(|e| format!("socket path: {e}"))?;
    if path.is_empty() {
        return Err(format!(
            "missing socket path (expected {scheme}:///path/to/{server}.sock)"
        ));
    }
    if !path.starts_with('/') {
        return Err(format!(
            "socket path \"{path}\" is not absolute (expected {scheme}:///{path})"
        ));
    }
    Ok(PathBuf::from(path))
}

/// `[user:password@]` then `host[:port[:weight]]` for each comma-separated node, or one
/// `/path/memcached.sock`.
fn parse_memcached(rest: &str) -> Result<Endpoint, String> {
    // memcached's ASCII authentication (memcached -Y): one user for every node of the entry.
    let (credentials, rest) = match rest.split_once('@') {
        Some((userinfo, nodes)) if !rest.starts_with('/') && !userinfo.contains(',') => {
            (Some(memcached_user(userinfo)?), nodes)
        }
        _ => (None, rest),
    };
    let nodes = match rest.starts_with('/') {
        true => vec![Node {
            address: Address::Unix(absolute_socket(rest, "memcached", "memcached")?),
            weight: 1,
        }],
        false => parse_memcached_nodes(rest)?,
    };
    let mut endpoint = empty_endpoint(Backend::Memcached, nodes, false);
    if let Some((user, password)) = credentials {
        endpoint.username = Some(user);
        endpoint.password = Some(password);
    }
    Ok(endpoint)
}

/// `host[:port[:weight]]`, comma-separated.
fn parse_memcached_nodes(list: &str) -> Result<Vec<Node>, String> {
    if list.contains('@') {
        return Err("user:password@ goes once, before the first node".into());
    }
    if list.is_empty() {
        return Err("missing host (expected memcached://host[:port][,host[:port]...])".into());
    }
    let mut nodes = Vec::new();
    for (i, text) in list.split(',').map(str::trim).enumerate() {
        let node = parse_memcached_node(text).map_err(|e| format!("node {}: {e}", i + 1))?;
        if nodes.iter().any(|n: &Node| n.address == node.address) {
            return Err(format!("node {} ({}) is listed twice", i + 1, node.address));
        }
        nodes.push(node);
    }
    Ok(nodes)
}

/// `user:password` for memcached's ASCII authentication, percent-decoded. memcached reads them
/// as two words of one line, so neither may hold a space or a control character.
fn memcached_user(userinfo: &str) -> Result<(String, String), String> {
    let Some((user, password)) = userinfo.split_once(':') else {
        return Err(
            "memcached needs user:password@ (a user and a password) before the nodes".into(),
        );
    };
    let user = percent_decode(user, false).map_err(|e| format!("user name: {e}"))?;
    let password = percent_decode(password, false).map_err(|e| format!("password: {e}"))?;
    if user.is_empty() || password.is_empty() {
        return Err("empty user or password before '@'".into());
    }
    if user
        .chars()
        .chain(password.chars())
        .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(
            "memcached user names and passwords cannot hold spaces or control characters".into(),
        );
    }
    Ok((user, password))
}

fn parse_memcached_node(text: &str) -> Result<Node, String> {
    if text.is_empty() {
        return Err("empty (stray comma?)".into());
    }
    // Set an IPv6 literal aside first, so that only the colons after it separate fields.
    let (host, fields) = match text.strip_prefix('[') {
        Some(_) => match text.find(']') {
            Some(end) => text.split_at(end + 1),
            None => return Err("IPv6 address has no closing ']'".into()),
        },
        None => text.split_at(text.find(':').unwrap_or(text.len())),
    };
    let fields: Vec<&str> = match fields {
        "" => Vec::new(),
        _ => match fields.strip_prefix(':') {
            Some(rest) => rest.split(':').collect(),
            None => return Err(format!("unexpected \"{fields}\" after the IPv6 address")),
        },
    };
    let (port, weight) = match fields.as_slice() {
        [] => (None, None),
        [port] => (Some(*port), None),
        [port, weight] => (Some(*port), Some(*weight)),
        _ => {
            return Err(format!(
                "\"{text}\" has too many ':' fields (expected host:port:weight)"
            ))
        }
    };
    let hostport = match port {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    let (host, port) = parse_host_port(&hostport, DEFAULT_MEMCACHED_PORT)?;
    let weight = match weight {
        None => 1,
        Some(w) => match w.parse::<u32>() {
            Ok(w) if w > 0 => w,
            _ => return Err(format!("weight \"{w}\" is not a positive whole number")),
        },
    };
    Ok(Node {
        address: Address::Tcp { host, port },
        weight,
    })
}

/// `host[:port][,host[:port]...]/service[/db]`: the sentinels, then the name of the master
/// they monitor.
fn parse_sentinel(rest: &str) -> Result<Endpoint, String> {
    const FORM: &str = "redis+sentinel://host:port[,host:port...]/service[/db]";
    let (list, path) = rest.split_once('/').unwrap_or((rest, ""));
    if list.contains('@') {
        return Err(
            "redis+sentinel:// takes no user:password@: give the master's password as auth= and \
             the sentinels' as sentinel_auth="
                .into(),
        );
    }
    if list.is_empty() {
        return Err(format!("missing sentinel hosts (expected {FORM})"));
    }
    let mut sentinels: Vec<Address> = Vec::new();
    for (i, text) in list.split(',').map(str::trim).enumerate() {
        if text.is_empty() {
            return Err(format!("sentinel {}: empty (stray comma?)", i + 1));
        }
        let (host, port) = parse_host_port(text, DEFAULT_SENTINEL_PORT)
            .map_err(|e| format!("sentinel {}: {e}", i + 1))?;
        let address = Address::Tcp { host, port };
        if sentinels.contains(&address) {
            return Err(format!("sentinel {} ({address}) is listed twice", i + 1));
        }
        sentinels.push(address);
    }
    let (service, database) = match path.split_once('/') {
        Some((service, db)) => (service, Some(db)),
        None => (path, None),
    };
    let service = percent_decode(service, false).map_err(|e| format!("service name: {e}"))?;
    if service.is_empty() {
        return Err(format!(
            "missing service name after the sentinels (expected {FORM})"
        ));
    }
    let mut endpoint = empty_endpoint(Backend::Redis, redis_node(sentinels[0].clone()), false);
    if let Some(db) = database.filter(|db| !db.is_empty()) {
        endpoint.database = Some(parse_database(db, "database in path")?);
    }
    endpoint.sentinel = Some(Sentinel {
        sentinels,
        service,
        password: None,
    });
    Ok(endpoint)
}

fn parse_unix(rest: &str) -> Result<Endpoint, String> {
    let path = absolute_socket(rest, "unix", "redis")?;
    Ok(empty_endpoint(
        Backend::Redis,
        redis_node(Address::Unix(path)),
        false,
    ))
}

fn parse_tcp(rest: &str, tls: bool) -> Result<Endpoint, String> {
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let (host, port) = parse_host_port(hostport, DEFAULT_REDIS_PORT)?;
    let mut endpoint = empty_endpoint(Backend::Redis, redis_node(Address::Tcp { host, port }), tls);
    if let Some(userinfo) = userinfo {
        let (user, password) = redis_userinfo(userinfo)?;
        endpoint.username = user;
        endpoint.password = Some(password);
    }
    match path.trim_start_matches('/') {
        "" => {}
        db => endpoint.database = Some(parse_database(db, "database in path")?),
    }
    Ok(endpoint)
}

/// Like redis-cli: "user:password", ":password", or a lone password; percent-decoded.
fn redis_userinfo(userinfo: &str) -> Result<(Option<String>, String), String> {
    let (user, password) = match userinfo.split_once(':') {
        Some((u, p)) => (Some(u), p),
        None => (None, userinfo),
    };
    let user = match user.filter(|u| !u.is_empty()) {
        Some(user) => Some(percent_decode(user, false).map_err(|e| format!("user name: {e}"))?),
        None => None,
    };
    if password.is_empty() {
        return Err("empty password before '@'".into());
    }
    let password = percent_decode(password, false).map_err(|e| format!("password: {e}"))?;
    Ok((user, password))
}

fn parse_host_port(hostport: &str, default_port: u16) -> Result<(String, u16), String> {
    let (host, port) = if let Some(bracketed) = hostport.strip_prefix('[') {
        let (host, after) = bracketed
            .split_once(']')
            .ok_or_else(|| "IPv6 address has no closing ']'".to_owned())?;
        match after {
            "" => (host, None),
            _ => match after.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                None => return Err(format!("unexpected \"{after}\" after the IPv6 address")),
            },
        }
    } else {
        match hostport.matches(':').count() {
            0 => (hostport, None),
            1 => {
                let (h, p) = hostport.split_once(':').unwrap();
                (h, Some(p))
            }
            _ => {
                return Err(format!(
                    "host \"{hostport}\": write IPv6 addresses in brackets, e.g. [::1]:6379"
                ))
            }
        }
    };
    if host.is_empty() {
        return Err("missing host".into());
    }
    if let Some(bad) = host
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || ".-_:".contains(*c)))
    {
        return Err(format!("host \"{host}\" contains the character {bad:?}"));
    }
    let port = match port {
        None => default_port,
        Some("") => return Err("missing port after ':'".into()),
        Some(p) => match p.parse::<u64>() {
            Ok(n @ 1..=65535) => n as u16,
            Ok(n) => return Err(format!("port {n} out of range (1-65535)")),
            Err(_) => return Err(format!("port \"{p}\" is not a number")),
        },
    };
    Ok((host.to_owned(), port))
}

fn parse_database(text: &str, what: &str) -> Result<i64, String> {
    match text.parse::<i64>() {
        Ok(n) if (0..=i64::from(i32::MAX)).contains(&n) => Ok(n),
        Ok(n) => Err(format!("{what} {n} out of range (0 or more)")),
        Err(_) => Err(format!("{what} \"{text}\" is not a number")),
    }
}

/// Seconds as PHP writes them (`1`, `0.5`); `0` means "the default", as in phpredis, since
/// rsession never waits forever.
pub fn parse_timeout(text: &str, what: &str) -> Result<Option<Duration>, String> {
    let secs: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{what} \"{text}\" is not a number of seconds"))?;
    if !secs.is_finite() || secs < 0.0 {
        return Err(format!(
            "{what} \"{text}\" must be 0 (default) or a positive number of seconds"
        ));
    }
    if secs > 0.0 && secs < 0.001 {
        return Err(format!(
            "{what} \"{text}\" is below 1 millisecond: use 0 for the default, or at least 0.001"
        ));
    }
    if secs > MAX_TIMEOUT_SECS {
        return Err(format!(
            "{what} {secs} is over {MAX_TIMEOUT_SECS} seconds (milliseconds given as seconds?)"
        ));
    }
    Ok((secs > 0.0).then(|| Duration::from_secs_f64(secs)))
}

/// The password as phpredis takes it, in any of its forms: `auth=password`,
/// `auth[]=password` or `auth[]=user&auth[]=password`, `auth[pass]=password` with an optional
/// `auth[user]=user` (PHP's query parsing turns the last two into arrays).
#[derive(Default)]
struct AuthParams {
    plain: Option<String>,
    list: Vec<String>,
    user: Option<String>,
    pass: Option<String>,
}

impl AuthParams {
    /// (user, password), or `None` when no auth is given; mixed forms are refused, since
    /// phpredis would then authenticate with a part of them or, silently, not at all.
    fn resolve(mut self) -> Result<Option<(Option<String>, String)>, String> {
        let keyed = match (&self.user, &self.pass) {
            (Some(_), _) => Some("auth[user]="),
            (None, Some(_)) => Some("auth[pass]="),
            (None, None) => None,
        };
        let forms: Vec<&str> = [
            self.plain.as_ref().map(|_| "auth="),
            (!self.list.is_empty()).then_some("auth[]="),
            keyed,
        ]
        .into_iter()
        .flatten()
        .collect();
        if let [first, second, ..] = forms.as_slice() {
            return Err(format!(
                "auth is given in two forms ({first} and {second}); use one: auth=password, \
                 auth[]=user&auth[]=password, or auth[user]=user&auth[pass]=password"
            ));
        }
        Ok(match (self.plain, self.list.len(), self.pass) {
            (Some(p), _, _) => Some((None, p)),
            (None, 0, Some(p)) => Some((self.user, p)),
            (None, 0, None) if self.user.is_some() => {
                return Err(
                    "auth[user] needs auth[pass] (auth[user]=user&auth[pass]=password)".into(),
                )
            }
            (None, 0, None) => None,
            (None, 1, _) => self.list.pop().map(|p| (None, p)),
            (None, 2, _) => {
                let password = self.list.pop().unwrap_or_default();
                Some((self.list.pop(), password))
            }
            (None, n, _) => {
                return Err(format!(
                    "auth[] is given {n} times (expected auth[]=user&auth[]=password)"
                ))
            }
        })
    }
}

/// The canonical name of a TLS parameter written in phpredis's spelling (`stream[cafile]` is
/// `cafile`); `None` for any other parameter. phpredis passes every `stream[...]` to PHP's
/// stream context; only the ssl options named in TLS_PARAMS mean something here, so any other
/// is refused rather than silently ignored.
fn tls_param_name(key: &str) -> Result<Option<&'static str>, String> {
    if let Some((name, _)) = TLS_PARAMS.iter().find(|(_, php)| *php == key) {
        return Ok(Some(name));
    }
    if key.starts_with("stream[") {
        let known: Vec<&str> = TLS_PARAMS.iter().map(|(_, php)| *php).collect();
        return Err(format!(
            "unknown TLS parameter \"{key}\" (known: cafile, verify_peer, cert, key, or as phpredis writes them: {})",
            known.join(", ")
        ));
    }
    Ok(None)
}

/// One TLS option: a file (an absolute path, read when the configuration is built) or the
/// verify_peer switch.
fn set_tls_option(tls: &mut TlsOptions, name: &str, value: String) -> Result<(), String> {
    if name == "verify_peer" {
        tls.verify_peer = match value.to_ascii_lowercase().as_str() {
            "1" | "true" | "on" | "yes" => true,
            "0" | "false" | "off" | "no" => false,
            _ => return Err(format!("verify_peer \"{value}\" is not 1 or 0")),
        };
        return Ok(());
    }
    if value.is_empty() {
        return Err(format!("{name} is empty (expected the path of a PEM file)"));
    }
    if !value.starts_with('/') {
        return Err(format!(
            "{name} \"{value}\" is not an absolute path (PHP's working directory varies: write /path/to/file.pem)"
        ));
    }
    let path = Some(PathBuf::from(value));
    match name {
        "cafile" => tls.cafile = path,
        "cert" => tls.cert = path,
        _ => tls.key = path,
    }
    Ok(())
}

fn apply_params(endpoint: &mut Endpoint, query: &str) -> Result<(), String> {
    let mut seen: Vec<String> = Vec::new();
    let mut auth = AuthParams::default();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (raw_key, raw_value) = pair
            .split_once('=')
            .ok_or_else(|| format!("parameter \"{pair}\" has no value (expected {pair}=...)"))?;
        let key = percent_decode(raw_key, true).map_err(|e| format!("parameter name: {e}"))?;
        let value =
            percent_decode(raw_value, true).map_err(|e| format!("parameter \"{key}\": {e}"))?;
        let key = tls_param_name(&key)?.map_or(key, str::to_owned);
        let memcached = endpoint.backend == Backend::Memcached;
        let sentinel = endpoint.sentinel.is_some();
        if TLS_PARAMS.iter().any(|(name, _)| *name == key) && (endpoint.cluster || sentinel) {
            return Err(format!(
                "parameter \"{key}\" is for TLS, which rsession does not offer for Redis Cluster or Sentinel yet"
            ));
        }
        if TLS_PARAMS.iter().any(|(name, _)| *name == key) && endpoint.tls.is_none() {
            return Err(format!(
                "parameter \"{key}\" is for TLS: use rediss:// or tls:// (TLS is for Redis over TCP only)"
            ));
        }
        match key.as_str() {
            "sentinel_auth" if !sentinel => {
                return Err("parameter \"sentinel_auth\" is for redis+sentinel:// only".into())
            }
            "weight" if sentinel => {
                return Err(
                    "weight is for several redis:// entries, not for redis+sentinel://".into(),
                )
            }
            "auth" | "auth[]" | "auth[user]" | "auth[pass]" | "database" | "db" | "persistent"
            | "persistent_id" | "wait"
                if memcached =>
            {
                return Err(format!("parameter \"{key}\" is for Redis, not memcached"))
            }
            "weight" if memcached => {
                return Err("memcached weights go with each node: host:port:weight".into())
            }
            "replicas" | "lock_node" if !memcached => {
                return Err(format!("parameter \"{key}\" is for memcached, not Redis"))
            }
            _ => {}
        }
        if key == "auth[]" {
            auth.list.push(value);
            continue;
        }
        if key == "seed[]" {
            if !endpoint.cluster {
                return Err(
                    "seed[] is for Redis Cluster (seed[]=host:port&seed[]=host:port...)".into(),
                );
            }
            add_seed(endpoint, &value).map_err(|e| format!("seed[] {}: {e}", value))?;
            continue;
        }
        if seen.contains(&key) {
            return Err(format!("parameter \"{key}\" is given twice"));
        }
        seen.push(key.clone());
        match key.as_str() {
            "auth" => auth.plain = Some(value),
            "auth[user]" => auth.user = Some(value),
            "auth[pass]" => auth.pass = Some(value),
            "database" | "db" if endpoint.cluster => {
                if parse_database(&value, "database")? != 0 {
                    return Err("a Redis Cluster has only database 0".into());
                }
            }
            "sentinel_auth" => match (value.is_empty(), endpoint.sentinel.as_mut()) {
                (true, _) => return Err("sentinel_auth is empty".into()),
                (false, Some(sentinel)) => sentinel.password = Some(value),
                (false, None) => {}
            },
            "database" | "db" => endpoint.database = Some(parse_database(&value, "database")?),
            // phpredis cluster: whether reads may go to replicas. rsession reads and writes on
            // the masters only: a session's lock and its data must be read where they are written.
            "failover" if endpoint.cluster => match value.as_str() {
                "none" | "error" | "distribute" | "distribute_slaves" => {}
                _ => return Err(format!("failover \"{value}\" is not none, error, distribute or distribute_slaves")),
            },
            "prefix" => {
                if value.len() > MAX_PREFIX_LEN {
                    return Err(format!("prefix is {} bytes long (at most {MAX_PREFIX_LEN})", value.len()));
                }
                endpoint.prefix = Some(value);
            }
            "timeout" => endpoint.connect_timeout = parse_timeout(&value, "timeout")?,
            "read_timeout" => endpoint.read_timeout = parse_timeout(&value, "read_timeout")?,
            "cafile" | "cert" | "key" | "verify_peer" => {
                if let Some(tls) = endpoint.tls.as_mut() {
                    set_tls_option(tls, &key, value)?;
                }
            }
            // phpredis options that have no meaning here: rsession always pools its connections.
            "persistent" | "persistent_id" => {}
            // Redis: the host's share of the sessions, when several hosts are listed.
            "weight" if endpoint.cluster => {
                return Err("a Redis Cluster places sessions by hash slot: weight does not apply".into())
            }
            "weight" => match value.parse::<u32>() {
                Ok(w) if w > 0 => endpoint.nodes[0].weight = w,
                _ => return Err(format!("weight \"{value}\" is not a positive whole number")),
            },
            // memcached: seconds a failed node is left alone (0: retry at once).
            "retry_interval" if memcached => {
                endpoint.retry_interval = Some(parse_timeout(&value, "retry_interval")?.unwrap_or(Duration::ZERO))
            }
            // phpredis: milliseconds between reconnect attempts; accepted for compatibility.
            "retry_interval" => match value.parse::<u64>() {
                Ok(_) => {}
                Err(_) => return Err(format!("retry_interval \"{value}\" is not a whole number of milliseconds")),
            },
            "distribution" if memcached => {
                endpoint.distribution = Some(match value.as_str() {
                    "ketama" => Distribution::Ketama,
                    "ketama_weighted" => Distribution::KetamaWeighted,
                    _ => return Err(format!("distribution \"{value}\" is not ketama or ketama_weighted")),
                })
            }
            // Redis: WAIT for this many replicas after each session write.
            "wait" => match value.parse::<u32>() {
                Ok(n) if n <= MAX_WAIT_REPLICAS => endpoint.wait = Some(n),
                _ => {
                    return Err(format!(
                        "wait \"{value}\" is not a number of replicas (0 to {MAX_WAIT_REPLICAS})"
                    ))
                }
            },
            "lock_node" => {
                endpoint.lock_node = Some(match value.as_str() {
                    "php-memcached" => LockNode::PhpMemcached,
                    "data" => LockNode::Data,
                    _ => return Err(format!("lock_node \"{value}\" is not php-memcached or data")),
                })
            }
            "replicas" => match value.parse::<usize>() {
                Ok(n) if n < endpoint.nodes.len() => endpoint.replicas = Some(n),
                Ok(n) => {
                    return Err(format!(
                        "replicas={n} needs at least {} nodes ({} given)",
                        n + 1,
                        endpoint.nodes.len()
                    ))
                }
                Err(_) => return Err(format!("replicas \"{value}\" is not a whole number")),
            },
            _ if sentinel => {
                return Err(format!(
                    "unknown parameter \"{key}\" (known for redis+sentinel: auth, auth[], auth[user], auth[pass], sentinel_auth, database, prefix, timeout, read_timeout, persistent, retry_interval, wait)"
                ))
            }
            _ if memcached => {
                return Err(format!(
                    "unknown parameter \"{key}\" (known for memcached: prefix, timeout, read_timeout, replicas, retry_interval, distribution, lock_node)"
                ))
            }
            _ if endpoint.cluster => {
                return Err(format!(
                    "unknown parameter \"{key}\" (known for Redis Cluster: seed[], auth, auth[], auth[user], auth[pass], prefix, timeout, read_timeout, persistent, failover, retry_interval, wait)"
                ))
            }
            _ => {
                return Err(format!(
                    "unknown parameter \"{key}\" (known: auth, auth[], auth[user], auth[pass], database, prefix, timeout, read_timeout, persistent, weight, retry_interval, wait; with TLS: cafile, verify_peer, cert, key)"
                ))
            }
        }
    }
    if let Some(tls) = &endpoint.tls {
        match (&tls.cert, &tls.key) {
            (Some(_), None) => {
                return Err("cert= needs key= (the client certificate's private key, PEM)".into())
            }
            (None, Some(_)) => return Err("key= needs cert= (the client certificate, PEM)".into()),
            _ => {}
        }
    }
    if let Some((user, password)) = auth.resolve()? {
        if endpoint.password.is_some() {
            return Err("the password is given twice (in the address and as auth)".into());
        }
        if password.is_empty() {
            return Err("auth is empty".into());
        }
        endpoint.username = user.filter(|u| !u.is_empty());
        endpoint.password = Some(password);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> Endpoint {
        let mut all = parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(all.len(), 1);
        all.pop().unwrap()
    }

    fn err(s: &str) -> String {
        parse(s).expect_err(s).to_string()
    }

    fn tcp(host: &str, port: u16) -> Address {
        Address::Tcp {
            host: host.into(),
            port,
        }
    }

    #[test]
    fn cluster_forms_give_seeds() {
        for path in [
            "redis+cluster://127.0.0.1:7000,127.0.0.1:7001,[::1]:7002?prefix=p:&wait=1",
            "seed[]=127.0.0.1:7000&seed[]=127.0.0.1:7001&seed%5B%5D=[::1]:7002&prefix=p:&wait=1&timeout=2&read_timeout=2&failover=error&persistent=1",
        ] {
            let e = one(path);
            assert!(e.cluster, "{path}");
            let seeds: Vec<Address> = e.nodes.iter().map(|n| n.address.clone()).collect();
            assert_eq!(seeds, [tcp("127.0.0.1", 7000), tcp("127.0.0.1", 7001), tcp("::1", 7002)]);
            assert_eq!((e.prefix.as_deref(), e.wait), (Some("p:"), Some(1)));
        }
        let e = one("redis+cluster://alice:pw@h1:7000,h2:7001");
        assert_eq!(
            (e.username.as_deref(), e.password.as_deref()),
            (Some("alice"), Some("pw"))
        );
        let e = one("seed[]=h1:7000&auth[]=alice&auth[]=pw");
        assert_eq!(
            (e.username.as_deref(), e.password.as_deref()),
            (Some("alice"), Some("pw"))
        );
    }

    #[test]
    fn cluster_form_errors_point_at_the_part() {
        assert!(err("redis+cluster://").contains("missing seed nodes"));
        assert!(err("redis+cluster://h:7000/2").contains("only database 0"));
        assert!(err("seed[]=h:7000&database=3").contains("only database 0"));
        assert!(err("redis+cluster://h:7000,,h:7001").contains("seed 2: empty"));
        assert!(err("redis+cluster://h:7000,h:99999").contains("seed 2: port 99999 out of range"));
        assert!(err("redis+cluster://h:7000,h:7000").contains("listed twice"));
        assert!(err("seed[]=h:x").contains("port \"x\" is not a number"));
        assert!(err("seed[]=h:1&weight=2").contains("weight does not apply"));
        assert!(err("seed[]=h:1&failover=maybe").contains("failover \"maybe\""));
        assert!(err("seed[]=h:1&bogus=1").contains("known for Redis Cluster: seed[]"));
        assert!(err("redis://h?seed[]=h:1").contains("seed[] is for Redis Cluster"));
        assert!(err("redis+cluster://u:@h:1").contains("empty password"));
    }

    #[test]
    fn redis_url_minimal_gets_default_port() {
        let e = one("redis://127.0.0.1");
        assert_eq!(e.nodes[0].address, tcp("127.0.0.1", 6379));
        assert_eq!(
            (
                e.tls.clone(),
                e.database,
                e.password.clone(),
                e.prefix.clone()
            ),
            (None, None, None, None)
        );
    }

    #[test]
    fn redis_url_full() {
        let e = one(
            "redis://alice:p%40ss@cache.example:6380/3?prefix=app:&timeout=0.25&read_timeout=2",
        );
        assert_eq!(e.nodes[0].address, tcp("cache.example", 6380));
        assert_eq!(e.username.as_deref(), Some("alice"));
        assert_eq!(e.password.as_deref(), Some("p@ss"));
        assert_eq!(e.database, Some(3));
        assert_eq!(e.prefix.as_deref(), Some("app:"));
        assert_eq!(e.connect_timeout, Some(Duration::from_millis(250)));
        assert_eq!(e.read_timeout, Some(Duration::from_secs(2)));
    }

    #[test]
    fn password_only_userinfo_forms() {
        assert_eq!(one("redis://:secret@h").password.as_deref(), Some("secret"));
        assert_eq!(one("redis://:secret@h").username, None);
        assert_eq!(one("redis://secret@h").password.as_deref(), Some("secret"));
    }

    #[test]
    fn phpredis_tcp_form() {
        let e = one(
            "tcp://10.0.0.1:6379?auth=pw&database=2&prefix=S:&timeout=1.5&persistent=1&weight=1",
        );
        assert_eq!(e.nodes[0].address, tcp("10.0.0.1", 6379));
        assert_eq!(e.password.as_deref(), Some("pw"));
        assert_eq!(e.database, Some(2));
        assert_eq!(e.prefix.as_deref(), Some("S:"));
        assert_eq!(e.connect_timeout, Some(Duration::from_millis(1500)));
    }

    #[test]
    fn phpredis_auth_array_gives_user_and_password() {
        let e = one("tcp://h:1?auth[]=bob&auth[]=pw");
        assert_eq!(
            (e.username.as_deref(), e.password.as_deref()),
            (Some("bob"), Some("pw"))
        );
        let e = one("tcp://h:1?auth%5B%5D=pw");
        assert_eq!((e.username, e.password.as_deref()), (None, Some("pw")));
    }

    #[test]
    fn phpredis_auth_user_and_pass_keys() {
        for path in [
            "tcp://h:1?auth[user]=bob&auth[pass]=pw",
            "tcp://h:1?auth[pass]=pw&auth[user]=bob",
            "tcp://h:1?auth%5Buser%5D=bob&auth%5Bpass%5D=pw",
        ] {
            let e = one(path);
            assert_eq!(
                (e.username.as_deref(), e.password.as_deref()),
                (Some("bob"), Some("pw")),
                "{path}"
            );
        }
        let e = one("tcp://h:1?auth[pass]=pw");
        assert_eq!((e.username, e.password.as_deref()), (None, Some("pw")));
    }

    #[test]
    fn weight_goes_with_the_redis_node() {
        assert_eq!(one("tcp://h:1?weight=3").nodes[0].weight, 3);
        assert_eq!(one("tcp://h:1").nodes[0].weight, 1);
    }

    #[test]
    fn entries_are_separated_by_whitespace_too_as_phpredis_reads_them() {
        let all = parse("tcp://a:1 tcp://b:2\ttcp://c:3,  tcp://d:4").unwrap();
        let hosts: Vec<String> = all.iter().map(|e| e.nodes[0].address.to_string()).collect();
        assert_eq!(hosts, ["a:1", "b:2", "c:3", "d:4"]);
        // A memcached node list keeps its own rules: one entry.
        let all = parse("memcached://a, b:11212").unwrap();
        assert_eq!((all.len(), all[0].nodes.len()), (1, 2));
        assert_eq!(
            err("tcp://a:1 tcp://b:x"),
            "save_path entry 2 \"tcp://b:x\": port \"x\" is not a number"
        );
    }

    #[test]
    fn memcached_credentials_go_once_before_the_nodes() {
        let e = one("memcached://alice:p%40ss@a:11211,b");
        assert_eq!(
            (e.username.as_deref(), e.password.as_deref(), e.nodes.len()),
            (Some("alice"), Some("p@ss"), 2)
        );
        let e = one("memcached://alice:pw@/run/memcached.sock");
        assert_eq!(
            (e.username.as_deref(), e.nodes[0].address.to_string()),
            (Some("alice"), "unix:/run/memcached.sock".to_owned())
        );
        assert_eq!(one("memcached://a,b").username, None);
        for (entry, why) in [
            (
                "memcached://a,alice:pw@b",
                "user:password@ goes once, before the first node",
            ),
            ("memcached://pw@a", "memcached needs user:password@"),
            ("memcached://alice:@a", "empty user or password before '@'"),
            (
                "memcached://alice:p%20w@a",
                "cannot hold spaces or control characters",
            ),
        ] {
            let e = err(entry);
            assert!(e.contains(why), "{entry}: {e}");
            assert!(
                !e.contains("pw@") && !e.contains("p%20w"),
                "{entry}: secret in {e}"
            );
        }
    }

    #[test]
    fn bare_host_port_and_ipv6() {
        assert_eq!(
            one("127.0.0.1:7000").nodes[0].address,
            tcp("127.0.0.1", 7000)
        );
        assert_eq!(one("redis://[::1]:7001").nodes[0].address, tcp("::1", 7001));
        assert_eq!(one("redis://[::1]").nodes[0].address, tcp("::1", 6379));
        assert_eq!(tcp("::1", 1).to_string(), "[::1]:1");
    }

    #[test]
    fn unix_socket_forms() {
        let e = one("unix:///run/redis.sock?database=4");
        assert_eq!(e.nodes[0].address, Address::Unix("/run/redis.sock".into()));
        assert_eq!(e.database, Some(4));
        assert_eq!(
            one("unix:/run/r.sock").nodes[0].address,
            Address::Unix("/run/r.sock".into())
        );
        assert_eq!(
            one("/run/r.sock").nodes[0].address,
            Address::Unix("/run/r.sock".into())
        );
    }

    #[test]
    fn tls_schemes_are_marked_and_verify_by_default() {
        assert_eq!(one("rediss://h:6380").tls, Some(TlsOptions::default()));
        assert_eq!(one("tls://h:6380").tls, Some(TlsOptions::default()));
        assert!(one("rediss://h").tls.unwrap().verify_peer);
        assert_eq!(one("redis://h").tls, None);
    }

    #[test]
    fn tls_options_and_their_phpredis_spellings() {
        let expected = TlsOptions {
            verify_peer: false,
            cafile: Some("/etc/ca.pem".into()),
            cert: Some("/etc/client.pem".into()),
            key: Some("/etc/client.key".into()),
        };
        let e = one("rediss://h:6380/2?cafile=/etc/ca.pem&verify_peer=0&cert=/etc/client.pem&key=/etc/client.key");
        assert_eq!((e.tls, e.database), (Some(expected.clone()), Some(2)));
        let e = one("tls://h:6380?auth=pw&stream[cafile]=/etc/ca.pem&stream[verify_peer]=0&stream[local_cert]=/etc/client.pem&stream[local_pk]=/etc/client.key");
        assert_eq!((e.tls, e.password.as_deref()), (Some(expected), Some("pw")));
        // PHP's query escaping of the brackets, and booleans as PHP writes them.
        let e = one("tls://h?stream%5Bverify_peer%5D=false");
        assert!(!e.tls.unwrap().verify_peer);
        assert!(one("tls://h?verify_peer=1").tls.unwrap().verify_peer);
    }

    #[test]
    fn tls_option_errors_name_the_option() {
        for (input, expected) in [
            ("redis://h?cafile=/ca.pem", "parameter \"cafile\" is for TLS: use rediss:// or tls://"),
            ("tcp://h?stream[verify_peer]=0", "parameter \"verify_peer\" is for TLS"),
            ("unix:///r.sock?cert=/c.pem", "parameter \"cert\" is for TLS"),
            ("memcached://h?cafile=/ca.pem", "parameter \"cafile\" is for TLS"),
            ("seed[]=h:1&stream[verify_peer]=0", "for Redis Cluster or Sentinel yet"),
            ("redis+sentinel://h/m?cafile=/ca.pem", "for Redis Cluster or Sentinel yet"),
            ("rediss://h?stream[verify_peer_name]=0", "unknown TLS parameter \"stream[verify_peer_name]\" (known: cafile, verify_peer, cert, key, or as phpredis writes them: stream[cafile]"),
            ("rediss://h?capath=/etc/ssl", "unknown parameter \"capath\" (known: auth"),
            ("rediss://h?verify_peer=maybe", "verify_peer \"maybe\" is not 1 or 0"),
            ("rediss://h?cafile=", "cafile is empty (expected the path of a PEM file)"),
            ("rediss://h?cafile=ca.pem", "cafile \"ca.pem\" is not an absolute path"),
            ("rediss://h?cert=/c.pem", "cert= needs key="),
            ("rediss://h?key=/k.pem", "key= needs cert="),
            ("rediss://h?cafile=/a&stream[cafile]=/b", "parameter \"cafile\" is given twice"),
        ] {
            let got = err(input);
            assert!(got.contains(expected), "{input:?}: got {got:?}, expected {expected:?}");
        }
    }

    #[test]
    fn zero_timeout_means_default() {
        assert_eq!(one("redis://h?timeout=0").connect_timeout, None);
    }

    #[test]
    fn plus_in_query_is_space_as_in_php() {
        assert_eq!(one("redis://h?prefix=a+b").prefix.as_deref(), Some("a b"));
        assert_eq!(one("redis://h?prefix=a%2Bb").prefix.as_deref(), Some("a+b"));
    }

    #[test]
    fn list_is_parsed_whole_with_spaces() {
        let all = parse("redis://a:1 , redis://b:2").unwrap();
        assert_eq!(all[1].nodes[0].address, tcp("b", 2));
    }

    #[test]
    fn malformed_entries_name_the_bad_part() {
        let cases: &[(&str, &str)] = &[
            ("", "save_path: is empty"),
            ("   ", "save_path: is empty"),
            (
                "redis://a,,redis://b",
                "save_path entry 2 \"\": empty entry",
            ),
            (
                "redis://a,redis://h:99999",
                "save_path entry 2 \"redis://h:99999\": port 99999 out of range (1-65535)",
            ),
            ("redis://h:0", "port 0 out of range"),
            ("redis://h:abc", "port \"abc\" is not a number"),
            ("redis://h:", "missing port after ':'"),
            ("redis://:6379", "missing host"),
            ("redis://", "missing host"),
            ("http://h:1", "unsupported scheme \"http\""),
            ("://h", "missing scheme"),
            ("redis://h/abc", "database in path \"abc\" is not a number"),
            ("redis://h/-1", "database in path -1 out of range"),
            ("redis://h?database=x", "database \"x\" is not a number"),
            (
                "redis://h?database=99999999999",
                "database 99999999999 out of range",
            ),
            ("redis://h?foo=1", "unknown parameter \"foo\""),
            ("redis://h?database", "parameter \"database\" has no value"),
            (
                "redis://h?database=1&database=2",
                "parameter \"database\" is given twice",
            ),
            (
                "redis://h?timeout=abc",
                "timeout \"abc\" is not a number of seconds",
            ),
            (
                "redis://h?timeout=-1",
                "timeout \"-1\" must be 0 (default) or a positive number",
            ),
            (
                "redis://h?read_timeout=inf",
                "read_timeout \"inf\" must be 0 (default)",
            ),
            (
                "redis://h?timeout=5000",
                "timeout 5000 is over 3600 seconds",
            ),
            ("redis://h?timeout=NaN", "timeout \"NaN\" must be 0"),
            ("redis://[::1:6379", "IPv6 address has no closing ']'"),
            ("redis://[::1]x", "unexpected \"x\" after the IPv6 address"),
            ("redis://::1:6379", "write IPv6 addresses in brackets"),
            ("redis://ho!st:1", "host \"ho!st\" contains the character '!'"),
            ("unix://", "missing socket path"),
            (
                "unix://relative.sock",
                "socket path \"relative.sock\" is not absolute",
            ),
            (
                "redis://h?prefix=%zz",
                "parameter \"prefix\": bad percent-escape \"%zz\"",
            ),
            ("redis://u:p%4@h", "password: bad percent-escape \"%4\""),
            ("redis://u:@h", "empty password before '@'"),
            ("redis://h?auth=", "auth is empty"),
            ("redis://:pw@h?auth=x", "the password is given twice"),
            (
                "tcp://h?auth=a&auth[]=b",
                "auth is given in two forms (auth= and auth[]=)",
            ),
            (
                "tcp://h?auth[user]=u&auth[]=p",
                "auth is given in two forms (auth[]= and auth[user]=)",
            ),
            (
                "tcp://h?auth[pass]=p&auth=q",
                "auth is given in two forms (auth= and auth[pass]=)",
            ),
            (
                "tcp://h?auth[user]=u",
                "auth[user] needs auth[pass] (auth[user]=user&auth[pass]=password)",
            ),
            (
                "tcp://h?auth[pass]=a&auth[pass]=b",
                "parameter \"auth[pass]\" is given twice",
            ),
            ("tcp://h?auth[pass]=", "auth is empty"),
            (
                "memcached://h?auth[pass]=x",
                "parameter \"auth[pass]\" is for Redis, not memcached",
            ),
            (
                "tcp://h?auth[0]=x",
                "unknown parameter \"auth[0]\" (known: auth, auth[], auth[user], auth[pass], database",
            ),
            (
                "tcp://h?auth[]=a&auth[]=b&auth[]=c",
                "auth[] is given 3 times",
            ),
            (
                "tcp://h?weight=0",
                "weight \"0\" is not a positive whole number",
            ),
            (
                "tcp://h?retry_interval=soon",
                "retry_interval \"soon\" is not a whole number",
            ),
        ];
        for (input, expected) in cases {
            let got = err(input);
            assert!(
                got.contains(expected),
                "{input:?}: got {got:?}, expected it to contain {expected:?}"
            );
        }
    }

    #[test]
    fn errors_mask_the_password_in_the_quoted_entry() {
        let got = err("redis://bob:hunter2@h:99999");
        assert!(got.contains("\"redis://bob:***@h:99999\""), "{got}");
        assert!(!got.contains("hunter2"));
        let got = err("tcp://h:1?auth=hunter2&bogus=1");
        assert!(!got.contains("hunter2"), "{got}");
    }

    #[test]
    fn sentinel_form_lists_the_sentinels_then_the_service() {
        let e = one("redis+sentinel://a:26380, b ,[::1]:3/my%20master/2?auth=pw&sentinel_auth=spw&wait=1&prefix=p:&timeout=0.5");
        let s = e.sentinel.clone().expect("sentinel");
        assert_eq!(
            s.sentinels,
            [
                tcp("a", 26380),
                tcp("b", DEFAULT_SENTINEL_PORT),
                tcp("::1", 3)
            ]
        );
        assert_eq!(s.service, "my master");
        assert_eq!(s.password.as_deref(), Some("spw"));
        assert_eq!((e.password.as_deref(), e.username), (Some("pw"), None));
        assert_eq!(
            (e.database, e.wait, e.prefix.as_deref()),
            (Some(2), Some(1), Some("p:"))
        );
        assert_eq!(e.connect_timeout, Some(Duration::from_millis(500)));
        assert_eq!(e.nodes[0].address, tcp("a", 26380));
        assert_eq!(s.describe(), "sentinel my master (a:26380,b:26379,[::1]:3)");
        // The master's ACL user in phpredis's forms; no sentinel password, no database.
        let e = one("redis+sentinel://a/s?auth[user]=bob&auth[pass]=pw");
        assert_eq!(
            (e.username.as_deref(), e.password.as_deref(), e.database),
            (Some("bob"), Some("pw"), None)
        );
        assert_eq!(e.sentinel.unwrap().password, None);
        assert_eq!(one("REDIS+SENTINEL://a/s/").database, None);
    }

    #[test]
    fn sentinel_list_is_one_entry_up_to_its_service() {
        assert_eq!(
            entries("redis+sentinel://a:1,b:2,c:3/s/1?auth=x"),
            ["redis+sentinel://a:1,b:2,c:3/s/1?auth=x"]
        );
        assert_eq!(
            entries("redis+sentinel://a,b/s, redis://c"),
            ["redis+sentinel://a,b/s", "redis://c"]
        );
        // Without a service the list takes what follows, and says what is missing.
        assert!(err("redis+sentinel://a,b").contains("missing service name"));
    }

    #[test]
    fn malformed_sentinel_entries_name_the_bad_part() {
        for (input, expected) in [
            ("redis+sentinel://", "missing sentinel hosts (expected redis+sentinel://host:port[,host:port...]/service[/db])"),
            ("redis+sentinel:///s", "missing sentinel hosts"),
            ("redis+sentinel://a:1,b:x/s", "sentinel 2: port \"x\" is not a number"),
            ("redis+sentinel://a:1,b:0/s", "sentinel 2: port 0 out of range"),
            ("redis+sentinel://a,,b/s", "sentinel 2: empty (stray comma?)"),
            ("redis+sentinel://a,a:26379/s", "sentinel 2 (a:26379) is listed twice"),
            ("redis+sentinel://a/", "missing service name after the sentinels"),
            ("redis+sentinel://a//1", "missing service name after the sentinels"),
            ("redis+sentinel://a/s/x", "database in path \"x\" is not a number"),
            ("redis+sentinel://a/s/-1", "database in path -1 out of range"),
            ("redis+sentinel://a/s%zz", "service name: bad percent-escape"),
            ("redis+sentinel://u:pw@a/s", "redis+sentinel:// takes no user:password@"),
            ("redis+sentinel://a/s?sentinel_auth=", "sentinel_auth is empty"),
            ("redis+sentinel://a/s?sentinel_auth=a&sentinel_auth=b", "parameter \"sentinel_auth\" is given twice"),
            ("redis+sentinel://a/s?weight=2", "weight is for several redis:// entries"),
            ("redis+sentinel://a/s?replicas=1", "parameter \"replicas\" is for memcached, not Redis"),
            ("redis+sentinel://a/s?x=1", "unknown parameter \"x\" (known for redis+sentinel: auth, auth[], auth[user], auth[pass], sentinel_auth,"),
            ("redis://a?sentinel_auth=pw", "parameter \"sentinel_auth\" is for redis+sentinel:// only"),
            ("memcached://a?sentinel_auth=pw", "parameter \"sentinel_auth\" is for redis+sentinel:// only"),
            ("redis+sentinel://ho!st/s", "sentinel 1: host \"ho!st\" contains the character '!'"),
        ] {
            let got = err(input);
            assert!(got.contains(expected), "{input:?}: got {got:?}, expected {expected:?}");
        }
    }

    #[test]
    fn sentinel_passwords_are_masked_in_errors() {
        let got = err("redis+sentinel://a,b/s?auth=hunter2&sentinel_auth=hunter3&x=1");
        assert!(
            got.contains("\"redis+sentinel://a,b/s?auth=***&sentinel_auth=***&x=1\""),
            "{got}"
        );
        assert!(!got.contains("hunter"), "{got}");
        let got = err("redis+sentinel://u:hunter2@a/s");
        assert!(!got.contains("hunter2"), "{got}");
    }

    #[test]
    fn long_prefix_is_refused() {
        let got = err(&format!("redis://h?prefix={}", "x".repeat(600)));
        assert!(
            got.contains("prefix is 600 bytes long (at most 512)"),
            "{got}"
        );
    }
}
