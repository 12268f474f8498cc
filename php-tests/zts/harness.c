/*
 * A threaded PHP in miniature, as FrankenPHP or Apache's worker MPM run it: the embed SAPI of a
 * thread-safe (ZTS) PHP, one process, THREADS threads each serving REQUESTS requests (its own
 * TSRM context, php_request_startup, a script, php_request_shutdown), all with rsession loaded
 * once for the process. Built and run by scripts/zts-test.sh.
 *
 *   harness PHP_INI SCRIPT_DIR THREADS REQUESTS MODE STALL_MS FORK_EVERY
 *
 * PHP_INI loads rsession and names the store (extension=, session.save_handler, save_path).
 * Each request runs SCRIPT_DIR/request.php: a locked increment of the thread's own session and
 * one of a session all threads share, and, every FORK_EVERY-th request, a pcntl_fork() whose
 * child runs a session cycle of its own. MODE is 'within' (timeouts longer than the stall) or
 * 'beyond' (the default timeouts, shorter). With STALL_MS > 0, once a third of the requests are
 * done, the driver (this main thread) stalls the store: Redis CLIENT PAUSE STALL_MS ALL on
 * 127.0.0.1:$RSESSION_TEST_REDIS_PORT. At the end SCRIPT_DIR/verify.php, in the main thread,
 * reads the sessions back and prints the report, ending with "zts-harness: N passed, M failed".
 * A thread still busy 120 s after the start is a hang: reported as a failure, and the process
 * ends without waiting for it.
 */
#define _GNU_SOURCE /* memrchr, which the Zend headers use */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <sapi/embed/php_embed.h>
#include <main/php_main.h>
#include <main/SAPI.h>
#include <Zend/zend_exceptions.h>

#define RUN_DEADLINE_SECONDS 120

/* What request.php counts, added up over every request ($R's keys). */
static const char *const COUNTS[] = {
	"starts_failed", "writes_failed", "landed_before_retry", "gave_up", "forks",
	"fork_children_failed", "fork_children_hung", "fork_writes_missing", "fork_failed",
};
#define NCOUNTS (sizeof(COUNTS) / sizeof(COUNTS[0]))
/* ... and the largest value of these. */
static const char *const MAXIMUMS[] = {"slowest_failure_ms", "slowest_start_ms"};
#define NMAXIMUMS (sizeof(MAXIMUMS) / sizeof(MAXIMUMS[0]))

static char request_script[4096], verify_script[4096], run_id[64];
static const char *mode;
static int threads, requests, fork_every;
static pid_t main_pid;

static atomic_int requests_done, threads_done;
static long totals[NCOUNTS], maximums[NMAXIMUMS], requests_broken;
static pthread_mutex_t totals_lock = PTHREAD_MUTEX_INITIALIZER;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long array_long(HashTable *ht, const char *key)
{
	zval *zv = zend_hash_str_find(ht, key, strlen(key));
	return zv ? zval_get_long(zv) : 0;
}

/*
 * Runs SCRIPT in the current request after PARAMS (PHP assignments); returns the global array
 * named RESULT, or NULL. In a child forked by the script, ends the child with its exit status.
 */
static HashTable *run_script(const char *params, const char *script, const char *result)
{
	HashTable *out = NULL;
	zend_eval_string((char *) params, NULL, "harness parameters");
	zend_file_handle file;
	zend_stream_init_filename(&file, script);
	php_execute_script(&file);
	zend_destroy_file_handle(&file);
	if (getpid() != main_pid) {
		/* A child forked by the script, done (exit()): never back into the harness's loop. */
		_exit(EG(exit_status));
	}
	zval *zv = zend_hash_str_find(&EG(symbol_table), result, strlen(result));
	if (zv) {
		ZVAL_DEREF(zv);
		if (Z_TYPE_P(zv) == IS_ARRAY) {
			out = Z_ARRVAL_P(zv);
		}
	}
	return out;
}

/* One request in this thread: startup, request.php, the counts added up, shutdown. */
static void serve(int thread, int request)
{
	SG(options) |= SAPI_OPTION_NO_CHDIR;
	if (php_request_startup() == FAILURE) {
		pthread_mutex_lock(&totals_lock);
		requests_broken++;
		pthread_mutex_unlock(&totals_lock);
		return;
	}
	SG(headers_sent) = 1;
	SG(request_info).no_headers = 1;
	char params[512];
	snprintf(params, sizeof params, "$RUN = '%s'; $T = %d; $I = %d; $MODE = '%s'; $FORK = %s;",
		run_id, thread, request, mode,
		fork_every > 0 && request % fork_every == fork_every - 1 ? "true" : "false");
	zend_first_try {
		HashTable *r = run_script(params, request_script, "R");
		pthread_mutex_lock(&totals_lock);
		if (r) {
			for (size_t i = 0; i < NCOUNTS; i++) {
				totals[i] += array_long(r, COUNTS[i]);
			}
			for (size_t i = 0; i < NMAXIMUMS; i++) {
				long value = array_long(r, MAXIMUMS[i]);
				maximums[i] = value > maximums[i] ? value : maximums[i];
			}
		} else {
			requests_broken++; /* request.php died before its end: the output says why */
		}
		pthread_mutex_unlock(&totals_lock);
	} zend_end_try();
	if (getpid() != main_pid) {
		_exit(98); /* a forked child that bailed out */
	}
	php_request_shutdown(NULL);
}

static void *worker(void *arg)
{
	int thread = (int) (intptr_t) arg;
	/* This thread's own TSRM context (its globals), as every threaded SAPI makes one. */
	(void) ts_resource(0);
	for (int i = 0; i < requests; i++) {
		serve(thread, i);
		atomic_fetch_add(&requests_done, 1);
	}
	ts_free_thread();
	atomic_fetch_add(&threads_done, 1);
	return NULL;
}

