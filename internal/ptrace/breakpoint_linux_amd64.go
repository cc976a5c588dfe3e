package ptrace

import (
	"time"

	"golang.org/x/sys/unix"
)

// RunToBreakpoint lets thread tid of the stopped process run until it
// executes addr, where an int3 is written meanwhile, or until timeout; the
// other threads stay stopped. On return the thread is stopped, its rip on
// addr when reached, and the byte at addr is back. Signals that come on
// the way are delivered; a fault ends the run, the thread holding it.
//
// Unlike the rest of the package this is not safe against our death: if
// we die during the run, the int3 stays and the thread dies of SIGTRAP
// when it gets there. It exists for internal/server/startup, which holds a
// process that has just executed a new program at its entry point: no
// breakpoint-free stop at an exact address exists (single-step and debug
// registers outlive the tracer too: kernel/ptrace.c exit_ptrace does not
// undo them).
func (p *Process) RunToBreakpoint(tid int, addr uint64, timeout time.Duration) (reached bool, err error) {
	if e := p.do(func() { reached, err = p.runToBreakpointLocked(tid, addr, timeout) }); e != nil {
		return false, e
	}
	return reached, err
}

// Must be called via p.do.
func (p *Process) runToBreakpointLocked(tid int, addr uint64, timeout time.Duration) (reached bool, err error) {
	if p.running {
		return false, p.errorf("run to breakpoint", tid, addr, errRunning)
	}
	t, err := p.stoppedThread(tid)
	if err != nil {
		return false, p.errorf("run to breakpoint", tid, addr, err)
	}
	t.savedEpoch = 0 // it runs program code
	undo, err := p.patchLocked(addr, []byte{int3})
	if err != nil {
		return false, err
	}
	defer func() {
		if e := undo(); e != nil && err == nil && !p.exited {
			err = e
		}
	}()
	deadline := time.Now().Add(timeout)
	for {
		if err := p.cont(t, t.sig); err != nil {
			return false, p.errorf("run to breakpoint", tid, addr, err)
		}
		kind, late, err := p.waitThread(t, deadline)
		if err != nil {
			return false, err
		}
		if kind == stopSignal && t.sig == unix.SIGTRAP && p.atBreakpoint(t, addr) {
			p.consume(t)
			return true, nil
		}
		if late || (kind == stopSignal && raisedBy(t.sig, 1)) {
			return false, nil
		}
		if kind != stopSignal {
			t.sig = 0
		}
	}
}

// atBreakpoint checks whether t trapped on the int3 at addr and if so
// moves its rip back onto it. Must be called via p.do.
func (p *Process) atBreakpoint(t *thread, addr uint64) bool {
	var r unix.PtraceRegs
	if getRegs(t.tid, &r) != nil || r.Rip-1 != addr {
		return false
	}
	r.Rip--
	return setRegs(t.tid, &r) == nil
}

// patchLocked writes b at addr and returns a function that puts the old
// bytes back. Must be called via p.do.
func (p *Process) patchLocked(addr uint64, b []byte) (undo func() error, err error) {
	old := make([]byte, len(b))
	if _, err := p.mem.ReadAt(old, int64(addr)); err != nil {
		return nil, p.errorf("read memory", 0, addr, err)
	}
	if err := p.writeLocked(b, addr); err != nil {
		return nil, err
	}
	return func() error { return p.writeLocked(old, addr) }, nil
}
