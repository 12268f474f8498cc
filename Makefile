# rsession: `make test` on a fresh Debian machine installs what is missing, builds and tests.
SO        := target/release/librsession.so
# The PHP to install into, through its php-config (another installed version: PHP_CONFIG=php-config8.3).
PHP_CONFIG  ?= php-config
PHP_VERSION := $(shell $(PHP_CONFIG) --version 2>/dev/null | cut -d. -f1,2)
# Given another php-config (PHP_CONFIG=/opt/php-zts/bin/php-config, or a name in PATH), the build
# takes it by its full path, as ext-php-rs wants it, and asks the PHP binary next to it
# (php-config --php-binary) whether it is thread-safe (ZTS), unless PHP names another binary.
# Left alone, cargo finds php-config and php in PATH, as `cargo build` does.
ifneq ($(origin PHP_CONFIG),file)
override PHP_CONFIG := $(or $(shell command -v $(PHP_CONFIG) 2>/dev/null),$(PHP_CONFIG))
export PHP_CONFIG
PHP ?= $(shell $(PHP_CONFIG) --php-binary 2>/dev/null)
ifneq ($(PHP),)
export PHP
endif
endif
EXT_DIR     ?= $(shell $(PHP_CONFIG) --extension-dir 2>/dev/null)
PHP_CONF    ?= /etc/php/$(PHP_VERSION)
# The configuration files Debian's phpenmod links into each SAPI's conf.d.
MOD_INI     := $(PHP_CONF)/mods-available/rsession.ini
SOURCES     := $(shell find src -name '*.rs' -o -name '*.h') build.rs Cargo.toml Cargo.lock

.PHONY: all deps build test phpt ext-session install uninstall deb demo bench clean

all: build

deps:
	scripts/deps.sh

build: deps
	cargo build --release

test: build
	scripts/rust-version.sh --check
	scripts/test.sh

# The phpt suite alone, against servers already started with `scripts/servers.sh start`.
phpt:
	scripts/phpt.sh

# PHP's own ext/session tests with rsession as the handler, against servers already started.
ext-session:
	scripts/ext-session.sh

# install rebuilds only when a source is newer than the library: `make build` as the user who
# has Rust, then `sudo make install`, needs no Rust for root.
$(SO): $(SOURCES)
	$(MAKE) build
	@touch $@  # cargo may find nothing to rebuild (e.g. only Cargo.toml's date changed)

# Loads the extension through conf.d (Debian's phpenmod) for every SAPI of this PHP version, so
# php.ini must not load it again; then checks that the CLI and php-fpm load it once, quietly.
install: $(SO)
	@[ -n "$(EXT_DIR)" ] || { echo "install: $(PHP_CONFIG) not found: install php$(or $(PHP_VERSION),8.2)-dev"; exit 1; }
	@$(call not_packaged,install)
	install -D -m 0755 $(SO) $(EXT_DIR)/rsession.so
	mkdir -p $(dir $(MOD_INI))
	printf '; priority=30\nextension=rsession\n' > $(MOD_INI)
	@if command -v phpenmod >/dev/null && [ "$(PHP_CONF)" = /etc/php/$(PHP_VERSION) ]; then \
	  echo "phpenmod -v $(PHP_VERSION) rsession"; phpenmod -v $(PHP_VERSION) rsession; \
	else \
	  echo "install: no Debian phpenmod for $(PHP_CONF): load it with one extension=rsession line in php.ini"; \
	fi
	@status=0; for php in php$(PHP_VERSION) php-fpm$(PHP_VERSION); do \
	  command -v $$php >/dev/null || continue; \
	  out=$$($$php -m 2>&1); \
	  if printf '%s\n' "$$out" | grep -i 'rsession' | grep -qi 'warning\|already loaded\|unable'; then \
	    echo "install: $$php warns at startup:"; printf '%s\n' "$$out" | grep -i rsession | grep -iv '^rsession$$'; \
	    echo "  extension=rsession lines besides $(MOD_INI) (remove them; conf.d loads it):"; \
	    grep -rnE '^[^;#]*extension\]?[[:space:]]*=[^;#]*rsession' $(PHP_CONF) --include='*.ini' --include='*.conf' | grep -v '^$(MOD_INI):' | sed 's/^/    /'; \
	    status=1; \
	  elif ! printf '%s\n' "$$out" | grep -qx rsession; then \
	    echo "install: $$php does not load rsession (not enabled for its SAPI?)"; \
	  fi; \
	done; [ $$status -eq 0 ]
	@echo "installed $(EXT_DIR)/rsession.so, loaded by $(MOD_INI)."
	@echo "Set session.save_handler = rsession and session.save_path in php.ini (not extension=rsession),"
	@echo "then reload php-fpm, which loads extensions only when it starts: systemctl reload php$(PHP_VERSION)-fpm"

