//! What a Redis pool's slot holds: a connection to one server, or to a whole cluster. The store
//! runs the same commands and scripts over either; only how they reach a server differs.

use redis::{cluster::ClusterConnection, ConnectionLike, RedisResult, Value};

use super::{
    cluster::{self, Node},
    conn::Conn,
};
use crate::store::pool::Timeouts;

pub enum Link {
    Server(Conn),
    Cluster(Box<ClusterConnection<Node>>),
}

impl Link {
    /// Round trips from now on must be over within `timeouts.read` (no system call).
    pub fn retime(&mut self, timeouts: &Timeouts) -> RedisResult<()> {
        match self {
            Link::Server(c) => {
                c.set_round_trip_timeout(timeouts.read);
                Ok(())
            }
            Link::Cluster(c) => cluster::retime(c, timeouts),
        }
    }

    /// Sends `cmd` without waiting for its reply, on one server's connection only (see
    /// RedisStore::run_holding); false where that is not possible.
    pub fn send_without_reply(&mut self, cmd: &[u8]) -> bool {
        match self {
            Link::Server(c) => c.send_packed_command(cmd).is_ok(),
            Link::Cluster(_) => false,
        }
    }
}

impl ConnectionLike for Link {
    /// A cluster routes a command by its key: handed the command itself, it reads the key from
    /// it, where a packed command would be parsed back whole (the session's data with it).
    fn req_command(&mut self, cmd: &redis::Cmd) -> RedisResult<Value> {
        match self {
            Link::Server(c) => c.req_command(cmd),
            Link::Cluster(c) => c.req_command(cmd),
        }
    }

    fn req_packed_command(&mut self, cmd: &[u8]) -> RedisResult<Value> {
        match self {
            Link::Server(c) => c.req_packed_command(cmd),
            Link::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands(
        &mut self,
        cmd: &[u8],
        offset: usize,
        count: usize,
    ) -> RedisResult<Vec<Value>> {
        match self {
            Link::Server(c) => c.req_packed_commands(cmd, offset, count),
            Link::Cluster(c) => c
                .req_packed_commands(cmd, offset, count)
                .map(cluster::reveal_errors),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Link::Server(c) => c.get_db(),
            Link::Cluster(c) => c.get_db(),
        }
    }

    fn check_connection(&mut self) -> bool {
        match self {
            Link::Server(c) => c.check_connection(),
            Link::Cluster(c) => c.check_connection(),
        }
    }

    fn is_open(&self) -> bool {
        match self {
            Link::Server(c) => c.is_open(),
            Link::Cluster(c) => c.is_open(),
        }
    }
}
