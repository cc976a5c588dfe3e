package ptrace

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"golang.org/x/sys/unix"
)

// runLocked continues the threads in targets and waits until each stops on
// one of the int3 breakpoints in bps (already written) or the deadline
// passes; then it interrupts the stragglers. A thread that stops on a
// breakpoint gets its rip reset to the breakpoint's address; reached[tid]
// says whether that was its own target. Other stops are handled on the way:
// signals are recorded, stale interrupt stops continued. On return every
// thread, including any born meanwhile, is stopped.
// Must be called via p.do.
func (p *Process) runLocked(targets map[int]uint64, bps map[uint64]bool, deadline time.Time) (map[int]bool, error) {
	reached := map[int]bool{}
	active := map[int]bool{}
	for tid := range targets {
		reached[tid] = false
		if unix.PtraceCont(tid, 0) == nil {
			p.threads[tid].stopped = false
			active[tid] = true
		}
	}
	stopping := false
	for len(active) > 0 {
		for _, tid := range p.tidsLocked() {
			if t := p.threads[tid]; t != nil && active[tid] && p.step(t, targets[tid], bps, stopping, reached) {
				delete(active, tid)
			}
		}
		for tid := range active {
			if p.threads[tid] == nil { // gone
				delete(active, tid)
			}
		}
		switch {
		case p.exited:
			return reached, p.errorf("run", 0, 0, ErrProcessExited)
		case len(active) == 0:
		case time.Now().After(deadline) && stopping:
			return reached, p.errorf("run", 0, 0, fmt.Errorf("threads %v did not stop: %w", slices.Sorted(maps.Keys(active)), ErrTimeout))
		case time.Now().After(deadline):
			stopping, deadline = true, time.Now().Add(stopTimeout)
			for tid := range active {
				unix.PtraceInterrupt(tid)
			}
		default:
			p.sleepChild(pollSleep)
		}
	}
	// Threads born meanwhile start in a trap: collect those stops.
	return reached, p.waitStopped(time.Now().Add(stopTimeout))
}

// step polls one running thread and reports whether it is done: stopped on
// a breakpoint, or (when stopping) stopped at all. Other stops are recorded
// and the thread continued. Must be called via p.do.
func (p *Process) step(t *thread, target uint64, bps map[uint64]bool, stopping bool, reached map[int]bool) bool {
	kind, sig := p.poll(t)
	switch kind {
	case stopNone, stopGone:
		return false
	}
	if kind == stopSignal && sig == unix.SIGTRAP {
		if addr, ok := p.atBreakpoint(t, bps); ok {
			reached[t.tid] = addr == target
			return true
		}
	}
	if kind == stopSignal {
		t.record(sig)
		if isFault(sig) {
			// Continuing would fault again at once; the thread stays at the
			// fault, which is delivered when the process resumes.
			return true
		}
	}
	if stopping {
		return true
	}
	if unix.PtraceCont(t.tid, 0) == nil {
		t.stopped = false
	}
	return false
}

// atBreakpoint checks whether t trapped on one of bps and if so moves its
// rip back onto the int3's address. Must be called via p.do.
func (p *Process) atBreakpoint(t *thread, bps map[uint64]bool) (uint64, bool) {
	var r unix.PtraceRegs
	if unix.PtraceGetRegs(t.tid, &r) != nil || !bps[r.Rip-1] {
		return 0, false
	}
	r.Rip--
	if unix.PtraceSetRegs(t.tid, &r) != nil {
		return 0, false
	}
	return r.Rip, true
}

// isFault reports whether sig is raised by the faulting instruction itself,
// so that suppressing it and continuing would only raise it again.
func isFault(sig unix.Signal) bool {
	switch sig {
	case unix.SIGSEGV, unix.SIGBUS, unix.SIGILL, unix.SIGFPE:
		return true
	}
	return false
}
