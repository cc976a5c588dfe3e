package testutil

import (
	"bytes"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/ptrace"
)

var ptraceErr = sync.OnceValue(ptrace.Probe)

// MustHavePtrace skips the test when this program may not trace a child
// process (no ptrace, Yama, seccomp...), or fails it under CI.
func MustHavePtrace(t testing.TB) {
	t.Helper()
	if err := ptraceErr(); err != nil {
		if InCI() {
			t.Fatalf("ptrace unavailable under CI: %v", err)
		}
		t.Skipf("skipping test: ptrace unavailable: %v", err)
	}
}

// Output collects a process's stdout and stderr; it is safe for concurrent
// use by the process's copier goroutines and the test.
type Output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends b.
func (o *Output) Write(b []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(b)
}

// String returns everything written so far.
func (o *Output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// Len returns the number of bytes written so far: tests remember it and
// later look only at what came after (out.String()[n:]).
func (o *Output) Len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Len()
}

// StartTarget starts path with args, its stdout and stderr going to the
// returned Output. A cleanup kills it by pid (SIGKILL ends it even when it
// is stopped or traced) and waits for it.
func StartTarget(t testing.TB, path string, args ...string) (*exec.Cmd, *Output) {
	t.Helper()
	out := &Output{}
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	pid := cmd.Process.Pid
	t.Cleanup(func() {
		syscall.Kill(pid, syscall.SIGKILL)
		waited := make(chan struct{})
		go func() { cmd.Wait(); close(waited) }()
		select {
		case <-waited:
		case <-time.After(10 * time.Second):
			t.Errorf("target %s (pid %d) not reaped 10s after SIGKILL", path, pid)
		}
	})
	return cmd, out
}

// WaitOutput polls out until it contains substr or timeout passes (then
// the test fails with the output so far), and returns the output.
func WaitOutput(t testing.TB, out *Output, substr string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := out.String()
		if strings.Contains(s, substr) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("got output %q after %v, want it to contain %q", s, timeout, substr)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
