package ptrace_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/ptrace"
	"github.com/golibcare/golibcare/internal/testutil"
	"golang.org/x/sys/unix"
)

// TestRunFor lets a stopped process run for a while: every thread moves
// on, all are stopped again afterwards, and no byte of the text changes.
func TestRunFor(t *testing.T) {
	pid, out := target(t, "target", "2")
	p := seize(t, pid)
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	text := processText(t, p, pid)
	before := counters(t, p, out, 2)
	n := out.Len()
	// On a loaded machine a woken thread may wait tens of ms for a CPU:
	// run until every thread moved, each run ending stopped.
	waitUntil(t, "every thread runs during RunFor", func() bool {
		if err := p.RunFor(20 * time.Millisecond); err != nil {
			t.Fatal(err)
		}
		after := counters(t, p, out, 2)
		return after[0] > before[0] && after[1] > before[1] && strings.Contains(out.String()[n:], "value=1")
	})
	for _, tid := range p.Tids() {
		if _, err := p.Regs(tid); err != nil {
			t.Errorf("thread %d not stopped after RunFor: %v", tid, err)
		}
	}
	if got := processText(t, p, pid); !slices.Equal(got, text) {
		t.Errorf("text changed by RunFor")
	}
	if err := p.Resume(); err != nil {
		t.Fatal(err)
	}
	if err := p.RunFor(time.Millisecond); err == nil {
		t.Errorf("RunFor on a running process: got no error")
	}
}

// TestRunUntil stops the busy fixture until its four threads are inside
// count(), then runs each out of it to its return address: only the
// threads run, each is left stopped outside count(), and the text is
// never changed (no breakpoint).
func TestRunUntil(t *testing.T) {
	pid, out := target(t, "busy")
	count := funcRange(t, pid, fixture(t, "busy"), "count")
	run := funcRange(t, pid, fixture(t, "busy"), "run")
	p := seize(t, pid)
	targets := map[int]uint64{}
	deadline := time.Now().Add(5 * time.Second)
	for len(targets) < 4 {
		if time.Now().After(deadline) {
			t.Skip("skipping test: threads not caught inside count() within 5s")
		}
		if err := p.Stop(); err != nil {
			t.Fatal(err)
		}
		clear(targets)
		for _, tid := range p.Tids() {
			if regs, _ := p.Regs(tid); tid != pid && regs != nil && regs.Rip >= count[0] && regs.Rip < count[1] {
				targets[tid] = returnAddress(t, p, regs, run)
			}
		}
		if len(targets) < 4 {
			if err := p.Resume(); err != nil {
				t.Fatal(err)
			}
		}
	}
	text := processText(t, p, pid)
	main, _ := p.Regs(pid)
	reached, err := p.RunUntil(targets, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for tid := range targets {
		regs, err := p.Regs(tid)
		switch {
		case err != nil:
			t.Errorf("thread %d not stopped after RunUntil: %v", tid, err)
		case !reached[tid]:
			t.Errorf("thread %d did not get out of count()", tid)
		case regs.Rip >= count[0] && regs.Rip < count[1]:
			t.Errorf("thread %d: got rip %#x inside count() after RunUntil", tid, regs.Rip)
		}
	}
	if now, _ := p.Regs(pid); now == nil || *now != *main {
		t.Errorf("main thread ran during RunUntil")
	}
	if got := processText(t, p, pid); !slices.Equal(got, text) {
		t.Errorf("text changed by RunUntil")
	}
	n := out.Len()
	if err := p.Detach(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "output after detach", func() bool { return strings.Contains(out.String()[n:], "calls") })
}

// returnAddress finds the return address into run() on the stack of a
// thread stopped inside count(): a word near rsp.
func returnAddress(t *testing.T, p *ptrace.Process, regs *unix.PtraceRegs, run [2]uint64) uint64 {
	t.Helper()
	b := make([]byte, 64)
	if _, err := p.ReadAt(b, int64(regs.Rsp)); err != nil {
		t.Fatal(err)
	}
	for i := 0; i+8 <= len(b); i += 8 {
		if v := binary.LittleEndian.Uint64(b[i:]); v >= run[0] && v < run[1] {
			return v
		}
	}
	t.Fatalf("no return address into run() near rsp %#x", regs.Rsp)
	return 0
}

// processText reads the executable file mappings of pid.
func processText(t *testing.T, p *ptrace.Process, pid int) []byte {
	t.Helper()
	var text []byte
	for _, m := range readMaps(t, pid) {
		if m.Exec() && strings.HasPrefix(m.Path, "/") {
			b := make([]byte, m.Size())
			if _, err := p.ReadAt(b, int64(m.Start)); err != nil {
				t.Fatal(err)
			}
			text = append(text, b...)
		}
	}
	return text
}

func TestSignalsWhileStopped(t *testing.T) {
	pid, out := target(t, "target", "1")
	_, stub := libc(t, pid)
	p := seize(t, pid)

	// Sent to the process while every thread is stopped: delivered on Resume.
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	syscall.Kill(pid, syscall.SIGUSR1)
	time.Sleep(20 * time.Millisecond) // would be delivered now if it leaked
	if strings.Contains(out.String(), "got SIGUSR1") {
		t.Fatalf("signal delivered while stopped")
	}
	if err := p.Resume(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "SIGUSR1 #1", func() bool { return strings.Contains(out.String(), "got SIGUSR1 #1") })

	// Sent to the thread that runs a remote syscall: held, not delivered
	// while the process is stopped, delivered on Detach.
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	unix.Tgkill(pid, pid, unix.SIGUSR1)
	if _, err := p.Syscall(stub, unix.SYS_GETPID); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "#2") {
		t.Fatalf("signal delivered during the remote syscall")
	}
	if err := p.Detach(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "SIGUSR1 #2", func() bool { return strings.Contains(out.String(), "got SIGUSR1 #2") })
	assertNotTraced(t, pid)
}

