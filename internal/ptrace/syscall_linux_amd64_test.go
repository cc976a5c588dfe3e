package ptrace_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/procfs"
	"github.com/golibcare/golibcare/internal/ptrace"
	"github.com/golibcare/golibcare/internal/testutil"
	"golang.org/x/sys/unix"
)

// TestSyscallRestart runs remote code on threads blocked in restartable
// system calls (nanosleep, futex, read on a pipe) and checks that the
// program sees what it would untraced: each call restarts, the sleep lasts
// its full second, the read returns the data written after the stop.
func TestSyscallRestart(t *testing.T) {
	path := fixture(t, "restart")
	cmd := exec.Command(path)
	out := &testutil.Output{}
	cmd.Stdout, cmd.Stderr = out, out
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL); cmd.Wait() })
	var sleeper, waiter, reader int
	line := testutil.WaitOutput(t, out, "reader=", 5*time.Second)
	if _, err := fmt.Sscanf(line[strings.Index(line, "ready"):], "ready sleeper=%d futex=%d reader=%d", &sleeper, &waiter, &reader); err != nil {
		t.Fatalf("ready line %q: %v", line, err)
	}
	tests := []struct {
		name string
		tid  int
		nrs  []int // the call it blocks in, as /proc/TID/syscall shows it (a restarted sleep: restart_syscall)
		want string
	}{
		{"nanosleep", sleeper, []int{unix.SYS_NANOSLEEP, unix.SYS_CLOCK_NANOSLEEP, unix.SYS_RESTART_SYSCALL}, "sleep ret=0 errno=0 ms="},
		{"futex", waiter, []int{unix.SYS_FUTEX}, "futex ret=0 errno=0 word=1"},
		{"read", reader, []int{unix.SYS_READ}, "read ret=5 errno=0 data=hello"},
	}
	for _, tt := range tests {
		waitUntil(t, tt.name+" blocked", func() bool { return inSyscall(pid, tt.tid, tt.nrs) })
	}
	_, stub := libc(t, pid)
	p := seize(t, pid)
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		before, err := p.Regs(tt.tid)
		if err != nil {
			t.Fatal(err)
		}
		addr, err := p.SyscallOn(tt.tid, stub, unix.SYS_MMAP, 0, 4096, unix.PROT_READ,
			unix.MAP_PRIVATE|unix.MAP_ANONYMOUS, ^uint64(0), 0)
		if err != nil || findMapping(t, pid, addr) == nil {
			t.Errorf("%s: remote mmap: got %#x, %v, want a new mapping", tt.name, addr, err)
		}
		if after, _ := p.Regs(tt.tid); after == nil || *after != *before {
			t.Errorf("%s: got registers %+v after the remote call, want %+v", tt.name, after, before)
		}
	}
	if err := p.Detach(); err != nil {
		t.Fatal(err)
	}
	// The calls restart when the threads run again; the futex would see
	// the word changed (EAGAIN) if it were written before.
	for _, tt := range tests {
		waitUntil(t, tt.name+" blocked again", func() bool { return inSyscall(pid, tt.tid, tt.nrs) })
	}
	if _, err := stdin.Write([]byte("go\n")); err != nil {
		t.Fatal(err)
	}
	s := testutil.WaitOutput(t, out, "done", 5*time.Second)
	for _, tt := range tests {
		if !strings.Contains(s, tt.want) {
			t.Errorf("%s: got output %q, want a line %q", tt.name, s, tt.want)
		}
	}
	if i := strings.Index(s, "ms="); i >= 0 {
		if ms, _ := strconv.Atoi(strings.Fields(s[i+3:])[0]); ms < 1000 {
			t.Errorf("nanosleep: got %d ms, want at least 1000 (no early return)", ms)
		}
	}
}

