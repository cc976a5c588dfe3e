//go:build linux && amd64

package ctl_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/testutil"
)

// BenchmarkContention measures patch and unpatch of the gap target
// (fixtures/ctl/bench.c) at 1, 16 and 128 threads on a quiet host and
// with busy loops pinned (taskset) to CPU 0, to CPU 1 and to both: the
// stop the target saw, libcare-ctl's frozen_time, its wall time and its
// peak RSS, median (-med) and maximum (-max) of 15 cycles. idle-gap-ms is
// the largest gap the target sees in 20 ms with no patching: under a busy
// loop it is the scheduler's share of the CPU, the floor of any stop. With
// LIBCARE_UPSTREAM=DIR naming a build of the C LibcarePlus, the same runs
// are measured with DIR/libcare-ctl, alternating with ours (c- metrics).
func BenchmarkContention(b *testing.B) {
	testutil.MustHavePtrace(b)
	if _, err := exec.LookPath("taskset"); err != nil {
		b.Skip("no taskset")
	}
	dir := testutil.CopyFixture(b, "ctl")
	pb := testutil.BuildManualPatch(b, testutil.ManualOpts{Dir: dir, Orig: "bench.c", Patched: "bench.patched.c",
		CFlags: []string{"-O2"}, LDFlags: []string{"-pthread"}})
	tools := map[string]string{"": testutil.Tool(b, "libcare-ctl")}
	if up := os.Getenv("LIBCARE_UPSTREAM"); up != "" {
		tools["c-"] = filepath.Join(up, "libcare-ctl")
	}
	loads := []struct {
		name string
		cpus []string
	}{{"quiet", nil}, {"busy-cpu0", []string{"0"}}, {"busy-cpu1", []string{"1"}}, {"busy-both", []string{"0", "1"}}}
	if runtime.NumCPU() < 2 {
		loads = loads[:2]
	}
	for _, n := range []int{1, 16, 128} {
		for _, load := range loads {
			b.Run(fmt.Sprintf("threads=%d/%s", n, load.name), func(b *testing.B) {
				cmd, out := testutil.StartTarget(b, pb.Binary, strconv.Itoa(n))
				pid := strconv.Itoa(cmd.Process.Pid)
				testutil.WaitOutput(b, out, "gap ", waitTime)
				for _, cpu := range load.cpus {
					busyLoop(b, cpu)
				}
				var m samples
				for i := 0; i < max(b.N, 15); i++ {
					m.add("idle-gap-ms", idleGap(b, out))
					for _, prefix := range []string{"", "c-"} {
						if tool, ok := tools[prefix]; ok {
							m.measureWith(b, out, prefix, tool, "patch", "-p", pid, pb.Kpatch)
							m.measureWith(b, out, prefix, tool, "unpatch", "-p", pid)
						}
					}
				}
				m.reportMedMax(b)
			})
		}
	}
}

// busyLoop starts a shell loop pinned to cpu, killed by pid at cleanup.
func busyLoop(b *testing.B, cpu string) {
	cmd := exec.Command("taskset", "-c", cpu, "sh", "-c", "while :; do :; done")
	if err := cmd.Start(); err != nil {
		b.Fatalf("start busy loop: %v", err)
	}
	pid := cmd.Process.Pid
	b.Cleanup(func() {
		syscall.Kill(pid, syscall.SIGKILL)
		cmd.Wait()
	})
}

// measureWith runs one command of tool and records its wall time, peak
// RSS, frozen_time and the largest gap the target saw meanwhile.
func (m *samples) measureWith(b *testing.B, out *testutil.Output, prefix, tool string, args ...string) {
	mark := out.Len()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, tool, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("%s %v: %v\n%s%s", tool, args, err, stdout.String(), stderr.String())
	}
	name := prefix + args[0]
	m.add(name+"-wall-ms", ms(time.Since(t0)))
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.add(name+"-rss-kib", float64(ru.Maxrss))
	}
	if f := frozenRe.FindStringSubmatch(stdout.String() + stderr.String()); f != nil {
		v, _ := strconv.ParseFloat(f[1], 64)
		m.add(name+"-ctl-frozen-ms", v/1000)
	}
	gap, _ := maxGap(b, out, mark)
	m.add(name+"-seen-ms", gap)
}

// reportMedMax reports the median and the maximum of every metric.
func (m samples) reportMedMax(b *testing.B) {
	for name, v := range m {
		slices.Sort(v)
		b.ReportMetric(v[len(v)/2], name+"-med")
		b.ReportMetric(v[len(v)-1], name+"-max")
	}
	b.ReportMetric(0, "ns/op")
}
