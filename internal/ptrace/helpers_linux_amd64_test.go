package ptrace_test

import (
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/procfs"
	"github.com/golibcare/golibcare/internal/ptrace"
	"github.com/golibcare/golibcare/internal/testutil"
)

var binDir string

func TestMain(m *testing.M) {
	if spec := os.Getenv(childEnv); spec != "" {
		os.Exit(childMain(spec))
	}
	d, err := os.MkdirTemp("", "golibcare-ptrace-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = d
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}

var (
	buildMu sync.Mutex
	built   = map[string]string{}
)

// fixture compiles fixtures/ptrace/<name>.c once per test binary.
func fixture(t testing.TB, name string) string {
	t.Helper()
	testutil.MustHaveGCC(t)
	testutil.MustHavePtrace(t)
	buildMu.Lock()
	defer buildMu.Unlock()
	if p, ok := built[name]; ok {
		return p
	}
	src := filepath.Join(testutil.RepoRoot(t), "fixtures", "ptrace", name+".c")
	out := filepath.Join(binDir, name)
	flags := []string{"-O0", "-g", "-pthread"}
	if name == "nolibc" {
		flags = []string{"-O0", "-g", "-static", "-nostdlib", "-fno-stack-protector"}
	}
	cmd := exec.Command("gcc", append(flags, "-o", out, src)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gcc %s: %v\n%s", src, err, b)
	}
	built[name] = out
	return out
}

// target starts a fixture, waits for its "ready" line and returns its pid
// and output.
func target(t testing.TB, name string, args ...string) (int, *testutil.Output) {
	t.Helper()
	cmd, out := testutil.StartTarget(t, fixture(t, name), args...)
	testutil.WaitOutput(t, out, "ready", 5*time.Second)
	return cmd.Process.Pid, out
}

// seize attaches to pid and detaches in cleanup, checking nothing stays
// traced.
func seize(t testing.TB, pid int) *ptrace.Process {
	t.Helper()
	p, err := ptrace.Seize(pid)
	if err != nil {
		t.Fatalf("seize: %v", err)
	}
	t.Cleanup(func() {
		if err := p.Detach(); err != nil && !errors.Is(err, ptrace.ErrProcessExited) {
			t.Errorf("detach in cleanup: %v", err)
		}
	})
	return p
}

// waitUntil polls cond until it holds or 5 s pass.
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// taskStates returns the status of every thread of pid.
func taskStates(t testing.TB, pid int) map[int]*procfs.Status {
	t.Helper()
	tids, err := procfs.Tasks(pid)
	if err != nil {
		t.Fatalf("tasks: %v", err)
	}
	st := map[int]*procfs.Status{}
	for _, tid := range tids {
		if s, err := procfs.ReadStatus(tid); err == nil {
			st[tid] = s
		}
	}
	return st
}

func assertNotTraced(t testing.TB, pid int) {
	t.Helper()
	for tid, s := range taskStates(t, pid) {
		if s.TracerPid != 0 || s.State == "t" {
			t.Errorf("thread %d: got TracerPid %d state %s, want 0 and not t", tid, s.TracerPid, s.State)
		}
	}
}

// symbol returns the run-time address of name in the ELF file path mapped
// into pid: its link-time value plus the load bias read from the maps.
func symbol(t testing.TB, pid int, path, name string) uint64 {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, _ := f.Symbols()
	dyn, _ := f.DynamicSymbols()
	for _, s := range append(syms, dyn...) {
		if s.Name == name && elf.ST_TYPE(s.Info) == elf.STT_FUNC && s.Value != 0 {
			return s.Value + loadBias(t, pid, path, f)
		}
	}
	t.Fatalf("symbol %s not in %s", name, path)
	return 0
}

// funcRange returns the run-time range of function name in the ELF file
// path mapped into pid.
func funcRange(t testing.TB, pid int, path, name string) [2]uint64 {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, _ := f.Symbols()
	for _, s := range syms {
		if s.Name == name && elf.ST_TYPE(s.Info) == elf.STT_FUNC && s.Value != 0 {
			start := s.Value + loadBias(t, pid, path, f)
			return [2]uint64{start, start + s.Size}
		}
	}
	t.Fatalf("function %s not in %s", name, path)
	return [2]uint64{}
}

func loadBias(t testing.TB, pid int, path string, f *elf.File) uint64 {
	t.Helper()
	low := ^uint64(0)
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && p.Vaddr < low {
			low = p.Vaddr
		}
	}
	for _, m := range readMaps(t, pid) {
		if m.Path == path && m.Offset == 0 {
			return m.Start - low&^0xfff
		}
	}
	t.Fatalf("%s not mapped in pid %d", path, pid)
	return 0
}

func readMaps(t testing.TB, pid int) []procfs.Mapping {
	t.Helper()
	maps, err := procfs.ReadMaps(pid)
	if err != nil {
		t.Fatal(err)
	}
	return maps
}

// libc returns the path of libc and the start of its first executable
// mapping, where remote code stubs go (as upstream, facts §8.11).
func libc(t testing.TB, pid int) (string, uint64) {
	t.Helper()
	for _, m := range readMaps(t, pid) {
		if strings.HasPrefix(filepath.Base(m.Path), "libc.so") && m.Exec() {
			return m.Path, m.Start
		}
	}
	t.Fatalf("no libc text in pid %d", pid)
	return "", 0
}
