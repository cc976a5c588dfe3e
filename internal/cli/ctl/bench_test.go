//go:build linux && amd64

package ctl_test

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/testutil"
)

// BenchmarkPatchUnpatch measures, on targets with 1, 16 and 128 threads,
// the frozen time seen by the target (the largest gap a thread spinning on
// CLOCK_MONOTONIC observed, fixtures/ctl/bench.c), libcare-ctl's own
// frozen_time, and the wall time of patch and unpatch; medians of at
// least 10 runs. idle-gap-ms is the same gap measured with no patching,
// the noise floor of the machine. X-eintr counts the EINTRs a thread in
// epoll_wait saw during one command: one per stop of the target.
func BenchmarkPatchUnpatch(b *testing.B) {
	testutil.MustHavePtrace(b)
	dir := testutil.CopyFixture(b, "ctl")
	pb := testutil.BuildManualPatch(b, testutil.ManualOpts{Dir: dir, Orig: "bench.c", Patched: "bench.patched.c",
		CFlags: []string{"-O2"}, LDFlags: []string{"-pthread"}})
	for _, n := range []int{1, 16, 128} {
		b.Run(fmt.Sprintf("threads=%d", n), func(b *testing.B) {
			cmd, out := testutil.StartTarget(b, pb.Binary, strconv.Itoa(n))
			pid := strconv.Itoa(cmd.Process.Pid)
			testutil.WaitOutput(b, out, "gap ", waitTime)
			var m samples
			for i := 0; i < max(b.N, 10); i++ {
				m.add("idle-gap-ms", idleGap(b, out))
				m.measure(b, out, "patch", "-p", pid, pb.Kpatch)
				m.measure(b, out, "unpatch", "-p", pid)
			}
			m.report(b)
		})
	}
}

type samples map[string][]float64

func (m *samples) add(name string, v float64) {
	if *m == nil {
		*m = samples{}
	}
	(*m)[name] = append((*m)[name], v)
}

var frozenRe = regexp.MustCompile(`frozen_time is (\d+) microsecond`)

// measure runs one libcare-ctl command and records its wall time, its
// frozen_time and the largest gap the target saw meanwhile.
func (m *samples) measure(b *testing.B, out *testutil.Output, args ...string) {
	mark := out.Len()
	t0 := time.Now()
	r := testutil.MustCtl(b, args...)
	m.add(args[0]+"-wall-ms", ms(time.Since(t0)))
	if f := frozenRe.FindStringSubmatch(r.Stdout); f != nil {
		v, _ := strconv.ParseFloat(f[1], 64)
		m.add(args[0]+"-ctl-frozen-ms", v/1000)
	}
	gap, eintr := maxGap(b, out, mark)
	m.add(args[0]+"-frozen-ms", gap)
	m.add(args[0]+"-eintr", eintr)
}

// maxGap waits for two more "gap" lines (the fixture prints one every
// 20 ms) and returns the largest gap since mark, in ms, and the number of
// EINTRs counted since the last line before mark.
func maxGap(b *testing.B, out *testutil.Output, mark int) (float64, float64) {
	end := out.Len()
	deadline := time.Now().Add(waitTime)
	for strings.Count(out.String()[end:], "gap ") < 2 {
		if time.Now().After(deadline) {
			b.Fatalf("no gap lines from the target")
		}
		time.Sleep(time.Millisecond)
	}
	largest := 0.0
	_, first := lastGapLine(out.String()[:mark])
	var last float64
	for _, line := range strings.Split(out.String()[mark:], "\n") {
		var ns, eintr float64
		if n, _ := fmt.Sscanf(line, "gap %g eintr %g", &ns, &eintr); n == 2 {
			largest, last = max(largest, ns/1e6), eintr
		}
	}
	return largest, last - first
}

// lastGapLine parses the last complete "gap N eintr M" line of s.
func lastGapLine(s string) (gap, eintr float64) {
	lines := strings.Split(s, "\n")
	for i := len(lines) - 2; i >= 0; i-- {
		if n, _ := fmt.Sscanf(lines[i], "gap %g eintr %g", &gap, &eintr); n == 2 {
			return gap, eintr
		}
	}
	return 0, 0
}

func idleGap(b *testing.B, out *testutil.Output) float64 {
	mark := out.Len()
	time.Sleep(20 * time.Millisecond)
	gap, _ := maxGap(b, out, mark)
	return gap
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func (m samples) report(b *testing.B) {
	for name, v := range m {
		sort.Float64s(v)
		b.ReportMetric(v[len(v)/2], name)
	}
	b.ReportMetric(0, "ns/op")
}
