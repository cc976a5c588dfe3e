#!/usr/bin/env bash
# Installs the Debian packages the tests and the demo need, when missing;
# `deps.sh deb`: those `make deb` needs (the build, lintian).
set -euo pipefail
need=()
if [ "${1:-}" = deb ]; then
	command -v gcc >/dev/null || need+=(gcc)
	command -v make >/dev/null || need+=(make)
	command -v lintian >/dev/null || need+=(lintian)
else
	command -v gcc >/dev/null || need+=(gcc)
	command -v g++ >/dev/null || need+=(g++)
	command -v make >/dev/null || need+=(make)
	command -v strip >/dev/null || need+=(binutils)
	command -v readelf >/dev/null || need+=(binutils)
	command -v patch >/dev/null || need+=(patch) # diff forms are checked against GNU patch
	# internal/seccomp checks its interpreter on filters libseccomp compiles.
	[ -e /usr/include/seccomp.h ] || need+=(libseccomp-dev)
	command -v dpkg-buildflags >/dev/null || need+=(dpkg-dev) # the Debian-flags build tests
	# libcare-patch-make's tests build CMake, meson/ninja and autotools-style projects.
	command -v cmake >/dev/null || need+=(cmake)
	command -v meson >/dev/null || need+=(meson)
	command -v ninja >/dev/null || need+=(ninja-build)
	command -v man >/dev/null || need+=(man-db) # internal/cli/mangen renders the man pages
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing ${need[*]}: install them (apt-get install -y ${need[*]})" >&2
	exit 1
fi
echo "deps: installing ${need[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
