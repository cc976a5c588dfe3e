package ptrace

import (
	"errors"
	"fmt"
	"time"

	"github.com/golibcare/golibcare/internal/procfs"
	"golang.org/x/sys/unix"
)

// stopTimeout bounds the wait for every thread to stop. A thread stops at
// its next return to user space or interruptible sleep; only a thread stuck
// in uninterruptible sleep (D state) takes longer.
const stopTimeout = 3 * time.Second

// pollSleep is the longest pause between two wait4(WNOHANG) polls when no
// SIGCHLD comes.
const pollSleep = 2 * time.Millisecond

// Stop interrupts every thread (PTRACE_INTERRUPT) and waits until each,
// including threads created meanwhile, is in a ptrace-stop. Signals that
// arrive meanwhile are recorded and delivered again by Resume or Detach.
func (p *Process) Stop() error {
	var err error
	if e := p.do(func() { err = p.stopLocked() }); e != nil {
		return e
	}
	return err
}

// Must be called via p.do.
func (p *Process) stopLocked() error {
	if p.exited {
		return p.errorf("stop", 0, 0, ErrProcessExited)
	}
	p.running = false
	deadline := time.Now().Add(stopTimeout)
	for {
		p.interruptRunning()
		err := p.waitStopped(deadline)
		if err != nil {
			return err
		}
		fresh, err := p.adoptUnknown()
		if err != nil || !fresh {
			return err
		}
	}
}

// interruptRunning sends PTRACE_INTERRUPT to every thread not yet stopped.
// A thread born from a clone event needs none (it starts in a trap), but an
// extra interrupt is harmless: it is reported once the thread runs again.
// Must be called via p.do.
func (p *Process) interruptRunning() {
	for _, t := range p.threads {
		if !t.stopped {
			unix.PtraceInterrupt(t.tid) // ESRCH: exiting; the wait sees it
		}
	}
}

// waitStopped waits until every thread is in a ptrace-stop, recording the
// signals that show up. Must be called via p.do.
func (p *Process) waitStopped(deadline time.Time) error {
	for {
		running := p.collectStops()
		if p.exited {
			return p.errorf("stop", 0, 0, ErrProcessExited)
		}
		if len(running) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return p.errorf("stop", 0, 0, fmt.Errorf("threads %v did not stop: %w", running, ErrTimeout))
		}
		p.sleepChild(pollSleep)
	}
}

// collectStops polls every running thread once and returns the threads
// still running, including any born from a clone event seen meanwhile.
// Must be called via p.do.
func (p *Process) collectStops() (running []int) {
	for _, tid := range p.tidsLocked() {
		if t := p.threads[tid]; t != nil && !t.stopped {
			if kind, sig := p.poll(t); kind == stopSignal {
				t.record(sig)
			}
		}
	}
	for _, tid := range p.tidsLocked() {
		if !p.threads[tid].stopped {
			running = append(running, tid)
		}
	}
	return running
}

// adoptUnknown seizes and interrupts threads in /proc/pid/task we do not
// know yet; with PTRACE_O_TRACECLONE there should be none, as every clone
// event was seen before its parent's stop. Must be called via p.do.
func (p *Process) adoptUnknown() (bool, error) {
	tids, err := procfs.Tasks(p.pid)
	if err != nil {
		return false, nil // the process is exiting; the next wait says so
	}
	fresh := false
	for _, tid := range tids {
		if _, ok := p.threads[tid]; ok {
			continue
		}
		ok, err := p.seizeThread(tid)
		if err != nil {
			return false, err
		}
		if ok {
			p.threads[tid] = &thread{tid: tid}
			fresh = true
		}
	}
	return fresh, nil
}

// Resume continues every thread, re-delivering the signals recorded while
// they were stopped. Threads that were in group-stop stay stopped.
func (p *Process) Resume() error {
	var err error
	if e := p.do(func() { err = p.resumeLocked() }); e != nil {
		return e
	}
	return err
}

// Must be called via p.do.
func (p *Process) resumeLocked() error {
	if p.exited {
		return p.errorf("resume", 0, 0, ErrProcessExited)
	}
	for _, t := range p.threads {
		if t.stopped {
			p.resumeThread(t)
		}
	}
	p.running = true
	return nil
}

// resumeThread continues one stopped thread. Must be called via p.do.
func (p *Process) resumeThread(t *thread) {
	sig := p.flushSignals(t)
	t.stopped = false
	if t.group {
		// PTRACE_LISTEN keeps it in group-stop and reports the SIGCONT that
		// ends it; it needs the current stop to be a PTRACE_EVENT_STOP.
		if listen(t.tid) == nil {
			return
		}
		// Otherwise let it run into an interrupt: the stop it reports is
		// a group-stop again while the process is stopped, and pump
		// listens then.
		unix.PtraceCont(t.tid, int(sig))
		unix.PtraceInterrupt(t.tid)
		return
	}
	unix.PtraceCont(t.tid, int(sig))
}

// flushSignals re-queues the signals recorded for t and returns the one to
// inject with the next PTRACE_CONT/PTRACE_DETACH. Injection only works from
// a signal-delivery-stop (ptrace(2), "Signal injection and suppression");
// other signals go back with tgkill and meet the thread when it runs.
// Must be called via p.do.
func (p *Process) flushSignals(t *thread) unix.Signal {
	pending := t.pending
	t.pending = nil
	var sig unix.Signal
	if !t.event && len(pending) > 0 {
		sig, pending = pending[0], pending[1:]
	}
	for _, s := range pending {
		unix.Tgkill(p.pid, t.tid, s)
	}
	return sig
}

// Detach stops the process if needed and detaches every thread with its
// pending signals, leaving the process running (or group-stopped) as it was
// before Seize. Detach is idempotent: later calls return nil.
func (p *Process) Detach() error {
	var err error
	if e := p.do(func() { err = p.detachLocked() }); e != nil {
		if errors.Is(e, ErrDetached) {
			return nil
		}
		return e
	}
	return err
}

// detachLocked detaches what can be detached and ends the tracer
// goroutine; a thread that would not stop is detached by the kernel when
// the tracer thread exits. Must be called via p.do.
func (p *Process) detachLocked() error {
	if p.detached {
		return nil
	}
	err := p.stopLocked()
	for _, tid := range p.tidsLocked() {
		t := p.threads[tid]
		if t.stopped {
			sig := p.flushSignals(t)
			detach(t.tid, sig) // ESRCH: it died meanwhile
		}
	}
	clear(p.threads)
	p.detached, p.running = true, false
	if p.mem != nil {
		p.mem.Close()
	}
	return err
}
