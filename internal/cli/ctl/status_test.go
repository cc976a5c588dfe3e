//go:build linux && amd64

package ctl_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/golibcare/golibcare/internal/coverage"
	"github.com/golibcare/golibcare/internal/testutil"
)

// TestStatus runs status against a private store holding the guide's
// patch, on three runs of its program: one patched, one not, and one held
// by another tracer (PTRACE_TRACEME), which cannot be patched.
func TestStatus(t *testing.T) {
	dir := testutil.CopyFixture(t, "ctl")
	pb := buildPatch(t, dir, testutil.ManualOpts{Orig: "foo.c", Patched: "bar.c"})
	store := filepath.Join(dir, "store")
	testutil.Run(t, dir, "mkdir", store)
	copyFile(t, pb.Kpatch, filepath.Join(store, pb.BuildID+".kpatch"))
	testutil.Run(t, dir, "gcc", "-o", "traceme", "traceme.c")

	patched, plain := startTarget(t, pb.Binary), startTarget(t, pb.Binary)
	patched.wait(t, "Hello world!\n")
	plain.wait(t, "Hello world!\n")
	testutil.MustCtl(t, "patch", "-p", patched.p(), pb.Kpatch)
	cmd, out := testutil.StartTarget(t, filepath.Join(dir, "traceme"), pb.Binary)
	traced := &target{pid: cmd.Process.Pid, out: out}
	traced.wait(t, "Hello world!\n")
	m := regexp.MustCompile(`child (\d+)`).FindStringSubmatch(traced.out.String())
	if m == nil {
		t.Fatalf("traceme: got %q, want a child line", traced.out.String())
	}
	child, _ := strconv.Atoi(m[1])
	t.Cleanup(func() { syscall.Kill(child, syscall.SIGKILL) })

	for _, tc := range []struct {
		pid    int
		code   int
		state  coverage.State
		reason string
		line   string
	}{
		{patched.pid, 0, coverage.Patched, "", "patched, 0001 level 0"},
		{plain.pid, 1, coverage.Unpatched, "", "not patched (store has 0001 level 0)"},
		{child, 1, coverage.Unpatchable, fmt.Sprintf("already traced by pid %d (traceme)", traced.pid), "not patchable: already traced"},
	} {
		p := strconv.Itoa(tc.pid)
		r := testutil.Ctl(t, "status", "--store", store, "-p", p, "--json")
		var es []coverage.Entry
		if err := json.Unmarshal([]byte(r.Stdout), &es); err != nil || r.Code != tc.code {
			t.Fatalf("status -p %d: exit %d, %v\n%s%s", tc.pid, r.Code, err, r.Stdout, r.Stderr)
		}
		if len(es) != 1 || es[0].State != tc.state || es[0].Reason != tc.reason || es[0].BuildID != pb.BuildID || es[0].Object != "foo" {
			t.Errorf("status -p %d: got %+v, want one foo entry %s %q", tc.pid, es, tc.state, tc.reason)
		}
		r = testutil.Ctl(t, "status", "--store", store, "-p", p)
		if r.Code != tc.code || !strings.Contains(r.Stdout, fmt.Sprintf("pid %d (foo) foo %s: %s", tc.pid, pb.BuildID, tc.line)) {
			t.Errorf("status -p %d: got exit %d\n%s\nwant %d and %q", tc.pid, r.Code, r.Stdout, tc.code, tc.line)
		}
	}
	// The unpatched process is as it was: status stopped nobody.
	plain.skip()
	plain.wait(t, "Hello world!\n")
}
