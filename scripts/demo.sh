#!/usr/bin/env bash
# The user guide's walk-through with golibcare's tools: build foo and its
# patch by the manual flow, run foo, patch it live, look at it, unpatch it.
set -euo pipefail
BIN=$(cd "${1:-bin}" && pwd)
export PATH="$BIN:$PATH"
work=$(mktemp -d /tmp/golibcare-demo.XXXXXX)
pid=
cleanup() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; eval "$@"; }
# wait_for TEXT AFTER_LINE: wait up to 10 s for TEXT in foo.out past line AFTER_LINE.
wait_for() {
	for _ in $(seq 100); do
		if tail -n +"$(($2 + 1))" foo.out | grep -qF "$1"; then return 0; fi
		sleep 0.1
	done
	echo "demo: '$1' did not appear in foo's output" >&2
	cat foo.out >&2
	exit 1
}

cat > foo.c <<'C'
#include <stdio.h>
#include <unistd.h>

void print_hello(void)
{
	printf("Hello world!\n");
}

int main(void)
{
	while (1) {
		print_hello();
		sleep(1);
	}
}
C
sed 's/printf("Hello world!\\n");/printf("Hello world %s!\\n", "being patched");/' foo.c > bar.c

say "# Manual creation of the patch (user guide)"
run "gcc -S foo.c ; gcc -S bar.c ; sed -i 's/bar.c/foo.c/' bar.s"
run "kpatch_gensrc --os=rhel6 -i foo.s -i bar.s -o foobar.s --force-global"
run "gcc -o foo foo.s ; gcc -o foobar foobar.s -Wl,-q"
run "kpatch_strip --strip foobar foobar.stripped"
run "kpatch_strip --rel-fixup foo foobar.stripped"
run "strip --strip-unneeded foobar.stripped"
run "kpatch_strip --undo-link foo foobar.stripped"
run "str=\$(readelf -n foo | grep 'Build ID'); substr=\${str##* }"
run "kpatch_make -b \$substr foobar.stripped -o foo.kpatch"

say "# Applying the hot patch (stdbuf only makes foo's output line-buffered)"
stdbuf -oL ./foo > foo.out 2>&1 &
pid=$!
say "./foo &    # pid $pid"
wait_for "Hello world!" 0
cat foo.out
run "libcare-ctl -v patch -p $pid ./foo.kpatch"
mark=$(wc -l < foo.out)
wait_for "Hello world being patched!" "$mark"
tail -n +"$((mark + 1))" foo.out
run "libcare-ctl info -p $pid"
run "libcare-ctl unpatch -p $pid"
mark=$(wc -l < foo.out)
wait_for "Hello world!" "$mark"
tail -n +"$((mark + 1))" foo.out
echo
echo "demo: foo was patched and unpatched while running (pid $pid)"
