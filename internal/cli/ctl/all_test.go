//go:build linux && amd64

package ctl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/apply"
	"github.com/golibcare/golibcare/internal/testutil"
)

// runOwn runs libcare-ctl in this process with `-p all` meaning only pids.
func runOwn(t *testing.T, pids []int, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	root := NewCmdWith(&Options{Stdout: &out, Stderr: &errb, Processes: func() ([]int, error) { return pids, nil }})
	root.SetArgs(args)
	err := root.Execute()
	if err != nil {
		PrintError(&errb, err)
	}
	return out.String(), errb.String(), ExitCode(err)
}

func waitFor(t *testing.T, out *testutil.Output, s string) {
	t.Helper()
	testutil.WaitOutput(t, out, s, 10*time.Second)
}

// TestAllOwn runs the `-p all` forms on the test's own processes: info
// --json is an array of the patched ones, unpatch --patch removes only what
// that file applied, --everything removes the rest.
func TestAllOwn(t *testing.T) {
	testutil.MustHavePtrace(t)
	dir := testutil.CopyFixture(t, "ctl")
	foo := testutil.BuildManualPatch(t, testutil.ManualOpts{Dir: dir, Orig: "foo.c", Patched: "bar.c"})
	nf := testutil.BuildManualPatch(t, testutil.ManualOpts{Dir: dir, Orig: "newfunc.c", Patched: "newfunc.patched.c"})
	c1, out1 := testutil.StartTarget(t, foo.Binary)
	c2, _ := testutil.StartTarget(t, nf.Binary)
	pids := []int{c1.Process.Pid, c2.Process.Pid}
	waitFor(t, out1, "Hello world!\n")

	if _, stderr, code := runOwn(t, pids, "patch", "-p", "all", foo.Kpatch); code != 0 {
		t.Fatalf("patch -p all: exit %d: %s", code, stderr)
	}
	if _, stderr, code := runOwn(t, pids, "patch", "-p", "all", nf.Kpatch); code != 0 {
		t.Fatalf("patch -p all: exit %d: %s", code, stderr)
	}
	if got := patchedPids(t, pids); fmt.Sprint(got) != fmt.Sprint(pids) {
		t.Fatalf("info --json -p all: got pids %v, want %v", got, pids)
	}
	stdout, stderr, code := runOwn(t, pids, "unpatch", "-p", "all", "--patch", foo.Kpatch)
	if code != 0 || !strings.Contains(stdout, fmt.Sprintf("successfully cancelled from PID '%d'", pids[0])) {
		t.Fatalf("unpatch -p all --patch: exit %d\n%s%s", code, stdout, stderr)
	}
	waitFor(t, out1, "Hello world!\n")
	if got := patchedPids(t, pids); fmt.Sprint(got) != fmt.Sprint(pids[1:]) {
		t.Fatalf("after unpatch --patch: got patched pids %v, want %v", got, pids[1:])
	}
	if _, stderr, code := runOwn(t, pids, "unpatch", "-p", "all", "--everything"); code != 0 {
		t.Fatalf("unpatch -p all --everything: exit %d: %s", code, stderr)
	}
	if got := patchedPids(t, pids); len(got) != 0 {
		t.Fatalf("after unpatch --everything: got patched pids %v, want none", got)
	}
}

func patchedPids(t *testing.T, pids []int) []int {
	t.Helper()
	stdout, stderr, code := runOwn(t, pids, "info", "--json", "-p", "all")
	var pis []apply.ProcessInfo
	if err := json.Unmarshal([]byte(stdout), &pis); err != nil || code != 0 {
		t.Fatalf("info --json -p all: exit %d, %v\n%s%s", code, err, stdout, stderr)
	}
	got := []int{}
	for _, pi := range pis {
		got = append(got, pi.Pid)
	}
	return got
}
