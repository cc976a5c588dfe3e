package ptrace

import (
	"time"

	"golang.org/x/sys/unix"
)

// runUntilSlice is how long RunUntil lets the process run.
const runUntilSlice = 5 * time.Millisecond

// RunFor lets every thread of the stopped process run for d, then stops
// them all again, so that a busy thread can leave a function without any
// breakpoint. Meanwhile the process runs as if untraced (signals are
// passed on, group-stops kept). Like every stop, the one at the end
// interrupts threads blocked in system calls; the calls that do not
// restart (epoll_wait, sigtimedwait, a recv with SO_RCVTIMEO) return
// EINTR to the program.
func (p *Process) RunFor(d time.Duration) error {
	var err error
	if e := p.do(func() { err = p.runForLocked(d) }); e != nil {
		return e
	}
	return err
}

// Must be called via p.do.
func (p *Process) runForLocked(d time.Duration) error {
	if p.running {
		return p.errorf("run", 0, 0, errRunning)
	}
	if err := p.resumeLocked(); err != nil {
		return err
	}
	deadline := time.Now().Add(d)
	for {
		p.pump()
		if p.exited {
			return p.errorf("run", 0, 0, ErrProcessExited)
		}
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		p.sleepChild(min(left, pollInterval))
	}
	return p.stopLocked()
}

// RunUntil is kept for callers not yet moved to RunFor; it plants no
// breakpoint any more. It checks that the listed threads are stopped,
// lets every thread run for timeout, at most runUntilSlice (RunFor), and
// reports which listed threads stopped exactly at their address: rarely
// any, so callers look at the threads again and call it once more.
func (p *Process) RunUntil(targets map[int]uint64, timeout time.Duration) (reached map[int]bool, err error) {
	if e := p.do(func() { reached, err = p.runUntilLocked(targets, timeout) }); e != nil {
		return nil, e
	}
	return reached, err
}

// Must be called via p.do.
func (p *Process) runUntilLocked(targets map[int]uint64, timeout time.Duration) (map[int]bool, error) {
	for tid := range targets {
		if _, err := p.stoppedThread(tid); err != nil {
			return nil, p.errorf("run until", tid, 0, err)
		}
	}
	if err := p.runForLocked(min(timeout, runUntilSlice)); err != nil {
		return nil, err
	}
	reached := make(map[int]bool, len(targets))
	for tid, addr := range targets {
		var r unix.PtraceRegs
		reached[tid] = p.threads[tid] != nil && getRegs(tid, &r) == nil && r.Rip == addr
	}
	return reached, nil
}
