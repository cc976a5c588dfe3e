package ptrace

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// int3 is the breakpoint instruction of LibcarePlus's preload helper.
const int3 = 0xcc

// ErrExecFailed is returned by CatchExec when the thread's execve returned
// an error: the old program runs on, untraced.
var ErrExecFailed = errors.New("execve failed")

// CatchExec follows a thread that is about to execute int3 and then
// execve, as LibcarePlus's LD_PRELOAD helper does after its server
// answers (facts §8.13), and holds the new program before any of its code
// runs. It seizes thread tid alone (PTRACE_O_TRACEEXEC), calls ready,
// which lets the thread go on (the server's answer), swallows the SIGTRAP
// of its int3 (the byte before rip is 0xcc), and traces its system calls
// until the exec. Other signals are passed on as if untraced.
//
// On success the Process is the new program, whose only thread is stopped
// at PTRACE_EVENT_EXEC with the thread-group leader's pid. On any error the
// thread is left untraced and running, the int3's SIGTRAP never delivered:
// ErrExecFailed when execve failed, ErrTimeout when the int3 or the exec
// did not come within timeout (each).
func CatchExec(tid int, ready func() error, timeout time.Duration) (*Process, error) {
	req := startReq{p: newProcess(tid), started: make(chan error),
		attach: func(p *Process) error { return p.catchExec(ready, timeout) }}
	go runTracer(nil, req)
	if err := <-req.started; err != nil {
		return nil, err
	}
	return req.p, nil
}

// execCatch is the one traced thread while CatchExec follows it.
type execCatch struct {
	p         *Process
	tid       int         // its id; the leader's pid after the exec
	trapped   bool        // its int3 was swallowed: now tracing syscalls
	inSyscall bool        // between a syscall-entry and its exit stop
	nr        uint64      // the system call of the last entry stop
	stopped   bool        // in a ptrace-stop
	gone      bool        // exited or killed
	sig       unix.Signal // signal of the current stop, to pass on
}

// catchExec is CatchExec's attach, on the tracer goroutine: p.pid is the
// thread until the exec makes it the leader's pid.
func (p *Process) catchExec(ready func() error, timeout time.Duration) error {
	c := &execCatch{p: p, tid: p.pid}
	if err := ptraceRaw(unix.PTRACE_SEIZE, c.tid, 0, seizeOptions|unix.PTRACE_O_TRACEEXEC); err != nil {
		return p.errorf("seize", c.tid, 0, err)
	}
	if err := ready(); err != nil {
		c.release()
		return err
	}
	if err := c.follow(timeout); err != nil {
		c.release()
		return err
	}
	// Later execs are not ours to follow: back to the usual options.
	setOptions(c.tid, seizeOptions)
	p.pid = c.tid
	p.seq++
	// The stop is inside execve, on the way back to the new program.
	p.threads[c.tid] = &thread{tid: c.tid, stopped: true, event: true, inSyscall: true, seq: p.seq}
	if err := p.openMem(); err != nil {
		p.detachLocked()
		return err
	}
	p.settled = true
	return nil
}

// follow handles the thread's stops until it stops at its exec.
func (c *execCatch) follow(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		wpid, ws, err := c.wait(deadline)
		if err != nil {
			return err
		}
		if ws.Exited() || ws.Signaled() {
			c.gone = true
			return c.p.errorf("catch exec", c.tid, 0, ErrProcessExited)
		}
		if !ws.Stopped() {
			continue
		}
		c.stopped, c.sig = true, 0
		sig, event := ws.StopSignal(), int(ws>>16)&0xff
		switch {
		case event == unix.PTRACE_EVENT_EXEC:
			c.tid = wpid // a thread other than the leader took its pid
			return nil
		case event == 0 && sig == unix.SIGTRAP|0x80:
			if err := c.syscallStop(); err != nil {
				return err
			}
		case event == 0 && sig == unix.SIGTRAP && !c.trapped && c.atInt3():
			// Consumed at once: not even our death delivers it.
			consumeStop(c.tid)
			c.trapped = true
			deadline = time.Now().Add(timeout)
		case event == 0:
			c.sig = sig
		case event == unix.PTRACE_EVENT_STOP && isStopSignal(sig):
			// Group-stop: stay stopped until SIGCONT, as untraced.
			listen(c.tid)
			c.stopped = false
			continue
		}
		c.resume()
	}
}

