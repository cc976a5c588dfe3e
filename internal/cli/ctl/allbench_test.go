//go:build linux && amd64

package ctl

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/testutil"
)

// BenchmarkAllOwn runs `info`, `patch` and `unpatch -p all` over 200 of
// the benchmark's own small processes (Options.Processes): 198 sleep(1)
// processes that no patch is for, and 2 targets of the patch. Reported
// per command, in ms per run over all 200.
func BenchmarkAllOwn(b *testing.B) {
	testutil.MustHavePtrace(b)
	dir := testutil.CopyFixture(b, "ctl")
	foo := testutil.BuildManualPatch(b, testutil.ManualOpts{Dir: dir, Orig: "foo.c", Patched: "bar.c"})
	var pids []int
	for i := 0; i < 2; i++ {
		c, out := testutil.StartTarget(b, foo.Binary)
		testutil.WaitOutput(b, out, "Hello world!\n", 10*time.Second)
		pids = append(pids, c.Process.Pid)
	}
	for i := 0; i < 198; i++ {
		c, _ := testutil.StartTarget(b, "sleep", "600")
		pids = append(pids, c.Process.Pid)
	}
	for _, pid := range pids {
		waitSleeping(b, pid)
	}
	run := func(args ...string) time.Duration {
		var out, errb bytes.Buffer
		root := NewCmdWith(&Options{Stdout: &out, Stderr: &errb, Processes: func() ([]int, error) { return pids, nil }})
		root.SetArgs(args)
		t0 := time.Now()
		err := root.Execute()
		d := time.Since(t0)
		if err != nil {
			b.Fatalf("%v: %v\n%s%s", args, err, out.String(), errb.String())
		}
		return d
	}
	var info, patch, unpatch time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		info += run("info", "-p", "all")
		patch += run("patch", "-p", "all", foo.Kpatch)
		unpatch += run("unpatch", "-p", "all", "--patch", foo.Kpatch)
	}
	n := float64(b.N) * float64(time.Millisecond)
	b.ReportMetric(float64(info)/n, "info-ms")
	b.ReportMetric(float64(patch)/n, "patch-ms")
	b.ReportMetric(float64(unpatch)/n, "unpatch-ms")
}

// waitSleeping waits until pid has executed its program and sleeps, so
// that its maps are those of the program.
func waitSleeping(b *testing.B, pid int) {
	b.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err == nil && strings.Contains(string(st), ") S ") {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	b.Fatalf("pid %d not sleeping after 10s", pid)
}
