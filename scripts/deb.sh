#!/usr/bin/env bash
# Builds the Debian package of rsession for the PHP that php-config describes, from the library
# already built: target/deb/rsession_<version>-<revision>_<arch>.deb, with plain dpkg-deb.
#   scripts/deb.sh [library]    (default target/release/librsession.so; `make deb` builds it first)
# Environment: PHP_CONFIG (default php-config), DEB_REVISION (default 1), DEB_DIR (default target/deb).
# Prints the package's path on its last line.
#
# The package holds the stripped library in PHP's extension directory and
# /etc/php/<ver>/mods-available/rsession.ini; its postinst enables it for every SAPI of that PHP
# and its prerm disables it, the way Debian's own extension packages do (php-maintscript-helper).
# It depends on the PHP API it was built for (phpapi-<api>, which Debian's php<ver>-cli, -fpm,
# -cgi... provide), on php<ver>-common (phpenmod and the helper come with it) and on the shared
# libraries the library links, as dpkg-shlibdeps computes them.
#
# `apt remove` leaves nothing behind, so:
# - rsession.ini is not a conffile. dpkg keeps a conffile after `apt remove` until purge, and one
#   an administrator deleted is not restored on reinstall. The file only loads the library;
#   settings belong in php.ini or a pool's configuration (README, Install), and an edit to
#   rsession.ini is replaced by the next upgrade.
# - The prerm does the whole cleanup on remove (conf.d links, phpenmod's state and registry),
#   before dpkg deletes the files, so no PHP starting meanwhile finds a link to a library that is
#   gone. With no postrm and no conffile, dpkg forgets the package at once: no "rc" state.
#   The cost: an administrator's `phpdismod rsession` is forgotten too when the package is removed.
set -euo pipefail
cd "$(dirname "$0")/.."
so=${1:-target/release/librsession.so}
php_config=${PHP_CONFIG:-php-config}
out=${DEB_DIR:-target/deb}

fail() { echo "deb: $*" >&2; exit 1; }
[ -f "$so" ] || fail "$so is missing: run 'make build'"
command -v "$php_config" >/dev/null || fail "$php_config not found: install php8.2-dev"
for tool in dpkg-deb dpkg-shlibdeps strip; do
  command -v "$tool" >/dev/null || fail "$tool not found: install dpkg-dev and binutils (make deps)"
done

# The first version line of Cargo.toml is [package]'s.
upstream=$(sed -n 's/^version *= *"\([^"]*\)".*/\1/p' Cargo.toml | head -n 1)
[ -n "$upstream" ] || fail "no version in Cargo.toml"
version=$upstream-${DEB_REVISION:-1}
arch=$(dpkg --print-architecture)
php_version=$("$php_config" --version | cut -d. -f1,2)
ext_dir=$("$php_config" --extension-dir)
phpapi=$("$php_config" --phpapi)
php_bin=$("$php_config" --php-binary)
[ -n "$php_version" ] && [ -n "$ext_dir" ] && [ -n "$phpapi" ] || fail "$php_config says too little"
# dpkg-deb dates the files by this (reproducible builds): the commit's date when there is one.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