# Undoes install: the conf.d links and phpenmod's records, the ini, the library. phpdismod needs
# the ini to act and removes only the <priority>-rsession.ini links, so any other link to the ini
# (even one left pointing nowhere) and the records go by hand, whether phpdismod ran or not.
uninstall:
	@[ -n "$(EXT_DIR)" ] || { echo "uninstall: $(PHP_CONFIG) not found: install php$(or $(PHP_VERSION),8.2)-dev"; exit 1; }
	@$(call not_packaged,uninstall)
	@if command -v phpdismod >/dev/null && [ -f $(MOD_INI) ] && [ "$(PHP_CONF)" = /etc/php/$(PHP_VERSION) ]; then \
	  echo "phpdismod -v $(PHP_VERSION) rsession"; phpdismod -v $(PHP_VERSION) rsession; \
	fi
	@find $(PHP_CONF) -type l 2>/dev/null | while read -r link; do \
	  if [ "$$(readlink -m "$$link")" = "$(MOD_INI)" ]; then echo "rm $$link"; rm -f "$$link"; fi; \
	done
	rm -f /var/lib/php/modules/$(PHP_VERSION)/*/enabled_by_*/rsession /var/lib/php/modules/$(PHP_VERSION)/*/disabled_by_*/rsession \
	  /var/lib/php/modules/$(PHP_VERSION)/registry/rsession
	rm -f $(MOD_INI) $(EXT_DIR)/rsession.so
	@left=$$(grep -rlE '^[[:space:]]*session\.save_handler[[:space:]]*=[[:space:]]*"?rsession' $(PHP_CONF) 2>/dev/null || true); \
	if [ -n "$$left" ]; then echo "uninstall: session.save_handler is still rsession in:"; echo "$$left" | sed 's/^/    /'; fi
	@echo "removed rsession; reload php-fpm, which still has it loaded: systemctl reload php$(PHP_VERSION)-fpm"

# install and uninstall leave the Debian package's files to dpkg: $(call not_packaged,target).
not_packaged = status=$$(dpkg-query -W -f='$${db:Status-Status}' rsession 2>/dev/null || true); \
	case "$$status" in ''|not-installed|config-files) ;; *) \
	  echo "$(1): the rsession Debian package ($$status) owns $(EXT_DIR)/rsession.so and $(MOD_INI):"; \
	  echo "  apt-get remove rsession first"; exit 1;; \
	esac

# The Debian package of the library for this PHP (needs no Rust where it is installed):
# target/deb/rsession_<version>-1_<arch>.deb; apt install ./target/deb/rsession_*.deb
deb: $(SO)
	PHP_CONFIG=$(PHP_CONFIG) scripts/deb.sh $(SO)

demo: build
	scripts/demo.sh

# rsession against phpredis, php-memcached, pecl memcache and files: writes bench/results.md.
bench: build
	bench/run.sh

clean:
	cargo clean
	rm -rf .run
