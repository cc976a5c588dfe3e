package ptrace

import (
	"errors"

	"golang.org/x/sys/unix"
)

// stopKind classifies what wait4 reported for a thread (ptrace(2), "Stopped
// states").
type stopKind int

const (
	stopNone   stopKind = iota // nothing to report yet
	stopGone                   // the thread exited or was killed
	stopSignal                 // signal-delivery-stop: sig is about to be delivered
	stopEvent                  // PTRACE_EVENT_STOP after PTRACE_INTERRUPT, or a new thread's first stop
	stopGroup                  // group-stop: sig (SIGSTOP...) stopped the whole process
	stopClone                  // PTRACE_EVENT_CLONE: the thread created a new, auto-attached thread
)

// maxPending bounds the signals recorded for one stopped thread; the
// kernel itself keeps one instance of each standard signal pending, and a
// thread re-raising signals in a loop must not grow this without end.
const maxPending = 64

// record keeps sig for re-delivery when the thread runs again.
func (t *thread) record(sig unix.Signal) {
	if len(t.pending) < maxPending {
		t.pending = append(t.pending, sig)
	}
}

// maxEventsPerPump bounds the events handled for one thread in one pump.
const maxEventsPerPump = 64

func ptraceRaw(req, tid int, addr, data uintptr) error {
	_, _, e := unix.Syscall6(unix.SYS_PTRACE, uintptr(req), uintptr(tid), addr, data, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

func seize(tid int) error {
	return ptraceRaw(unix.PTRACE_SEIZE, tid, 0, unix.PTRACE_O_TRACECLONE)
}

func listen(tid int) error { return ptraceRaw(unix.PTRACE_LISTEN, tid, 0, 0) }

func detach(tid int, sig unix.Signal) error {
	return ptraceRaw(unix.PTRACE_DETACH, tid, 0, uintptr(sig))
}

func isStopSignal(sig unix.Signal) bool {
	switch sig {
	case unix.SIGSTOP, unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU:
		return true
	}
	return false
}

// poll collects one pending state change of t without blocking.
// Must be called via p.do.
func (p *Process) poll(t *thread) (stopKind, unix.Signal) {
	var ws unix.WaitStatus
	for {
		wpid, err := unix.Wait4(t.tid, &ws, unix.WALL|unix.WNOHANG, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil { // ECHILD: no longer ours, so gone
			p.drop(t)
			return stopGone, 0
		}
		if wpid != t.tid {
			return stopNone, 0
		}
		return p.observe(t, ws)
	}
}

// observe updates t from a wait status. Must be called via p.do.
func (p *Process) observe(t *thread, ws unix.WaitStatus) (stopKind, unix.Signal) {
	if ws.Exited() || ws.Signaled() {
		p.drop(t)
		return stopGone, 0
	}
	if !ws.Stopped() {
		return stopNone, 0
	}
	t.stopped = true
	sig := ws.StopSignal()
	switch event := int(ws>>16) & 0xff; event {
	case 0:
		t.event = false
		return stopSignal, sig
	case unix.PTRACE_EVENT_CLONE:
		t.event = true
		if msg, err := unix.PtraceGetEventMsg(t.tid); err == nil {
			if _, ok := p.threads[int(msg)]; !ok {
				p.threads[int(msg)] = &thread{tid: int(msg)}
			}
		}
		return stopClone, sig
	case unix.PTRACE_EVENT_STOP:
		t.event = true
		t.group = isStopSignal(sig)
		if t.group {
			return stopGroup, sig
		}
		return stopEvent, sig
	default:
		t.event = true
		return stopEvent, sig
	}
}

// drop forgets a thread that is gone. The leader is reported last (kernel
// delay_group_leader), so its exit means the whole process is gone.
// Must be called via p.do.
func (p *Process) drop(t *thread) {
	delete(p.threads, t.tid)
	if t.tid == p.pid || len(p.threads) == 0 {
		p.exited = true
		clear(p.threads)
	}
}

// pump handles the events of a running target so that it runs as if
// untraced: signals are passed on, new threads and the threads that created
// them continue, group-stops stay stopped (PTRACE_LISTEN).
// Must be called via p.do.
func (p *Process) pump() {
	for _, tid := range p.tidsLocked() {
		t := p.threads[tid]
		if t == nil || t.stopped {
			continue
		}
		// Bounded so that a thread that keeps trapping cannot starve the
		// requests; the next pump goes on where this one stopped.
		for range maxEventsPerPump {
			kind, sig := p.poll(t)
			if kind == stopNone || kind == stopGone {
				break
			}
			p.passOn(t, kind, sig)
		}
	}
}

// passOn lets a thread go on after an event while the target runs.
// Must be called via p.do.
func (p *Process) passOn(t *thread, kind stopKind, sig unix.Signal) {
	// Errors are ESRCH (killed meanwhile): the thread is then not in a stop
	// we can use either, and the next poll sees its exit.
	switch kind {
	case stopGroup:
		listen(t.tid)
	case stopSignal:
		unix.PtraceCont(t.tid, int(sig))
	default:
		unix.PtraceCont(t.tid, 0)
	}
	t.stopped = false
}