mkdir -p "$out"
work=$(mktemp -d "$out/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
# dpkg-shlibdeps wants a source tree: debian/control, and the package's files under debian/<package>.
root=$work/debian/rsession
install -d -m 0755 "$root/DEBIAN" "$root$ext_dir" "$root/etc/php/$php_version/mods-available"
# Debian installs shared libraries stripped, mode 0644 (dh_strip, dh_fixperms).
install -m 0644 "$so" "$root$ext_dir/rsession.so"
strip --strip-unneeded --remove-section=.comment "$root$ext_dir/rsession.so"
"$php_bin" -n -d "extension=$root$ext_dir/rsession.so" -r 'exit(extension_loaded("rsession") ? 0 : 1);' ||
  fail "the stripped library does not load in $php_bin"
# The same two lines as make install writes; phpenmod reads the priority (conf.d/30-rsession.ini).
printf '; priority=30\nextension=rsession\n' > "$root/etc/php/$php_version/mods-available/rsession.ini"
chmod 0644 "$root/etc/php/$php_version/mods-available/rsession.ini"

printf 'Source: rsession\n\nPackage: rsession\nArchitecture: any\n' > "$work/debian/control"
# Warnings off: a PHP extension uses PHP's own symbols, which no library provides.
shlibs=$(cd "$work" && dpkg-shlibdeps -O --warnings=0 "-edebian/rsession$ext_dir/rsession.so" |
  sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || fail "dpkg-shlibdeps found no library dependencies for $so"

installed_size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<EOF
Package: rsession
Version: $version
Architecture: $arch
Maintainer: ${DEB_MAINTAINER:-rsession developers <rsession@invalid>}
Installed-Size: $installed_size
Depends: php$php_version-common, phpapi-$phpapi, $shlibs
Section: php
Priority: optional
Description: PHP $php_version session save handler for Redis and memcached
 rsession registers session.save_handler = rsession: PHP sessions shared by
 load-balanced servers, stored in Redis (one server, Sentinel or Cluster) or
 memcached, with session locking, compression and encryption at rest.
 .
 The package enables the extension for every SAPI of PHP $php_version (phpenmod);
 set session.save_handler and session.save_path in php.ini to use it.
EOF

cat > "$root/DEBIAN/postinst" <<EOF
#!/bin/sh
# Enables rsession for every SAPI of PHP $php_version (conf.d/30-rsession.ini links) and registers it,
# so that a SAPI installed later gets it too; a module an administrator disabled stays disabled.
set -e
case "\$1" in
  configure|abort-upgrade|abort-remove|abort-deconfigure)
    if [ -e /usr/lib/php/php-maintscript-helper ]; then
      . /usr/lib/php/php-maintscript-helper
      php_invoke enmod $php_version ALL rsession || exit 1
    else
      phpenmod -v $php_version rsession
    fi
    ;;
esac
exit 0
EOF

cat > "$root/DEBIAN/prerm" <<EOF
#!/bin/sh
# Upgrade: disables rsession before the new version's postinst enables it again (the ini's
# priority may change). Remove: disables it, then clears everything phpenmod keeps about it,
# admin's choices included, and any other link to rsession.ini under /etc/php/$php_version: the
# package leaves nothing behind, so it has no postrm (see scripts/deb.sh).
set -e
case "\$1" in
  remove|upgrade)
    if [ -e /usr/lib/php/php-maintscript-helper ]; then
      . /usr/lib/php/php-maintscript-helper
      php_invoke dismod $php_version ALL rsession || exit 1
    elif command -v phpdismod >/dev/null; then
      phpdismod -v $php_version rsession
    fi
    ;;
esac
if [ "\$1" = remove ]; then
  rm -f /var/lib/php/modules/$php_version/*/enabled_by_*/rsession \\
        /var/lib/php/modules/$php_version/*/disabled_by_*/rsession \\
        /var/lib/php/modules/$php_version/registry/rsession
  find /etc/php/$php_version -type l 2>/dev/null | while read -r link; do
    if [ "\$(readlink -m "\$link")" = /etc/php/$php_version/mods-available/rsession.ini ]; then
      rm -f "\$link"
    fi
  done
fi
exit 0
EOF
chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm"
(cd "$root" && find . -type f ! -path './DEBIAN/*' -printf '%P\n' | sort | xargs md5sum > DEBIAN/md5sums)
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"

# One package in the directory: `apt install ./target/deb/rsession_*.deb` must name one file.
rm -f "$out"/rsession_*.deb
deb=$out/rsession_${version}_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "deb: built $deb (PHP $php_version, API $phpapi; $(du -k "$deb" | cut -f1) KiB)"
echo "$deb"
