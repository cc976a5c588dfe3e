package hold

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/procfs"
	"github.com/golibcare/golibcare/internal/ptrace"
	"github.com/golibcare/golibcare/internal/testutil"
	"github.com/golibcare/golibcare/internal/watch"
)

const waitTimeout = 10 * time.Second

// TestHoldAtEntry starts hello (its entry delayed 300 ms by a preloaded
// constructor), catches its exec, holds it and checks that it is stopped
// at AT_ENTRY with its libraries mapped and main not run; after release it
// runs normally.
func TestHoldAtEntry(t *testing.T) {
	testutil.MustHaveGCC(t)
	if err := ptrace.Probe(); err != nil {
		t.Skipf("skipping test: ptrace unavailable: %v", err)
	}
	root, dir := testutil.RepoRoot(t), t.TempDir()
	hello, slow := filepath.Join(dir, "hello"), filepath.Join(dir, "slowinit.so")
	testutil.Run(t, dir, "gcc", "-O2", "-o", hello, filepath.Join(root, "fixtures", "server", "hello.c"))
	testutil.Run(t, dir, "gcc", "-shared", "-fPIC", "-o", slow, filepath.Join(root, "fixtures", "server", "slowinit.c"))
	w, err := watch.Listen()
	if err != nil {
		t.Skipf("skipping test: process events unavailable: %v", err)
	}
	defer w.Close()
	out := filepath.Join(dir, "out")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(hello)
	cmd.Env = append(os.Environ(), "LD_PRELOAD="+slow)
	cmd.Stdout = f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	waitExec(t, w, pid)
	release, err := Holder{}.Hold(pid)
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, pid, "T")
	auxv, err := procfs.ReadAuxv(pid)
	if err != nil {
		t.Fatal(err)
	}
	if pc := userPC(t, pid); pc != auxv[_AT_ENTRY] {
		t.Errorf("held at pc %#x, want AT_ENTRY %#x", pc, auxv[_AT_ENTRY])
	}
	maps, _ := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
	if !strings.Contains(string(maps), "libc.so") {
		t.Errorf("libc not mapped at the entry point:\n%s", maps)
	}
	if b, _ := os.ReadFile(out); len(b) != 0 {
		t.Errorf("main ran before release: output %q", b)
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("hello: %v", err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("hello did not finish after release")
	}
	if b, _ := os.ReadFile(out); string(b) != fmt.Sprintf("hello from %d\n", pid) {
		t.Errorf("output: got %q, want hello", b)
	}
}

func waitExec(t *testing.T, w *watch.Watcher, pid int) {
	t.Helper()
	w.SetDeadline(time.Now().Add(waitTimeout))
	for {
		ev, err := w.Next()
		if err != nil {
			t.Fatalf("waiting for the exec of %d: %v", pid, err)
		}
		if ev.Kind == watch.KindExec && ev.Pid == pid {
			return
		}
	}
}

func waitState(t *testing.T, pid int, want string) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		st, err := procfs.ReadStatus(pid)
		if err == nil && strings.HasPrefix(st.State, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid %d state: got %+v (%v), want %s", pid, st, err, want)
		}
		time.Sleep(time.Millisecond)
	}
}

// userPC reads the user pc of a stopped task from /proc/PID/syscall
// ("-1 sp pc" when it is not in a system call).
func userPC(t *testing.T, pid int) uint64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/syscall", pid))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b))
	pc, err := strconv.ParseUint(strings.TrimPrefix(f[len(f)-1], "0x"), 16, 64)
	if err != nil {
		t.Fatalf("/proc/%d/syscall %q: %v", pid, b, err)
	}
	return pc
}
