package ptrace_test

import (
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/procfs"
	"github.com/golibcare/golibcare/internal/ptrace"
	"github.com/golibcare/golibcare/internal/testutil"
)

// TestCatchExecNoExec: a thread that never comes to an int3 and an exec
// is traced while ready runs, gets the signals sent meanwhile, and is left
// untraced and running after the timeout or a failed ready.
func TestCatchExecNoExec(t *testing.T) {
	errReady := errors.New("client gone")
	tests := []struct {
		name     string
		readyErr error
		want     error
	}{
		{"timeout", nil, ptrace.ErrTimeout},
		{"ready fails", errReady, errReady},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pid, out := target(t, "target")
			var tracer int
			ready := func() error {
				st, err := procfs.ReadStatus(pid)
				if err == nil {
					tracer = st.TracerPid
				}
				syscall.Kill(pid, syscall.SIGUSR1)
				return tt.readyErr
			}
			p, err := ptrace.CatchExec(pid, ready, 200*time.Millisecond)
			if !errors.Is(err, tt.want) || p != nil {
				t.Fatalf("got %v, %v; want nil, %v", p, err, tt.want)
			}
			if tracer == 0 {
				t.Errorf("ready ran before the seize (TracerPid 0)")
			}
			testutil.WaitOutput(t, out, "got SIGUSR1 #1", 5*time.Second)
			assertNotTraced(t, pid)
			n := out.Len()
			waitUntil(t, "output after the catch", func() bool { return out.Len() > n })
		})
	}
}