// wait returns the thread's next state change, polling until deadline.
func (c *execCatch) wait(deadline time.Time) (int, unix.WaitStatus, error) {
	b := newBackoff()
	for {
		// A signal-delivery-stop is only peeked: its signal survives our
		// death until resume hands it on (waitEvent).
		wpid, ws, _, err := waitEvent()
		switch {
		case errors.Is(err, unix.ECHILD):
			c.gone = true
			return 0, 0, c.p.errorf("catch exec", c.tid, 0, ErrProcessExited)
		case err != nil:
			return 0, 0, c.p.errorf("wait", c.tid, 0, err)
		case wpid > 0:
			return wpid, ws, nil
		case time.Now().After(deadline):
			what := "int3"
			if c.trapped {
				what = "exec"
			}
			return 0, 0, c.p.errorf("catch exec", c.tid, 0, fmt.Errorf("no %s: %w", what, ErrTimeout))
		}
		b.pause(c.p)
	}
}

// syscallStop tells execve's exit stop apart: a successful execve stops
// at PTRACE_EVENT_EXEC before it, so reaching it means the exec failed.
func (c *execCatch) syscallStop() error {
	c.inSyscall = !c.inSyscall
	var r unix.PtraceRegs
	if err := getRegs(c.tid, &r); err != nil {
		return c.p.errorf("get registers", c.tid, 0, err)
	}
	if c.inSyscall {
		c.nr = r.Orig_rax
		return nil
	}
	if c.nr == unix.SYS_EXECVE || c.nr == unix.SYS_EXECVEAT {
		return c.p.errorf("catch exec", c.tid, 0, fmt.Errorf("%w: %w", ErrExecFailed, unix.Errno(uintptr(-int64(r.Rax)))))
	}
	return nil
}

// atInt3 reports whether the stopped thread has just executed an int3.
func (c *execCatch) atInt3() bool {
	var r unix.PtraceRegs
	if getRegs(c.tid, &r) != nil || r.Rip == 0 {
		return false
	}
	b := make([]byte, 1)
	return peek(c.tid, uintptr(r.Rip-1), b) == nil && b[0] == int3
}

// resume continues the stopped thread with the signal to pass on; once
// its int3 is swallowed, to its next system call.
func (c *execCatch) resume() {
	req := unix.PTRACE_CONT
	if c.trapped {
		req = unix.PTRACE_SYSCALL
	}
	ptraceRaw(req, c.tid, 0, uintptr(c.sig))
	c.stopped, c.sig = false, 0
}

// release detaches the thread after a failure, stopping it first if it
// runs. A SIGTRAP from the helper's int3 that arrives meanwhile is
// swallowed; other signals are passed on by the detach.
func (c *execCatch) release() {
	if c.gone {
		return
	}
	if !c.stopped {
		interrupt(c.tid)
		c.stopped = c.awaitStop(time.Now().Add(stopTimeout))
	}
	if c.stopped {
		detach(c.tid, c.sig)
	}
	// Otherwise the kernel detaches it when the tracer thread exits.
}

// awaitStop waits for the interrupted thread to stop, keeping the signal
// of its stop unless it is the int3's trap.
func (c *execCatch) awaitStop(deadline time.Time) bool {
	for {
		_, ws, err := c.wait(deadline)
		if err != nil || ws.Exited() || ws.Signaled() {
			return false
		}
		if !ws.Stopped() {
			continue
		}
		sig, event := ws.StopSignal(), int(ws>>16)&0xff
		switch {
		case event == 0 && sig == unix.SIGTRAP|0x80:
			c.sig = 0
		case event == 0 && sig == unix.SIGTRAP && !c.trapped && c.atInt3():
			consumeStop(c.tid)
			c.sig = 0
		case event == 0:
			c.sig = sig
		}
		return true
	}
}
