package ptrace

import (
	"errors"
	"fmt"
	"slices"
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
// including threads created meanwhile, is in a ptrace-stop. A thread that
// reports a signal-delivery-stop instead gets the signal delivered with
// its original siginfo and is held at its handler's entry (settle); the
// handler runs after Resume. Signals that arrive while a thread is
// stopped stay pending in the kernel. Nothing is consumed or sent again.
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
	if p.settled {
		// Nothing ran since the last Stop; only an exit (SIGKILL wakes a
		// stopped thread) can have happened.
		p.collectStops()
		p.lastStop = StopTimes{Threads: len(p.threads)}
		if p.exited {
			return p.errorf("stop", 0, 0, ErrProcessExited)
		}
		return nil
	}
	p.running = false
	t0 := time.Now()
	p.interruptRunning()
	t1 := time.Now()
	err := p.waitAll(t1.Add(stopTimeout))
	p.lastStop = StopTimes{Interrupt: t1.Sub(t0), Wait: time.Since(t1), Threads: len(p.threads)}
	return err
}

// StopTimes tells where a Stop spent its time.
type StopTimes struct {
	// Interrupt is the time taken to send PTRACE_INTERRUPT to every
	// running thread; Wait the time from the last interrupt until every
	// thread was seen stopped (threads found meanwhile included).
	Interrupt, Wait time.Duration
	// Threads is the number of threads traced at the end of the stop.
	Threads int
}

// LastStop returns the times of the last Stop; they are zero when it
// found every thread stopped already.
func (p *Process) LastStop() StopTimes {
	var st StopTimes
	p.do(func() { st = p.lastStop })
	return st
}

// waitAll waits until every thread is stopped, then seizes and interrupts
// any thread we did not know and waits again. Must be called via p.do.
func (p *Process) waitAll(deadline time.Time) error {
	for {
		if err := p.waitStopped(deadline); err != nil {
			return err
		}
		fresh, err := p.adoptUnknown()
		if err != nil || !fresh {
			p.settled = err == nil
			return err
		}
		p.interruptRunning()
	}
}

// interruptRunning sends PTRACE_INTERRUPT to every thread not yet stopped,
// all before waiting for any. A thread born from a clone event needs none
// (it starts in a trap), but an extra interrupt is harmless: it is
// reported once the thread runs again. Must be called via p.do.
func (p *Process) interruptRunning() {
	for _, t := range p.threads {
		if !t.stopped {
			interrupt(t.tid) // ESRCH: exiting; the wait sees it
		}
	}
}

// waitStopped waits until every thread is in a ptrace-stop.
// Must be called via p.do.
func (p *Process) waitStopped(deadline time.Time) error {
	b := newBackoff()
	for {
		p.collectStops()
		if p.exited {
			return p.errorf("stop", 0, 0, ErrProcessExited)
		}
		running := p.runningTids()
		if len(running) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return p.errorf("stop", 0, 0, fmt.Errorf("threads %v did not stop: %w", running, ErrTimeout))
		}
		b.pause(p)
	}
}

// collectStops collects every pending state change. A thread that
// reports a signal-delivery-stop gets its signal delivered and stops again
// at its handler's entry (settle): held in its stop, the signal would be
// lost if we died. Must be called via p.do.
func (p *Process) collectStops() {
	for {
		t, kind, _, ok := p.next()
		if !ok {
			return
		}
		if kind == stopSignal {
			p.settle(t)
		}
	}
}

// runningTids lists the threads not stopped. Must be called via p.do.
func (p *Process) runningTids() []int {
	var running []int
	for tid, t := range p.threads {
		if !t.stopped {
			running = append(running, tid)
		}
	}
	slices.Sort(running)
	return running
}

// adoptUnknown seizes and interrupts threads in /proc/pid/task we do not
// know yet; with PTRACE_O_TRACECLONE there should be none, as every clone
// event was seen before its parent's stop. Must be called via p.do.
func (p *Process) adoptUnknown() (bool, error) {
	if p.knowsAll() {
		return false, nil
	}
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

// knowsAll reports whether /proc/pid/task has as many threads as we
// trace, from its link count (2 + threads, kernel proc_task_getattr): one
// stat instead of a listing, which costs ~2 µs per thread. Must be called
// via p.do.
func (p *Process) knowsAll() bool {
	if p.taskDir < 0 {
		fd, err := unix.Open(fmt.Sprintf("/proc/%d/task", p.pid), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return false
		}
		p.taskDir = fd
	}
	var st unix.Stat_t
	if err := unix.Fstat(p.taskDir, &st); err != nil {
		return false
	}
	return st.Nlink == uint64(len(p.threads))+2
}

// stopOrder returns the stopped threads in the order they stopped, so
// that each is resumed about as long after its stop as the others.
// Must be called via p.do.
func (p *Process) stopOrder() []*thread {
	ts := make([]*thread, 0, len(p.threads))
	for _, t := range p.threads {
		if t.stopped {
			ts = append(ts, t)
		}
	}
	slices.SortFunc(ts, func(a, b *thread) int {
		switch {
		case a.seq < b.seq:
			return -1
		case a.seq > b.seq:
			return 1
		}
		return 0
	})
	return ts
}

// Resume continues every thread; a thread in a signal-delivery-stop goes
// on with its signal. Threads that were in group-stop stay stopped.
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
	for _, t := range p.stopOrder() {
		p.resumeThread(t)
	}
	p.running = true
	p.epoch++
	p.gadgetsChecked = false
	return nil
}

// resumeThread continues one stopped thread. Must be called via p.do.
func (p *Process) resumeThread(t *thread) {
	if t.group {
		// PTRACE_LISTEN keeps it in group-stop and reports the SIGCONT that
		// ends it; it needs the current stop to be a PTRACE_EVENT_STOP.
		if listen(t.tid) == nil {
			t.stopped, p.settled = false, false
			return
		}
		// Otherwise let it run into an interrupt: the stop it reports is
		// a group-stop again while the process is stopped, and pump
		// listens then.
		p.cont(t, t.sig)
		interrupt(t.tid)
		return
	}
	p.cont(t, t.sig)
}

// Detach stops the process if needed and detaches every thread, a thread
// in a signal-delivery-stop with its signal, leaving the process running (or group-stopped) as it was
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

// detachLocked detaches what can be detached, in stop order, and ends the
// tracer goroutine; a thread that would not stop is detached by the kernel
// when the tracer thread exits. Must be called via p.do.
func (p *Process) detachLocked() error {
	if p.detached {
		return nil
	}
	err := p.stopLocked()
	for _, t := range p.stopOrder() {
		detach(t.tid, t.sig) // ESRCH: it died meanwhile
	}
	clear(p.threads)
	p.detached, p.running, p.settled = true, false, false
	if p.mem != nil {
		p.mem.Close()
	}
	if p.taskDir >= 0 {
		unix.Close(p.taskDir)
		p.taskDir = -1
	}
	return err
}
