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
