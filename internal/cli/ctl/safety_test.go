//go:build linux && amd64

package ctl_test

import (
	"fmt"
	"testing"

	"github.com/golibcare/golibcare/internal/testutil"
)

// TestSafetyAltStack patches a function whose frame is only reachable by
// unwinding through a signal frame: a handler that never returns runs on
// an alternate signal stack, interrupting work(). The patch must be
// refused and leave the program as it was.
func TestSafetyAltStack(t *testing.T) {
	dir := testutil.CopyFixture(t, "ctl")
	pb := buildPatch(t, dir, testutil.ManualOpts{Orig: "altstack.c", Patched: "altstack.patched.c"})
	tg := startTarget(t, pb.Binary)
	tg.wait(t, "in handler\n")
	text := testutil.ProcessText(t, tg.pid, pb.Binary)
	r := testutil.Ctl(t, "patch", "-p", tg.p(), "--timeout", "300ms", pb.Kpatch)
	oneLineError(t, r, fmt.Sprintf("safety check failed: thread %d is inside work", tg.pid))
	testutil.CheckUntraced(t, tg.pid)
	if n := testutil.AnonExec(t, tg.pid); n != 0 {
		t.Errorf("got %d anonymous executable mappings, want 0", n)
	}
	if got := testutil.ProcessText(t, tg.pid, pb.Binary); len(got) != len(text) {
		t.Errorf("text of %s changed", pb.Binary)
	}
}
