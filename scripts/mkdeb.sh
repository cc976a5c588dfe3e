#!/usr/bin/env bash
# Builds BIN/golibcare_VERSION_amd64.deb with dpkg-deb from `make install`
# into a staging root: the tools, execve.so, man pages, completions, the
# systemd units and the sysusers file, laid out as Debian 12 expects.
# Usage: scripts/mkdeb.sh BIN VERSION
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$1 version=$2
# DEB_MAINTAINER names who answers for the package (Name <mail>).
maintainer=${DEB_MAINTAINER:-golibcare developers <golibcare@example.org>}
root=$(realpath -m "$bin/deb")
rm -rf "$root"
${MAKE:-make} --no-print-directory install BIN="$bin" DESTDIR="$root" PREFIX=/usr \
	UNITDIR=/lib/systemd/system ZSHCOMPDIR=/usr/share/zsh/vendor-completions \
	MANCOMPRESS="gzip -9n" VERSION="$version" GOSTRIP="-s -w" >/dev/null
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root"/usr/lib/libcare/execve.so

doc=$root/usr/share/doc/golibcare
install -d "$doc" "$root/usr/share/lintian/overrides" "$root/DEBIAN"
cat >"$doc/copyright" <<'END'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: golibcare
Comment: A Go implementation of LibcarePlus user-space live patching. The
 project has not chosen a license file yet; this package is for the
 project's own machines.

Files: *
Copyright: 2026 the golibcare developers
License: none-yet
 No license has been granted yet.
END
date=$(date -R -d "@${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")
printf 'golibcare (%s) unstable; urgency=medium\n\n  * Built from %s.\n\n -- %s  %s\n' \
	"$version" "$(scripts/version.sh -r)" "$maintainer" "$date" | gzip -9n >"$doc/changelog.gz"
# Go links its tools statically on purpose (see the Makefile).
for t in "$root"/usr/bin/*; do
	echo "golibcare: statically-linked-binary [usr/bin/${t##*/}]"
done >"$root/usr/share/lintian/overrides/golibcare"
chmod 0644 "$doc/copyright" "$doc/changelog.gz" "$root/usr/share/lintian/overrides/golibcare"

cat >"$root/DEBIAN/postinst" <<'END'
#!/bin/sh
set -e
# The group of /run/libcare/libcare.sock (libcare.socket).
if [ "$1" = configure ] && command -v systemd-sysusers >/dev/null 2>&1; then
	systemd-sysusers libcare.conf || true
fi
END
chmod 0755 "$root/DEBIAN/postinst"

(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<END
Package: golibcare
Version: $version
Architecture: amd64
Maintainer: $maintainer
Installed-Size: $size
Depends: libc6 (>= 2.34)
Recommends: gcc, binutils, make, patch
Section: admin
Priority: optional
Description: live patching of running user-space processes
 golibcare fixes a bug in a running Linux process without restarting it,
 compatible with LibcarePlus: libcare-patch-make builds .kpatch files from
 a project and a diff (through libcare-cc, kpatch_gensrc, kpatch_strip and
 kpatch_make), libcare-ctl applies, lists and cancels them through ptrace,
 and its server (libcare.socket) does so for libcare-client and for new
 processes.
END
find "$root" -type d -exec chmod 0755 {} +
dpkg-deb --root-owner-group -Z"${DEBCOMPRESS:-xz}" --build "$root" "$bin/golibcare_${version}_amd64.deb" >/dev/null
echo "$bin/golibcare_${version}_amd64.deb"