/* CLIENT PAUSE <ms> ALL on the test Redis: every client's commands wait that long. */
static int stall_store(int ms)
{
	const char *port = getenv("RSESSION_TEST_REDIS_PORT");
	if (!port) {
		fprintf(stderr, "harness: RSESSION_TEST_REDIS_PORT is not set\n");
		return -1;
	}
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t) atoi(port))};
	struct timeval tv = {.tv_sec = 5};
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	char cmd[128], reply[128] = "";
	int len = snprintf(cmd, sizeof cmd, "*4\r\n$6\r\nCLIENT\r\n$5\r\nPAUSE\r\n$%d\r\n%d\r\n$3\r\nALL\r\n",
		snprintf(NULL, 0, "%d", ms), ms);
	ssize_t got = -1;
	if (connect(fd, (struct sockaddr *) &sa, sizeof sa) == 0 && write(fd, cmd, (size_t) len) == len) {
		got = read(fd, reply, sizeof reply - 1);
	}
	close(fd);
	if (got < 3 || strncmp(reply, "+OK", 3) != 0) {
		fprintf(stderr, "harness: CLIENT PAUSE on 127.0.0.1:%s failed: %s\n", port, got < 0 ? strerror(errno) : reply);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 8) {
		fprintf(stderr, "usage: %s PHP_INI SCRIPT_DIR THREADS REQUESTS MODE STALL_MS FORK_EVERY\n", argv[0]);
		return 2;
	}
	const char *ini = argv[1];
	snprintf(request_script, sizeof request_script, "%s/request.php", argv[2]);
	snprintf(verify_script, sizeof verify_script, "%s/verify.php", argv[2]);
	threads = atoi(argv[3]);
	requests = atoi(argv[4]);
	mode = argv[5];
	int stall_ms = atoi(argv[6]);
	fork_every = atoi(argv[7]);
	if (threads < 1 || requests < 1 || (strcmp(mode, "within") != 0 && strcmp(mode, "beyond") != 0)) {
		fprintf(stderr, "harness: bad arguments\n");
		return 2;
	}
	main_pid = getpid();
	snprintf(run_id, sizeof run_id, "zts%lx%lx", (long) main_pid, (long) time(NULL));

	/* The embed SAPI replaces ini_entries; a php.ini named here is read like `php -c`. */
	php_embed_module.php_ini_path_override = (char *) ini;
	if (php_embed_init(argc, argv) == FAILURE) {
		fprintf(stderr, "harness: php_embed_init failed\n");
		return 1;
	}
	/* The main thread keeps the request php_embed_init started, for verify.php at the end. */
	SG(headers_sent) = 1;
	SG(request_info).no_headers = 1;
	int status = 1;
	zend_first_try {
		zval loaded;
		if (zend_eval_string("extension_loaded('rsession') && ini_get('session.save_handler') === 'rsession'",
				&loaded, "harness check") == FAILURE || !zend_is_true(&loaded)) {
			fprintf(stderr, "harness: rsession is not loaded and set as the save handler by %s\n", ini);
			goto end;
		}

		pthread_t *ids = calloc((size_t) threads, sizeof *ids);
		double started = now();
		for (int t = 0; t < threads; t++) {
			if (pthread_create(&ids[t], NULL, worker, (void *) (intptr_t) t) != 0) {
				fprintf(stderr, "harness: cannot start thread %d\n", t);
				_exit(1);
			}
		}
		int total = threads * requests, stalled = 0;
		while (atomic_load(&threads_done) < threads && now() - started < RUN_DEADLINE_SECONDS) {
			if (stall_ms > 0 && !stalled && atomic_load(&requests_done) >= total / 3) {
				if (stall_store(stall_ms) != 0) {
					_exit(1);
				}
				stalled = 1;
			}
			usleep(2000);
		}
		double seconds = now() - started;
		if (atomic_load(&threads_done) < threads) {
			printf("zts-harness: %d threads x %d requests: %d of %d threads still busy after %d s, %d of %d requests done\n",
				threads, requests, threads - atomic_load(&threads_done), threads, RUN_DEADLINE_SECONDS,
				atomic_load(&requests_done), total);
			printf("zts-harness: 0 passed, 1 failed\n");
			fflush(stdout);
			_exit(1);
		}
		for (int t = 0; t < threads; t++) {
			pthread_join(ids[t], NULL);
		}
		free(ids);

		/* The totals as a PHP array for verify.php. */
		char params[2048];
		int n = snprintf(params, sizeof params,
			"$RUN = '%s'; $THREADS = %d; $REQUESTS = %d; $MODE = '%s'; $STALL_MS = %d; $SECONDS = %.3f; "
			"$R = ['requests_broken' => %ld",
			run_id, threads, requests, mode, stalled ? stall_ms : 0, seconds, requests_broken);
		for (size_t i = 0; i < NCOUNTS; i++) {
			n += snprintf(params + n, sizeof params - (size_t) n, ", '%s' => %ld", COUNTS[i], totals[i]);
		}
		for (size_t i = 0; i < NMAXIMUMS; i++) {
			n += snprintf(params + n, sizeof params - (size_t) n, ", '%s' => %ld", MAXIMUMS[i], maximums[i]);
		}
		snprintf(params + n, sizeof params - (size_t) n, "];");
		HashTable *unused = run_script(params, verify_script, "R");
		(void) unused;
		zval *failed = zend_hash_str_find(&EG(symbol_table), "FAILED", sizeof "FAILED" - 1);
		if (failed && zval_get_long(failed) == 0) {
			status = 0;
		}
end:;
	} zend_end_try();
	fflush(stdout);
	php_embed_shutdown();
	return status;
}
