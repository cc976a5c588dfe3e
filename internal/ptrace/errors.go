package ptrace

import (
	"errors"
	"fmt"
)

// ErrProcessExited is returned when the whole target process has exited.
var ErrProcessExited = errors.New("process exited")

// ErrDetached is returned by methods called after Detach.
var ErrDetached = errors.New("process detached")

// ErrTimeout is wrapped by errors of waits that ran out of time: threads
// that did not stop, remote code that did not come back.
var ErrTimeout = errors.New("timed out")

// errThreadExited is the cause when a thread we waited for exited.
var errThreadExited = errors.New("thread exited")

// errRunning is the cause when an operation needs the process stopped.
var errRunning = errors.New("process is running: call Stop first")

// Error is a failed operation on a traced process. Tid and Addr are zero
// when the operation is not about one thread or one address.
type Error struct {
	Op   string // "seize", "stop", "read memory", "syscall 9", ...
	Pid  int
	Tid  int
	Addr uint64
	Err  error
}

// Error formats the operation, pid, tid, address and cause.
func (e *Error) Error() string {
	s := fmt.Sprintf("%s pid %d", e.Op, e.Pid)
	if e.Tid != 0 && e.Tid != e.Pid {
		s += fmt.Sprintf(" tid %d", e.Tid)
	}
	if e.Addr != 0 {
		s += fmt.Sprintf(" at %#x", e.Addr)
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }
