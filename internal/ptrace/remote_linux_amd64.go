package ptrace

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

const (
	// stubTimeout bounds a remote syscall or call: mmap and IFUNC
	// resolvers return at once; anything longer is a hang.
	stubTimeout = 3 * time.Second
	// maxErrno: a syscall returning -4095..-1 failed (glibc
	// INTERNAL_SYSCALL_ERROR_P).
	maxErrno = 4095
	// callStackRoom is the stack a remote call may use below its frame;
	// the thread's stack mapping must have it (IFUNC resolvers need
	// little).
	callStackRoom = 8 << 10
	// maxRemoteAttempts bounds the restarts of remote code when a signal
	// was dequeued before it could start (remoteRun.abort).
	maxRemoteAttempts = 8
	// eflags bits cleared for remote code: the ABI wants DF clear at
	// function entry, and we never single-step.
	eflagsTF = 0x100
	eflagsDF = 0x400
)

// errSignalFirst: a signal was dequeued before remote code started; the
// thread holds it and the code runs again, after its delivery.
var errSignalFirst = errors.New("signal dequeued before remote code started")

// errNoRoom: the thread's stack has no room for the safety frame; remote
// code may run on another thread.
var errNoRoom = errors.New("no room for the safety frame on the thread's stack")

// Syscall runs system call nr with args in the stopped process, on one
// thread, and returns its result; a result in [-4095, -1] is returned as
// a unix.Errno error. The thread's registers, FPU state and signal mask
// are as before afterwards, and at no instant would our death harm it
// (package doc, "Remote code"). stub is a hint: gadgets are looked up
// first in the executable mapping that holds it. The call runs with an
// interrupt pending for the thread: a call that sleeps interruptibly
// returns EINTR. A sleep or wait with a timeout (nanosleep, poll, futex)
// must not be run: interrupted, it replaces the thread's restart block,
// which the thread's own interrupted sleep may need.
func (p *Process) Syscall(stub uint64, nr uint64, args ...uint64) (uint64, error) {
	return p.syscallOn(0, stub, nr, args...)
}

// syscallOn is Syscall on thread tid, or on a thread pickRemote picks
// when tid is 0.
func (p *Process) syscallOn(tid int, stub uint64, nr uint64, args ...uint64) (uint64, error) {
	rc := remoteCode{op: fmt.Sprintf("syscall %d", nr), nr: nr}
	if len(args) > len(rc.args) {
		return 0, p.errorf(rc.op, 0, 0, fmt.Errorf("%d arguments, at most 6", len(args)))
	}
	copy(rc.args[:], args)
	ret, err := p.runRemote(tid, stub, rc)
	if err != nil {
		return 0, err
	}
	switch e := -int64(ret); e {
	case _ERESTARTSYS, _ERESTARTNOINTR, _ERESTARTNOHAND, _ERESTART_RESTARTBLOCK:
		// Interrupted by our own interrupt: what a program would see.
		return ret, unix.EINTR
	default:
		if e >= 1 && e <= maxErrno {
			return ret, unix.Errno(e)
		}
	}
	return ret, nil
}

// Call calls the function at fn with SysV arguments in the stopped
// process, on one thread, and returns rax. The thread's registers, FPU
// state and signal mask are as before afterwards. fn returns into a
// `syscall; ret` gadget, whose syscall-entry-stop gives its result back;
// see the package doc for what happens if we die meanwhile. A fault in fn
// is reported and not delivered. stub is a hint as for Syscall.
func (p *Process) Call(stub uint64, fn uint64, args ...uint64) (uint64, error) {
	rc := remoteCode{op: fmt.Sprintf("call %#x", fn), call: true, fn: fn}
	if len(args) > len(rc.args) {
		return 0, p.errorf(rc.op, 0, 0, fmt.Errorf("%d arguments, at most 6", len(args)))
	}
	copy(rc.args[:], args)
	return p.runRemote(0, stub, rc)
}

// remoteCode is one remote syscall or call.
type remoteCode struct {
	op   string
	call bool
	fn   uint64 // call: the function
	nr   uint64 // syscall: its number
	args [6]uint64
}

// runRemote runs rc on the tracer goroutine. Must not be called via p.do.
func (p *Process) runRemote(tid int, hint uint64, rc remoteCode) (uint64, error) {
	var ret uint64
	var err error
	if e := p.do(func() { ret, err = p.runRemoteLocked(tid, hint, rc) }); e != nil {
		return 0, e
	}
	if err != nil {
		return 0, fmt.Errorf("%s: %w", rc.op, err)
	}
	return ret, nil
}

// Must be called via p.do.
func (p *Process) runRemoteLocked(tid int, hint uint64, rc remoteCode) (uint64, error) {
	if p.running {
		return 0, p.errorf("run remote code", 0, 0, errRunning)
	}
	if p.exited {
		return 0, p.errorf("run remote code", 0, 0, ErrProcessExited)
	}
	g, err := p.gadgetsLocked(hint)
	if err != nil {
		return 0, err
	}
	skip := map[*thread]bool{}
	for range maxRemoteAttempts {
		t, err := p.remoteThread(tid, skip)
		if err != nil {
			return 0, err
		}
		if p.fpu == nil {
			if p.fpu, err = probeFPU(t.tid); err != nil {
				return 0, p.errorf("run remote code", t.tid, 0, err)
			}
		}
		r := &remoteRun{p: p, t: t, g: g, rc: rc}
		ret, err := r.run()
		if errors.Is(err, errNoRoom) && tid == 0 && len(skip) < maxRemoteAttempts-1 {
			skip[t] = true
			continue
		}
		if !errors.Is(err, errSignalFirst) {
			if err == nil && tid == 0 {
				p.remote, p.remoteEpoch = t, p.epoch
			}
			return ret, err
		}
	}
	return 0, p.errorf("run remote code", tid, 0, fmt.Errorf("signals kept arriving first %d times", maxRemoteAttempts))
}
