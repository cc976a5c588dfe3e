//go:build linux && amd64

package ctl_test

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/apply"
	"github.com/golibcare/golibcare/internal/testutil"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.CleanupTools()
	os.Exit(code)
}

const waitTime = 10 * time.Second

// target is a running fixture program.
type target struct {
	pid  int
	out  *testutil.Output
	bin  string
	mark int // output offset of the last check
}

func startTarget(t *testing.T, bin string) *target {
	t.Helper()
	testutil.MustHavePtrace(t)
	cmd, out := testutil.StartTarget(t, bin)
	return &target{pid: cmd.Process.Pid, out: out, bin: bin}
}

// wait waits until the output after the last mark contains s, then moves
// the mark just past it: lines printed after s in the same read stay
// visible to the next wait (a loaded machine reads several at once).
func (tg *target) wait(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(waitTime)
	for {
		all := tg.out.String()
		if i := strings.Index(all[tg.mark:], s); i >= 0 {
			tg.mark += i + len(s)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid %d: got output %q after %v, want %q", tg.pid, tail(all[tg.mark:]), waitTime, s)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// skip moves the mark to the end of the output so far.
func (tg *target) skip() { tg.mark = tg.out.Len() }

func tail(s string) string {
	if len(s) > 400 {
		return "..." + s[len(s)-400:]
	}
	return s
}

func (tg *target) p() string { return fmt.Sprint(tg.pid) }

func buildPatch(t *testing.T, dir string, o testutil.ManualOpts) *testutil.PatchBuild {
	t.Helper()
	o.Dir = dir
	return testutil.BuildManualPatch(t, o)
}

func wantLines(t *testing.T, got string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(got, l+"\n") {
			t.Errorf("got output\n%s\nwant a line %q", got, l)
		}
	}
}

func info(t *testing.T, pid int) apply.ProcessInfo {
	t.Helper()
	r := testutil.MustCtl(t, "info", "-p", fmt.Sprint(pid), "--json")
	var pis []apply.ProcessInfo
	if err := json.Unmarshal([]byte(r.Stdout), &pis); err != nil || len(pis) != 1 {
		t.Fatalf("info --json: %v, want an array of one\n%s", err, r.Stdout)
	}
	return pis[0]
}

// TestGuide runs the user guide's foo/bar example with upstream's exact
// lines: patch, info, unpatch.
func TestGuide(t *testing.T) {
	dir := testutil.CopyFixture(t, "ctl")
	pb := buildPatch(t, dir, testutil.ManualOpts{Orig: "foo.c", Patched: "bar.c"})
	tg := startTarget(t, pb.Binary)
	tg.wait(t, "Hello world!\n")
	text := testutil.ProcessText(t, tg.pid, pb.Binary)

	r := testutil.MustCtl(t, "patch", "-p", tg.p(), pb.Kpatch)
	wantLines(t, r.Stdout,
		fmt.Sprintf("Applying patch for %d with %s", tg.pid, pb.Kpatch),
		fmt.Sprintf("kpatch_ctl targeting pid %d", tg.pid),
		fmt.Sprintf("1 patch hunk(s) have been successfully applied to PID '%d'", tg.pid))
	if !strings.Contains(r.Stdout, fmt.Sprintf("PID '%d' process patch frozen_time is ", tg.pid)) {
		t.Errorf("got %q, want a frozen_time line", r.Stdout)
	}
	tg.skip()
	tg.wait(t, "Hello world being patched!\n")
	testutil.CheckUntraced(t, tg.pid)

	r = testutil.MustCtl(t, "info", "-p", tg.p())
	want := fmt.Sprintf("Pid:                      %d\nTarget:                   foo\n"+
		"Build id:                 %s\nApplied patch number:     1\nPatch id:                 0001\n\n", tg.pid, pb.BuildID)
	if r.Stdout != want {
		t.Errorf("info: got\n%q\nwant\n%q", r.Stdout, want)
	}

	r = testutil.MustCtl(t, "unpatch", "-p", tg.p())
	wantLines(t, r.Stdout, fmt.Sprintf("1 patch hunk(s) were successfully cancelled from PID '%d'", tg.pid))
	tg.skip()
	tg.wait(t, "Hello world!\n")
	if got := testutil.ProcessText(t, tg.pid, pb.Binary); !reflect.DeepEqual(got, text) {
		t.Errorf("text of %s after unpatch differs from before the patch", pb.Binary)
	}
	if n := testutil.AnonExec(t, tg.pid); n != 0 {
		t.Errorf("got %d anonymous executable mappings after unpatch, want 0", n)
	}
	if r := testutil.MustCtl(t, "info", "-p", tg.p()); r.Stdout != "" {
		t.Errorf("info after unpatch: got %q, want nothing", r.Stdout)
	}
	testutil.CheckUntraced(t, tg.pid)
}
