//go:build linux && amd64

package ctl_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/testutil"
)

// TestCompletion completes -p and -i against a patched process: -i offers
// the id applied to the chosen pid, read without stopping the process.
func TestCompletion(t *testing.T) {
	dir := testutil.CopyFixture(t, "ctl")
	pb := buildPatch(t, dir, testutil.ManualOpts{Orig: "foo.c", Patched: "bar.c", ID: "fix42"})
	tg := startTarget(t, pb.Binary)
	tg.wait(t, "Hello world!\n")

	if r := testutil.MustCtl(t, "__complete", "unpatch", "-p", tg.p(), "-i", ""); r.Stdout != ":4\n" {
		t.Errorf("-i before the patch: got %q, want no ids", r.Stdout)
	}
	testutil.MustCtl(t, "patch", "-p", tg.p(), pb.Kpatch)
	r := testutil.MustCtl(t, "__complete", "unpatch", "-p", tg.p(), "-i", "")
	if r.Stdout != "fix42\n:4\n" {
		t.Errorf("-i: got %q, want the applied id", r.Stdout)
	}
	if r := testutil.MustCtl(t, "__complete", "unpatch", "-p", tg.p(), "-i", "x"); r.Stdout != ":4\n" {
		t.Errorf("-i x: got %q, want no ids", r.Stdout)
	}
	r = testutil.MustCtl(t, "__complete", "unpatch", "-p", "all", "-i", "fix")
	if !strings.HasPrefix(r.Stdout, "fix42\n") {
		t.Errorf("-p all -i fix: got %q, want the id applied to the target", r.Stdout)
	}
	r = testutil.MustCtl(t, "__complete", "info", "-p", tg.p()[:1])
	if !strings.Contains(r.Stdout, fmt.Sprintf("\n%d\tfoo\n", tg.pid)) {
		t.Errorf("-p: got %q, want %d with its command name", r.Stdout, tg.pid)
	}
	testutil.CheckUntraced(t, tg.pid)
	tg.skip()
	tg.wait(t, "Hello world being patched!\n")
	testutil.MustCtl(t, "unpatch", "-p", tg.p(), "-i", "fix42")
}
