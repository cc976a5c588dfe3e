#!/usr/bin/env bash
# Manual check, not run by CI: fetches Debian source packages with a private
# apt configuration (the system's apt sources are never touched), unpacks
# them without applying their patches, and runs TestDebianPatches: every
# patch of debian/patches/series is parsed and dry-run checked in order by
# libcare-patch-make's diff code, then applied by it and by GNU patch to two
# copies of the tree, which must come out the same bytes.
#
#   scripts/debian-patches.sh [PACKAGE[=VERSION]...]
# The default is the bookworm versions of issue 10 (newer security uploads
# may not be fetchable from every mirror).
set -euo pipefail
cd "$(dirname "$0")/.."
pkgs=("$@")
[ ${#pkgs[@]} -gt 0 ] || pkgs=(nginx=1.22.1-9+deb12u9 redis=5:7.0.15-1~deb12u10 tinyproxy=1.11.1-2.1+deb12u1)
work=${DEBIAN_PATCHES_WORK:-/tmp/golibcare-debian-patches}
mkdir -p "$work"/{lists/partial,cache/archives/partial,src}

# deb-src lines from the deb822 sources the machine uses.
src=/etc/apt/sources.list.d/debian.sources
awk '/^URIs:/{u=$2} /^Suites:/{$1=""; s=$0} /^Components:/{$1=""; c=$0}
     /^$/{if (u) for (i = split(s, a, " "); i > 0; i--) print "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] " u " " a[i] c; u=""}
     END{if (u) for (i = split(s, a, " "); i > 0; i--) print "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] " u " " a[i] c}' \
	"$src" >"$work/sources.list"
apt=(apt-get -q -o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
	-o Dir::State::Lists="$work/lists" -o Dir::Cache="$work/cache")
"${apt[@]}" update >/dev/null

trees=()
for p in "${pkgs[@]}"; do
	(cd "$work/src" && "${apt[@]}" source --download-only "$p" >/dev/null)
	name=${p%%=*}
	dsc=$(ls -t "$work/src/${name}"_*.dsc | head -1)
	ver=$(basename "$dsc" .dsc)
	tree="$work/$ver"
	rm -rf "$tree" && mkdir -p "$tree"
	upstream=${ver#*_}; upstream=${upstream%-*}; upstream=${upstream#*:}
	tar xf "$(ls "$work/src/${name}_${upstream}".orig.tar.* | head -1)" -C "$tree" --strip-components=1
	tar xf "$work/src/${ver}.debian.tar."* -C "$tree"
	echo "unpacked $ver: $(grep -cv '^\s*\(#\|$\)' "$tree/debian/patches/series") patches in the series"
	trees+=("$tree")
done
DEBIAN_TREES="${trees[*]}" go test -tags debpatches -count=1 -run TestDebianPatches -v ./internal/patchmake/