func TestGroupStop(t *testing.T) {
	tests := []struct {
		name        string
		stopFirst   bool // SIGSTOP arrives while we hold the process stopped
		remoteCalls bool // run a remote syscall on the group-stopped process
	}{
		{"sigstop while running", false, false},
		{"sigstop while running then remote syscall", false, true},
		{"sigstop while held", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pid, out := target(t, "target", "1")
			_, stub := libc(t, pid)
			p := seize(t, pid)
			if tt.stopFirst {
				if err := p.Stop(); err != nil {
					t.Fatal(err)
				}
			}
			syscall.Kill(pid, syscall.SIGSTOP)
			if tt.stopFirst {
				if err := p.Resume(); err != nil {
					t.Fatal(err)
				}
			}
			waitFrozen(t, p, out)
			if err := p.Stop(); err != nil {
				t.Fatal(err)
			}
			if tt.remoteCalls {
				if got, err := p.Syscall(stub, unix.SYS_GETPID); err != nil || got != uint64(pid) {
					t.Fatalf("getpid: got %d, %v, want %d", got, err, pid)
				}
			}
			if err := p.Resume(); err != nil {
				t.Fatal(err)
			}
			frozen := counters(t, p, out, 1)
			time.Sleep(20 * time.Millisecond) // stays stopped after our Resume
			if got := counters(t, p, out, 1); !slices.Equal(got, frozen) {
				t.Fatalf("got counters %v after Resume, want %v: a stopped process must stay stopped", got, frozen)
			}
			if err := p.Detach(); err != nil {
				t.Fatal(err)
			}
			// Detached threads are woken to re-enter the group-stop (kernel
			// __ptrace_unlink), so they may show R for a moment.
			waitUntil(t, "all threads in state T after detach", func() bool {
				for _, s := range taskStates(t, pid) {
					if s.State != "T" {
						return false
					}
				}
				return true
			})
			assertNotTraced(t, pid)
			n := out.Len()
			syscall.Kill(pid, syscall.SIGCONT)
			waitUntil(t, "output after SIGCONT", func() bool { return strings.Count(out.String()[n:], "value=") >= 2 })
		})
	}
}

// waitFrozen waits until every thread is in a stop (state t: the group-stop
// of a tracee) and the worker's counter no longer moves.
func waitFrozen(t *testing.T, p *ptrace.Process, out *testutil.Output) {
	t.Helper()
	waitUntil(t, "group-stop", func() bool {
		for _, s := range taskStates(t, p.Pid()) {
			if s.State != "t" {
				return false
			}
		}
		a := counters(t, p, out, 1)
		time.Sleep(10 * time.Millisecond)
		return slices.Equal(a, counters(t, p, out, 1))
	})
}

func TestSeizeErrors(t *testing.T) {
	t.Run("no such process", func(t *testing.T) {
		_, err := ptrace.Seize(1 << 30)
		if !errors.Is(err, unix.ESRCH) || !strings.Contains(err.Error(), "no such process") {
			t.Errorf("got %v, want ESRCH saying no such process", err)
		}
	})
	t.Run("already traced", func(t *testing.T) {
		pid, _ := target(t, "target", "2")
		p := seize(t, pid)
		_, err := ptrace.Seize(pid)
		want := fmt.Sprintf("already traced by pid %d", os.Getpid())
		if !errors.Is(err, unix.EPERM) || !strings.Contains(err.Error(), want) {
			t.Fatalf("got %v, want EPERM saying %q", err, want)
		}
		if err := p.Stop(); err != nil {
			t.Errorf("first tracer after the failed seize: %v", err)
		}
	})
	t.Run("exited", func(t *testing.T) {
		pid, _ := target(t, "target", "2")
		p := seize(t, pid)
		syscall.Kill(pid, syscall.SIGKILL)
		err := p.Stop()
		if !errors.Is(err, ptrace.ErrProcessExited) {
			t.Errorf("stop after kill: got %v, want ErrProcessExited", err)
		}
	})
}

