//! Server-side scripts, run by their hash and sent whole only to a server that lacks them.
//!
//! The redis crate's `Script` answers NOSCRIPT with `SCRIPT LOAD`, which a cluster connection
//! sends to every master: one master that was stalled or dead then failed the scripts of
//! sessions on all the others (a lock taken on a healthy master could not be released, and
//! stayed until it expired). A script cache is per node and starts empty on a node that
//! restarted or was just promoted, so this happens. Here NOSCRIPT is answered with `EVAL` of the
//! same call instead, routed like it to the session's node, which caches the script there: one
//! extra round trip on that node's first use, as before, and no other node involved.

use redis::{Cmd, ConnectionLike, ErrorKind, FromRedisValue, RedisResult, ServerErrorKind};

pub struct Lua {
    code: &'static str,
    hash: String,
}

/// One call of a script: its keys and arguments, each already a Redis argument.
pub struct LuaCall<'a> {
    lua: &'a Lua,
    keys: Vec<Vec<u8>>,
    args: Vec<Vec<u8>>,
}

impl Lua {
    pub fn new(code: &'static str) -> Self {
        Lua {
            code,
            hash: redis::Script::new(code).get_hash().to_owned(),
        }
    }

    pub fn key(&self, key: impl redis::ToRedisArgs) -> LuaCall<'_> {
        LuaCall {
            lua: self,
            keys: Vec::new(),
            args: Vec::new(),
        }
        .key(key)
    }
}

impl LuaCall<'_> {
    pub fn key(mut self, key: impl redis::ToRedisArgs) -> Self {
        self.keys.extend(key.to_redis_args());
        self
    }

    pub fn arg(mut self, arg: impl redis::ToRedisArgs) -> Self {
        self.args.extend(arg.to_redis_args());
        self
    }

    /// `EVAL` of this call, with the script whole: also for a batch, where NOSCRIPT could not
    /// be answered.
    pub fn eval_cmd(&self) -> Cmd {
        self.cmd("EVAL", self.lua.code)
    }

    fn cmd(&self, name: &str, script: &str) -> Cmd {
        let mut cmd = redis::cmd(name);
        cmd.arg(script).arg(self.keys.len());
        for part in self.keys.iter().chain(&self.args) {
            cmd.arg(part.as_slice());
        }
        cmd
    }

    /// `EVALSHA`, and `EVAL` on the same node where the script is not cached.
    pub fn invoke<T: FromRedisValue>(&self, c: &mut dyn ConnectionLike) -> RedisResult<T> {
        match self.cmd("EVALSHA", &self.lua.hash).query(c) {
            Err(e) if e.kind() == ErrorKind::Server(ServerErrorKind::NoScript) => {
                self.eval_cmd().query(c)
            }
            reply => reply,
        }
    }
}
