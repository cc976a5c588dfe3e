package ptrace

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"golang.org/x/sys/unix"
)

// run is one runLocked: the threads let go towards their breakpoints.
type run struct {
	targets  map[int]uint64
	bps      map[uint64]bool
	active   map[int]bool // continued, not back yet
	reached  map[int]bool
	stopping bool // deadline passed: stragglers were interrupted
}

// runLocked continues the threads in targets and waits until each stops on
// one of the int3 breakpoints in bps (already written) or the deadline
// passes; then it interrupts the stragglers. A thread that stops on a
// breakpoint gets its rip reset to the breakpoint's address; reached[tid]
// says whether that was its own target. Other stops are handled on the way:
// signals are recorded, stale interrupt stops continued. On return every
// thread, including any born meanwhile, is stopped.
// Must be called via p.do.
func (p *Process) runLocked(targets map[int]uint64, bps map[uint64]bool, deadline time.Time) (map[int]bool, error) {
	r := &run{targets: targets, bps: bps, active: map[int]bool{}, reached: map[int]bool{}}
	for tid := range targets {
		r.reached[tid] = false
		if t := p.threads[tid]; t != nil && p.cont(t, 0) == nil {
			r.active[tid] = true
		}
	}
	b := newBackoff()
	for len(r.active) > 0 {
		for {
			t, kind, sig, ok := p.next()
			if !ok {
				break
			}
			p.step(r, t, kind, sig)
		}
		for tid := range r.active {
			if p.threads[tid] == nil { // gone
				delete(r.active, tid)
			}
		}
		switch {
		case p.exited:
			return r.reached, p.errorf("run", 0, 0, ErrProcessExited)
		case len(r.active) == 0:
		case time.Now().After(deadline) && r.stopping:
			return r.reached, p.errorf("run", 0, 0, fmt.Errorf("threads %v did not stop: %w", slices.Sorted(maps.Keys(r.active)), ErrTimeout))
		case time.Now().After(deadline):
			r.stopping, deadline = true, time.Now().Add(stopTimeout)
			for tid := range r.active {
				interrupt(tid)
			}
		default:
			b.pause(p)
		}
	}
	// Threads born meanwhile start in a trap: collect those stops.
	return r.reached, p.waitStopped(time.Now().Add(stopTimeout))
}

// step handles one stop seen during a run. An active thread is done when
// it stopped on a breakpoint, or (when stopping) stopped at all; other
// stops of it are recorded and the thread continued. Other threads (born
// meanwhile) stay stopped. Must be called via p.do.
func (p *Process) step(r *run, t *thread, kind stopKind, sig unix.Signal) {
	if kind == stopNone || kind == stopGone {
		return
	}
	if !r.active[t.tid] {
		if kind == stopSignal {
			t.record(sig)
		}
		return
	}
	if kind == stopSignal && sig == unix.SIGTRAP {
		if addr, ok := p.atBreakpoint(t, r.bps); ok {
			r.reached[t.tid] = addr == r.targets[t.tid]
			delete(r.active, t.tid)
			return
		}
	}
	if kind == stopSignal {
		t.record(sig)
		if isFault(sig) {
			// Continuing would fault again at once; the thread stays at the
			// fault, which is delivered when the process resumes.
			delete(r.active, t.tid)
			return
		}
	}
	if r.stopping {
		delete(r.active, t.tid)
		return
	}
	p.cont(t, 0)
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
