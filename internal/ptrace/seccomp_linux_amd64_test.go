package ptrace_test

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/golibcare/golibcare/internal/ptrace"
	"github.com/golibcare/golibcare/internal/seccomp"
	"github.com/golibcare/golibcare/internal/testutil"
)

// seccompTarget starts fixtures/ctl/seccomp with policy and returns its
// pid and the lengths of the filters it installed.
func seccompTarget(t *testing.T, policy string) (int, []int) {
	t.Helper()
	testutil.MustHaveGCC(t)
	testutil.MustHavePtrace(t)
	buildMu.Lock()
	bin, ok := built["ctl/seccomp"]
	if !ok {
		bin = filepath.Join(binDir, "seccomp")
		src := filepath.Join(testutil.RepoRoot(t), "fixtures", "ctl", "seccomp.c")
		if b, err := exec.Command("gcc", "-O0", "-pthread", "-o", bin, src).CombinedOutput(); err != nil {
			buildMu.Unlock()
			t.Fatalf("gcc %s: %v\n%s", src, err, b)
		}
		built["ctl/seccomp"] = bin
	}
	buildMu.Unlock()
	cmd, out := testutil.StartTarget(t, bin, policy)
	s := testutil.WaitOutput(t, out, " tick 0\n", 5*time.Second)
	var lens []int
	for _, l := range strings.Split(s, "\n") {
		if rest, ok := strings.CutPrefix(l, "filters "); ok {
			for _, f := range strings.Fields(rest) {
				if n, err := strconv.Atoi(f); err == nil {
					lens = append(lens, n)
				}
			}
		}
	}
	return cmd.Process.Pid, lens
}

func toInsns(f []unix.SockFilter) []seccomp.Insn {
	out := make([]seccomp.Insn, len(f))
	for i, in := range f {
		out[i] = seccomp.Insn{Code: in.Code, Jt: in.Jt, Jf: in.Jf, K: in.K}
	}
	return out
}

// TestSeccompFilters reads back the filters a process installed, first
// installed first, and checks that they say what the fixture meant.
func TestSeccompFilters(t *testing.T) {
	pid, lens := seccompTarget(t, "two")
	p := seize(t, pid)
	if _, err := p.SeccompFilters(pid); err == nil {
		t.Errorf("got filters of a running thread, want an error")
	}
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	fs, err := p.SeccompFilters(pid)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	var filters [][]seccomp.Insn
	for _, f := range fs {
		got = append(got, len(f))
		filters = append(filters, toInsns(f))
	}
	if !slices.Equal(got, lens) {
		t.Fatalf("got filters of %v instructions, want %v", got, lens)
	}
	mprotect := seccomp.Call{Nr: seccomp.SysMprotect, Args: [6]uint64{0x7f0000000000, 0x1000, 5}}
	if a, err := seccomp.Evaluate(filters, mprotect.Data()); err != nil || a != seccomp.KillProcess {
		t.Errorf("%v: got %v, %v, want %v", mprotect, a, err, seccomp.KillProcess)
	}
	reboot := seccomp.Call{Nr: unix.SYS_REBOOT}
	if a, err := seccomp.Evaluate(filters[:1], reboot.Data()); err != nil || a != seccomp.KillProcess {
		t.Errorf("first filter, %v: got %v, %v, want %v", reboot, a, err, seccomp.KillProcess)
	}
	if err := p.Resume(); err != nil {
		t.Fatal(err)
	}
}

// TestSeccompFiltersPerThread: filters belong to threads; a thread
// without any is refused with EINVAL.
func TestSeccompFiltersPerThread(t *testing.T) {
	pid, lens := seccompTarget(t, "thread")
	p := seize(t, pid)
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	tids := p.Tids()
	if len(tids) != 2 {
		t.Fatalf("got threads %v, want 2", tids)
	}
	if _, err := p.SeccompFilters(pid); !errors.Is(err, unix.EINVAL) {
		t.Errorf("main thread: got %v, want EINVAL", err)
	}
	var pe *ptrace.Error
	if _, err := p.SeccompFilters(pid); !errors.As(err, &pe) || pe.Tid != pid {
		t.Errorf("got %v, want a *ptrace.Error naming thread %d", err, pid)
	}
	fs, err := p.SeccompFilters(tids[1])
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || len(lens) != 1 || len(fs[0]) != lens[0] {
		t.Errorf("got %d filters, want one of %v instructions", len(fs), lens)
	}
	all, err := p.AllSeccompFilters()
	if err != nil || len(all) != 1 || len(all[tids[1]]) != 1 {
		t.Errorf("got %v, %v, want the filter of thread %d only", all, err, tids[1])
	}
	if err := p.Detach(); err != nil {
		t.Fatal(err)
	}
	assertNotTraced(t, pid)
}

// BenchmarkSeccompProbe measures what the seccomp check adds to a stop of
// a target with no policy: AllSeccompFilters, one PTRACE_SECCOMP_GET_FILTER
// per thread (9) failing with EINVAL. Compare with BenchmarkStopResume.
func BenchmarkSeccompProbe(b *testing.B) {
	p, _ := startBench(b)
	if err := p.Stop(); err != nil {
		b.Fatal(err)
	}
	err := p.Batch(func() error {
		for b.Loop() {
			if all, err := p.AllSeccompFilters(); err != nil || len(all) != 0 {
				return fmt.Errorf("got %v, %v, want no filters", all, err)
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// TestSeccompSyscallSite reads the two filters the "seccomp" fixture's
// main thread installed, first installed first, and none for its other
// thread (EINVAL); remote syscalls run where SyscallSite says and meet the
// filters: getpgid fails with the filter's EPERM on the main thread only.
func TestSeccompSyscallSite(t *testing.T) {
	pid, _ := target(t, "seccomp")
	p := seize(t, pid)
	if _, err := p.SeccompFilters(pid); err == nil {
		t.Errorf("filters of a running thread: got no error")
	}
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	allow := unix.SockFilter{Code: unix.BPF_RET | unix.BPF_K, K: 0x7fff0000}
	want := [][]unix.SockFilter{
		{allow},
		{
			{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 0},
			{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, Jt: 0, Jf: 1, K: unix.SYS_GETPGID},
			{Code: unix.BPF_RET | unix.BPF_K, K: 0x50000 | uint32(unix.EPERM)},
			allow,
		},
	}
	got, err := p.SeccompFilters(pid)
	if err != nil || !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("main thread: got filters %v, %v, want %v", got, err, want)
	}
	other := slices.DeleteFunc(p.Tids(), func(tid int) bool { return tid == pid })[0]
	if got, err := p.SeccompFilters(other); !errors.Is(err, unix.EINVAL) || got != nil {
		t.Errorf("thread without filters: got %v, %v, want EINVAL (not in filter mode)", got, err)
	}
	site, err := p.SyscallSite()
	if err != nil {
		t.Fatal(err)
	}
	code := make([]byte, 3)
	if _, err := p.ReadAt(code, int64(site-2)); err != nil || !bytes.Equal(code, []byte{0x0f, 0x05, 0xc3}) {
		t.Errorf("got % x, %v before the syscall site %#x, want syscall; ret", code, err, site)
	}
	if _, err := p.SyscallOn(pid, 0, unix.SYS_GETPGID, 0); !errors.Is(err, unix.EPERM) {
		t.Errorf("remote getpgid on the filtered thread: got %v, want EPERM", err)
	}
	if _, err := p.SyscallOn(other, 0, unix.SYS_GETPGID, 0); err != nil {
		t.Errorf("remote getpgid on the other thread: %v", err)
	}
}