// inSyscall reports whether thread tid of pid is blocked in one of nrs
// (sleeping, not stopped).
func inSyscall(pid, tid int, nrs []int) bool {
	if st, err := procfs.ReadStatus(tid); err != nil || st.State != "S" {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/syscall", pid, tid))
	if err != nil {
		return false
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return false
	}
	nr, err := strconv.Atoi(f[0])
	for _, want := range nrs {
		if err == nil && nr == want {
			return true
		}
	}
	return false
}

// TestSyscallInCloneEvent stops a process that creates threads all the
// time until a thread is caught in a PTRACE_EVENT_CLONE stop (inside
// clone), then runs a remote getpid on that very thread: the result must
// be the getpid's, and the thread's clone must still return the new
// thread's id. Syscall itself must pick another thread when there is one.
func TestSyscallInCloneEvent(t *testing.T) {
	pid, out := target(t, "spawner")
	_, stub := libc(t, pid)
	p := seize(t, pid)
	tid := catchInClone(t, p)
	if pick := p.StubTid(); pick == tid || p.InSyscall(pick) {
		t.Errorf("stub thread: got %d (inside a syscall: %v), want one not inside a syscall", pick, p.InSyscall(pick))
	}
	got, err := p.SyscallOn(tid, stub, unix.SYS_GETPID)
	if err != nil || got != uint64(pid) {
		t.Fatalf("remote getpid on thread %d in a clone stop: got %d, %v, want %d", tid, got, err, pid)
	}
	regs, err := p.Regs(tid)
	if err != nil {
		t.Fatal(err)
	}
	if child := int(int64(regs.Rax)); child <= 0 {
		t.Errorf("clone of thread %d returns %d after the remote call, want the new thread's id", tid, child)
	} else if _, err := os.Stat(fmt.Sprintf("/proc/%d/task/%d", pid, child)); err != nil {
		t.Errorf("clone returns %d, not a thread of %d: %v", child, pid, err)
	}
	if got, err := p.Syscall(stub, unix.SYS_GETPID); err != nil || got != uint64(pid) {
		t.Errorf("remote getpid: got %d, %v, want %d", got, err, pid)
	}
	n := out.Len()
	if err := p.Detach(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "spawner goes on", func() bool { return strings.Contains(out.String()[n:], "spawned") })
}

// catchInClone stops p until one of its threads is in a clone event stop,
// and returns that thread; it skips the test after 5 s without one.
func catchInClone(t *testing.T, p *ptrace.Process) int {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if err := p.Stop(); err != nil {
			t.Fatal(err)
		}
		for _, tid := range p.Tids() {
			if p.InSyscall(tid) {
				return tid
			}
		}
		if err := p.Resume(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(len(p.Tids())) * 50 * time.Microsecond)
	}
	t.Skip("skipping test: no thread caught inside clone within 5s")
	return 0
}

// TestRemoteKeepsState runs remote syscalls and a call that clobbers the
// vector registers and MXCSR on each thread of the survivor fixture (busy
// in user space, in nanosleep, read, futex and epoll_wait): the results
// are right, and registers, FPU state and signal mask are exactly as
// before. After the resume every thread goes on with its checks passing,
// and epoll_wait saw one EINTR at most: the one the stop itself causes.
func TestRemoteKeepsState(t *testing.T) {
	s := startSurvivor(t)
	text := s.text(t)
	p := seize(t, s.pid)
	eintr := s.words(t, s.addrs["counters"], nCounters)[cPollEINTR]
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"checker", "sleeper", "reader", "waiter", "poller"} {
		tid := s.tids[name]
		regs, err := p.Regs(tid)
		if err != nil {
			t.Fatal(err)
		}
		fpu, err := p.FPUState(tid)
		if err != nil {
			t.Fatal(err)
		}
		mask, err := p.SigMask(tid)
		if err != nil {
			t.Fatal(err)
		}
		if err := remoteRound(p, tid, s.clobber); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got, err := p.SyscallOn(tid, 0, unix.SYS_GETTID); err != nil || got != uint64(tid) {
			t.Errorf("%s: remote gettid: got %d, %v, want %d", name, got, err, tid)
		}
		if after, err := p.Regs(tid); err != nil || *after != *regs {
			t.Errorf("%s: got registers %+v, %v after remote code, want %+v", name, after, err, regs)
		}
		if after, err := p.FPUState(tid); err != nil || !bytes.Equal(after, fpu) {
			t.Errorf("%s: FPU state changed by remote code (%v)", name, err)
		}
		if after, err := p.SigMask(tid); err != nil || after != mask {
			t.Errorf("%s: got signal mask %#x, %v after remote code, want %#x", name, after, err, mask)
		}
	}
	if err := p.Detach(); err != nil {
		t.Fatal(err)
	}
	s.check(t, "after remote code on every thread", text)
	if d := s.words(t, s.addrs["counters"], nCounters)[cPollEINTR] - eintr; d > 1 {
		t.Errorf("epoll_wait returned EINTR %d times for one stop, want at most 1", d)
	}
}

