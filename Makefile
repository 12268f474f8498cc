# rsession: `make test` on a fresh Debian machine installs what is missing, builds and tests.
SO        := target/release/librsession.so
EXT_DIR    = $(shell php-config --extension-dir)
PHP_CONF  ?= /etc/php/8.2

.PHONY: all deps build test phpt ext-session install demo bench clean

all: build

deps:
	scripts/deps.sh

build: deps
	cargo build --release

test: build
	scripts/test.sh

# The phpt suite alone, against servers already started with `scripts/servers.sh start`.
phpt:
	scripts/phpt.sh

# PHP's own ext/session tests with rsession as the handler, against servers already started.
ext-session:
	scripts/ext-session.sh

install: build
	install -m 0755 $(SO) $(EXT_DIR)/rsession.so
	mkdir -p $(PHP_CONF)/mods-available
	printf '; priority=30\nextension=rsession\n' > $(PHP_CONF)/mods-available/rsession.ini
	command -v phpenmod >/dev/null && phpenmod rsession || true
	@echo "installed $(EXT_DIR)/rsession.so; set session.save_handler = rsession in php.ini"

demo: build
	scripts/demo.sh

# rsession against phpredis, php-memcached, pecl memcache and files: writes bench/results.md.
bench: build
	bench/run.sh

clean:
	cargo clean
	rm -rf .run
