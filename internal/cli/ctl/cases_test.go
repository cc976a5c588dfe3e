//go:build linux && amd64

package ctl_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/golibcare/golibcare/internal/testutil"
)

// TestCapabilities patches one capability each (design §6) and checks the
// program's output before, during and after, and that unpatch restores
// the code byte for byte.
func TestCapabilities(t *testing.T) {
	tests := []struct {
		name, orig, patched string
		cflags, ldflags     []string
		before              string
		after               []string
	}{
		{name: "O2", orig: "foo.c", patched: "bar.c", cflags: []string{"-O2"},
			before: "Hello world!\n", after: []string{"Hello world being patched!\n"}},
		{name: "nopie", orig: "foo.c", patched: "bar.c", cflags: []string{"-fno-pie"}, ldflags: []string{"-no-pie"},
			before: "Hello world!\n", after: []string{"Hello world being patched!\n"}},
		{name: "newfunc", orig: "newfunc.c", patched: "newfunc.patched.c",
			before: "tick ", after: []string{"twice "}},
		{name: "newvar", orig: "newvar.c", patched: "newvar.patched.c",
			before: "tick\n", after: []string{"counter 101\n", "counter 102\n", "counter 103\n"}},
		{name: "libc", orig: "libc.c", patched: "libc.patched.c",
			before: "tick\n", after: []string{"libc pid-ok=1 abs=7 len=19\n"}},
		{name: "rodata", orig: "rodata.c", patched: "rodata.patched.c",
			before: "tick ", after: []string{"rodata new literal table=", "name=gamma\n"}},
		{name: "static", orig: "static.c", patched: "static.patched.c",
			before: "tick ", after: []string{"static helper=43 secret=42\n"}},
		{name: "tls", orig: "tls.c", patched: "tls.patched.c",
			before: "tls ", after: []string{"tls patched "}},
		{name: "tls-nopie", orig: "tls.c", patched: "tls.patched.c", cflags: []string{"-fno-pie"}, ldflags: []string{"-no-pie"},
			before: "tls ", after: []string{"tls patched "}},
		{name: "threads", orig: "threads.c", patched: "threads.patched.c",
			before: "thread 7 tick", after: threadLines(8)},
		{name: "spawn", orig: "spawn.c", patched: "spawn.patched.c",
			before: "spawn ", after: []string{"spawn patched "}},
		{name: "busy", orig: "busy.c", patched: "busy.patched.c",
			before: "start\n", after: []string{" patched\n"}},
	}
	dir := testutil.CopyFixture(t, "ctl")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pb := buildPatch(t, dir, testutil.ManualOpts{Orig: tc.orig, Patched: tc.patched,
				CFlags: tc.cflags, LDFlags: tc.ldflags, Out: tc.name})
			tg := startTarget(t, pb.Binary)
			tg.wait(t, tc.before)
			text := testutil.ProcessText(t, tg.pid, pb.Binary)

			// The mark is set before the patch: the first patched line may
			// come before libcare-ctl has exited.
			tg.skip()
			r := testutil.MustCtl(t, "patch", "-p", tg.p(), pb.Kpatch)
			wantLines(t, r.Stdout, fmt.Sprintf("1 patch hunk(s) have been successfully applied to PID '%d'", tg.pid))
			for _, s := range tc.after {
				tg.wait(t, s)
			}
			testutil.CheckUntraced(t, tg.pid)

			testutil.MustCtl(t, "unpatch", "-p", tg.p())
			tg.skip()
			tg.wait(t, tc.before)
			if got := testutil.ProcessText(t, tg.pid, pb.Binary); !reflect.DeepEqual(got, text) {
				t.Errorf("text of %s after unpatch differs from before the patch", pb.Binary)
			}
			testutil.CheckUntraced(t, tg.pid)
		})
	}
}

func threadLines(n int) []string {
	var s []string
	for i := 0; i < n; i++ {
		s = append(s, fmt.Sprintf("thread %d patched", i))
	}
	return s
}