// TestSyscallInterruptible runs remote calls that sleep interruptibly:
// they return at once with EINTR (remote code runs with an interrupt
// pending), and the process goes on. (Not nanosleep: a call interrupted
// with -ERESTART_RESTARTBLOCK replaces the thread's restart block, which
// its own interrupted sleep needs.)
func TestSyscallInterruptible(t *testing.T) {
	pid, out := target(t, "target", "1")
	p := seize(t, pid)
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	word, err := p.Syscall(0, unix.SYS_MMAP, 0, 4096, unix.PROT_READ|unix.PROT_WRITE,
		unix.MAP_PRIVATE|unix.MAP_ANONYMOUS, ^uint64(0), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, call := range []struct {
		name string
		nr   uint64
		args []uint64
	}{{"pause", unix.SYS_PAUSE, nil}, {"futex wait", unix.SYS_FUTEX, []uint64{word, futexWaitPrivate, 0, 0}}} {
		t0 := time.Now()
		if _, err := p.Syscall(0, call.nr, call.args...); !errors.Is(err, unix.EINTR) || time.Since(t0) > 2*time.Second {
			t.Errorf("remote %s: got %v after %v, want EINTR at once", call.name, err, time.Since(t0))
		}
	}
	n := out.Len()
	if err := p.Resume(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "output after resume", func() bool { return strings.Contains(out.String()[n:], "value=1") })
}

// TestNoSafeGadget runs remote code in a program without libc: refused
// with ErrNoSafeGadget, the program untouched and running on.
func TestNoSafeGadget(t *testing.T) {
	pid, _ := target(t, "nolibc")
	p := seize(t, pid)
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Syscall(0, unix.SYS_GETPID); !errors.Is(err, ptrace.ErrNoSafeGadget) {
		t.Errorf("remote getpid: got %v, want ErrNoSafeGadget", err)
	}
	if _, err := p.Call(0, 0x1000); !errors.Is(err, ptrace.ErrNoSafeGadget) {
		t.Errorf("remote call: got %v, want ErrNoSafeGadget", err)
	}
	if err := p.Detach(); err != nil {
		t.Fatal(err)
	}
	assertNotTraced(t, pid)
}

// TestNoRoomForFrame runs remote code on a thread whose stack pointer is
// 1 KiB above a guard page: the safety frame does not fit, the guard page
// is left alone (/proc/pid/mem reads and writes it: FOLL_FORCE), and
// Syscall runs on another thread instead.
func TestNoRoomForFrame(t *testing.T) {
	pid, out := target(t, "tightstack")
	var tid int
	var guard uint64
	if _, err := fmt.Sscanf(out.String()[strings.Index(out.String(), "ready"):], "ready tid=%d guard=%v", &tid, &guard); err != nil {
		t.Fatalf("ready line %q: %v", out.String(), err)
	}
	p := seize(t, pid)
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.SyscallOn(tid, 0, unix.SYS_GETPID); err == nil || !strings.Contains(err.Error(), "no room") {
		t.Errorf("remote getpid on the thread near its guard page: got %v, want no room", err)
	}
	if got, err := p.Syscall(0, unix.SYS_GETTID); err != nil || got != uint64(pid) {
		t.Errorf("remote gettid: got %d, %v, want %d (the main thread)", got, err, pid)
	}
	b := make([]byte, 4096)
	if _, err := p.ReadAt(b, int64(guard)); err != nil || !bytes.Equal(b, make([]byte, 4096)) {
		t.Errorf("guard page at %#x: got %v or bytes written, want zeros", guard, err)
	}
	if m := findMapping(t, pid, guard); m == nil || m.Perms != "---p" {
		t.Errorf("got mapping %+v at the guard page, want ---p", m)
	}
	if err := p.Detach(); err != nil {
		t.Fatal(err)
	}
	assertNotTraced(t, pid)
}

// futexWaitPrivate is FUTEX_WAIT|FUTEX_PRIVATE_FLAG (linux/futex.h).
const futexWaitPrivate = 0 | 128
