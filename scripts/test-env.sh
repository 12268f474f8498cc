# Sourced: where the test servers live. Override RSESSION_TEST_PORT_BASE to move them all.
RSESSION_RUN=${RSESSION_RUN:-$PWD/.run}
base=${RSESSION_TEST_PORT_BASE:-16379}
export RSESSION_RUN
export RSESSION_TEST_REDIS_PORT=$base
export RSESSION_TEST_REDIS_AUTH_PORT=$((base + 1))
# Nothing listens here: the "store is down" port.
export RSESSION_TEST_DOWN_PORT=$((base + 11))
export RSESSION_TEST_REDIS_SOCKET=$RSESSION_RUN/plain/redis.sock
export RSESSION_TEST_REDIS_PASSWORD=rsession-test-pw
export RSESSION_TEST_REDIS_ACL_USER=alice
export RSESSION_TEST_REDIS_ACL_PASSWORD=alice-test-pw
export RSESSION_TEST_MEMCACHED_PORTS="$((base + 2)),$((base + 3)),$((base + 4))"
export RSESSION_TEST_MEMCACHED_SOCKET=$RSESSION_RUN/memcached/memcached.sock
# The transports the phpt suite runs over, once each: TCP on 127.0.0.1, unix sockets, and TCP on
# [::1] where this machine has IPv6 loopback.
if grep -qs '^0\{31\}1 ' /proc/net/if_inet6; then
  RSESSION_TEST_IPV6=1
else
  RSESSION_TEST_IPV6=0
fi
export RSESSION_TEST_IPV6
if [ "$RSESSION_TEST_IPV6" = 1 ]; then
  export RSESSION_TEST_TRANSPORTS=${RSESSION_TEST_TRANSPORTS:-tcp unix tcp6}
else
  export RSESSION_TEST_TRANSPORTS=${RSESSION_TEST_TRANSPORTS:-tcp unix}
fi