func TestZombieLeader(t *testing.T) {
	pid, out := target(t, "target", "2", "exitmain")
	waitUntil(t, "leader exited", func() bool { return taskStates(t, pid)[pid].State == "Z" })
	_, stub := libc(t, pid)
	p := seize(t, pid)
	if tids := p.Tids(); len(tids) != 2 || slices.Contains(tids, pid) {
		t.Fatalf("got threads %v, want the 2 workers", tids)
	}
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	if got, err := p.Syscall(stub, unix.SYS_GETPID); err != nil || got != uint64(pid) {
		t.Errorf("getpid: got %d, %v, want %d", got, err, pid)
	}
	frozen := counters(t, p, out, 2)
	if err := p.Resume(); err != nil {
		t.Fatal(err)
	}
	allAdvance(t, "counters after resume", frozen, func() []uint64 { return counters(t, p, out, 2) })
	if err := p.Detach(); err != nil {
		t.Fatal(err)
	}
	assertNotTraced(t, pid)
}

// TestRunToBreakpoint runs the main thread to marker() while the workers
// stay stopped, then to never() until the timeout: no breakpoint is left
// behind and never() does not run.
func TestRunToBreakpoint(t *testing.T) {
	pid, out := target(t, "target", "2")
	bin := fixture(t, "target")
	marker, never := symbol(t, pid, bin, "marker"), symbol(t, pid, bin, "never")
	p := seize(t, pid)
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	before := counters(t, p, out, 2)
	reached, err := p.RunToBreakpoint(pid, marker, 2*time.Second)
	if err != nil || !reached {
		t.Fatalf("run to marker: got %v, %v, want reached", reached, err)
	}
	if regs, err := p.Regs(pid); err != nil || regs.Rip != marker {
		t.Errorf("got rip %#x, %v, want %#x", regs.Rip, err, marker)
	}
	if got := counters(t, p, out, 2); !slices.Equal(got, before) {
		t.Errorf("got counters %v, want %v: other threads must stay stopped", got, before)
	}
	reached, err = p.RunToBreakpoint(pid, never, 50*time.Millisecond)
	if err != nil || reached {
		t.Fatalf("run to never: got %v, %v, want not reached", reached, err)
	}
	code := make([]byte, 1)
	if p.ReadAt(code, int64(never)); code[0] == 0xcc {
		t.Errorf("breakpoint left at never()")
	}
	n := out.Len()
	if err := p.Detach(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "output after detach", func() bool { return strings.Count(out.String()[n:], "value=1") >= 2 })
	if strings.Contains(out.String(), "never called") {
		t.Errorf("never() ran")
	}
}

// TestRunUntilBlocked runs the survivor's poller, blocked in epoll_wait
// called in a loop, towards its return address out of epoll_wait for
// 300 ms: RunUntil looks at it at its system calls and never interrupts
// it while it is blocked, so epoll_wait returns EINTR for the stop before
// and for the last interrupt only, not for every look.
func TestRunUntilBlocked(t *testing.T) {
	s := startSurvivor(t)
	poller := s.tids["poller"]
	fn := funcRange(t, s.pid, fixture(t, "survivor"), "poller")
	p := seize(t, s.pid)
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	regs, err := p.Regs(poller)
	if err != nil {
		t.Fatal(err)
	}
	eintr := s.words(t, s.addrs["counters"], nCounters)[cPollEINTR]
	ret := returnAddress(t, p, regs, fn)
	if _, err := p.RunUntil(map[int]uint64{poller: ret}, 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Regs(poller); err != nil {
		t.Errorf("poller not stopped after RunUntil: %v", err)
	}
	if err := p.Detach(); err != nil {
		t.Fatal(err)
	}
	s.check(t, "after RunUntil", s.text(t))
	// One EINTR from Stop, one from the final stop; the look at /proc
	// before an interrupt races with the thread entering epoll_wait again,
	// which a loaded host wins now and then. Interrupting a blocked thread
	// at every look (about 20 in 300 ms) would give far more.
	if d := s.words(t, s.addrs["counters"], nCounters)[cPollEINTR] - eintr; d > 4 {
		t.Errorf("epoll_wait returned EINTR %d times, want at most 4", d)
	}
}
