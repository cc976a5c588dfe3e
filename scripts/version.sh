#!/usr/bin/env sh
# Prints golibcare's version as a Debian version: the last vX.Y.Z tag
# (+N.gHASH past it), else 0.0~gitDATE.HASH; "unknown" outside git.
# With -r, prints the revision instead (HASH, -dirty when modified).
cd "$(dirname "$0")/.." || exit 1
if ! git rev-parse --git-dir >/dev/null 2>&1; then
	echo unknown
	exit 0
fi
if [ "$1" = -r ]; then
	git describe --always --abbrev=40 --dirty --exclude='*' 2>/dev/null || git rev-parse HEAD
	exit 0
fi
if d=$(git describe --tags --match 'v[0-9]*' 2>/dev/null); then
	echo "$d" | sed -e 's/^v//' -e 's/-\([0-9]*\)-g\([0-9a-f]*\)$/+\1.g\2/'
	exit 0
fi
echo "0.0~git$(git log -1 --format=%cd --date=format:%Y%m%d).$(git rev-parse --short=12 HEAD)"
