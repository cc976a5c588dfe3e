package ptrace_test

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/ptrace"
	"golang.org/x/sys/unix"
)

// TestSeizeStopped checks that SeizeStopped returns with every thread in
// a tracing stop, with and without a prestarted tracer, and that the
// process runs on after Detach.
func TestSeizeStopped(t *testing.T) {
	for _, tt := range []struct {
		workers  int
		prestart bool
	}{{0, false}, {0, true}, {8, true}, {8, false}} {
		t.Run(fmt.Sprintf("%d workers prestart %v", tt.workers, tt.prestart), func(t *testing.T) {
			pid, out := target(t, "target", strconv.Itoa(tt.workers))
			if tt.prestart {
				ptrace.Prestart()
			}
			p, err := ptrace.SeizeStopped(pid)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { p.Detach() })
			if got := len(p.Tids()); got != tt.workers+1 {
				t.Errorf("got %d threads, want %d", got, tt.workers+1)
			}
			for tid, s := range taskStates(t, pid) {
				if s.State != "t" {
					t.Errorf("thread %d: got state %s, want t (tracing stop)", tid, s.State)
				}
			}
			if _, err := p.Regs(pid); err != nil {
				t.Errorf("regs of the leader: %v", err)
			}
			if err := p.Detach(); err != nil {
				t.Fatal(err)
			}
			assertNotTraced(t, pid)
			before := strings.Count(out.String(), "value=")
			waitUntil(t, "output after detach", func() bool { return strings.Count(out.String(), "value=") > before+1 })
		})
	}
	if _, err := ptrace.SeizeStopped(1 << 30); !errors.Is(err, unix.ESRCH) {
		t.Errorf("seize of a missing pid: got %v, want ESRCH", err)
	}
}

// TestBatch runs a whole stop inside Batch: requests made from its function
// run on the tracer thread directly, and a Detach inside it ends the
// Process.
func TestBatch(t *testing.T) {
	pid, out := target(t, "target", "4")
	_, stub := libc(t, pid)
	p := seize(t, pid)
	var nregs int
	err := p.Batch(func() error {
		if err := p.Stop(); err != nil {
			return err
		}
		all, err := p.RegsAll()
		if err != nil {
			return err
		}
		nregs = len(all)
		got, err := p.Syscall(stub, unix.SYS_GETPID)
		if err != nil || got != uint64(pid) {
			return fmt.Errorf("getpid: got %d, %v, want %d", got, err, pid)
		}
		return p.Detach()
	})
	if err != nil {
		t.Fatal(err)
	}
	if nregs != 5 {
		t.Errorf("got registers of %d threads, want 5", nregs)
	}
	if err := p.Stop(); !errors.Is(err, ptrace.ErrDetached) {
		t.Errorf("stop after a detach in Batch: got %v, want ErrDetached", err)
	}
	assertNotTraced(t, pid)
	before := strings.Count(out.String(), "value=")
	waitUntil(t, "output after detach", func() bool { return strings.Count(out.String(), "value=") > before+1 })
}

// TestStopAfterKill kills a stopped process: the next Stop, with nothing
// run in between, must still notice that it is gone.
func TestStopAfterKill(t *testing.T) {
	pid, _ := target(t, "target", "2")
	p := seize(t, pid)
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := unix.Kill(pid, unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var err error
	waitUntil(t, "stop reports the exit", func() bool {
		err = p.Stop()
		return err != nil
	})
	if !errors.Is(err, ptrace.ErrProcessExited) {
		t.Errorf("stop after SIGKILL: got %v, want ErrProcessExited", err)
	}
}
