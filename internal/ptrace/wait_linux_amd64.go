package ptrace

import (
	"errors"
	"time"

	"golang.org/x/sys/unix"
)

// stopKind classifies what wait4 reported for a thread (ptrace(2), "Stopped
// states").
type stopKind int

const (
	stopNone    stopKind = iota // nothing to report yet
	stopGone                    // the thread exited or was killed
	stopSignal                  // signal-delivery-stop: sig is about to be delivered
	stopEvent                   // PTRACE_EVENT_STOP after PTRACE_INTERRUPT, or a new thread's first stop
	stopGroup                   // group-stop: sig (SIGSTOP...) stopped the whole process
	stopClone                   // PTRACE_EVENT_CLONE: the thread created a new, auto-attached thread
	stopSyscall                 // syscall-entry or -exit-stop after PTRACE_SYSCALL (PTRACE_O_TRACESYSGOOD)
	stopInside                  // another PTRACE_EVENT_* stop, inside a system call
)

const (
	// _WNOTHREAD limits wait4 to the children and tracees of the calling
	// thread (linux/wait.h __WNOTHREAD): our tracer thread has no children
	// but its tracees, so wait4(-1) sees only this Process's threads.
	_WNOTHREAD = 0x20000000
	// spinTime is how long a wait polls with sched_yield before it sleeps:
	// a thread stops within microseconds of PTRACE_INTERRUPT once it gets a
	// CPU, and waking from a sleep costs more than the stop itself.
	spinTime = 2 * time.Millisecond
	// firstSleep is the first sleep after spinTime; sleeps double up to
	// pollSleep.
	firstSleep = 50 * time.Microsecond
)

// maxEventsPerPump bounds the events handled in one pump so that a thread
// that keeps trapping cannot starve the requests.
const maxEventsPerPump = 4096

func schedYield() { unix.Syscall(unix.SYS_SCHED_YIELD, 0, 0, 0) }

func isStopSignal(sig unix.Signal) bool {
	switch sig {
	case unix.SIGSTOP, unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU:
		return true
	}
	return false
}

// next collects one pending state change of any of our threads without
// blocking; ok is false when there is none. A thread we do not know yet
// is one born from a clone event not collected yet: the kernel attached
// it to us. Must be called via p.do.
func (p *Process) next() (t *thread, kind stopKind, sig unix.Signal, ok bool) {
	var ws unix.WaitStatus
	for {
		wpid, err := unix.Wait4(-1, &ws, unix.WALL|unix.WNOHANG|_WNOTHREAD, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if errors.Is(err, unix.ECHILD) && len(p.threads) > 0 {
			// Nothing is traced any more: every thread is gone.
			p.exited = true
			clear(p.threads)
		}
		if err != nil || wpid <= 0 {
			return nil, stopNone, 0, false
		}
		t = p.threads[wpid]
		if t == nil {
			t = &thread{tid: wpid}
			p.threads[wpid] = t
		}
		kind, sig = p.observe(t, ws)
		return t, kind, sig, true
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
	p.seq++
	t.stopped, t.seq = true, p.seq
	t.event, t.inSyscall, t.sig = true, false, 0
	sig := ws.StopSignal()
	switch event := int(ws>>16) & 0xff; event {
	case 0:
		if sig == unix.SIGTRAP|0x80 {
			return stopSyscall, 0
		}
		// A signal-delivery-stop: the signal was dequeued and stays with
		// the thread until it goes on (PTRACE_CONT/DETACH with it).
		t.event, t.sig = false, sig
		return stopSignal, sig
	case unix.PTRACE_EVENT_STOP:
		t.group = isStopSignal(sig)
		if t.group {
			return stopGroup, sig
		}
		return stopEvent, sig
	case unix.PTRACE_EVENT_CLONE:
		t.inSyscall = true
		if msg, err := getEventMsg(t.tid); err == nil {
			if _, ok := p.threads[int(msg)]; !ok {
				p.threads[int(msg)] = &thread{tid: int(msg)}
			}
		}
		return stopClone, sig
	default:
		t.inSyscall = true
		return stopInside, sig
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

// cont continues a stopped thread with sig. Errors are ESRCH (killed
// meanwhile): the next wait sees its exit. Must be called via p.do.
func (p *Process) cont(t *thread, sig unix.Signal) error {
	t.stopped, t.sig = false, 0
	p.settled = false
	return contReq(t.tid, sig)
}

// pump handles the events of a running target so that it runs as if
// untraced: signals are passed on, new threads and the threads that created
// them continue, group-stops stay stopped (PTRACE_LISTEN).
// Must be called via p.do.
func (p *Process) pump() {
	for range maxEventsPerPump {
		t, kind, sig, ok := p.next()
		if !ok {
			return
		}
		p.passOn(t, kind, sig)
	}
}

// passOn lets a thread go on after an event while the target runs.
// Must be called via p.do.
func (p *Process) passOn(t *thread, kind stopKind, sig unix.Signal) {
	switch kind {
	case stopNone, stopGone:
	case stopGroup:
		listen(t.tid)
		t.stopped = false
	case stopSignal:
		p.cont(t, sig)
	default:
		p.cont(t, 0)
	}
}

// backoff paces a wait loop: sched_yield while spinTime lasts (the
// threads we wait for may need our CPU to get to their stop), then sleeps
// for SIGCHLD growing from firstSleep to pollSleep.
type backoff struct {
	spinUntil time.Time
	sleep     time.Duration
}

func newBackoff() backoff {
	return backoff{spinUntil: time.Now().Add(spinTime), sleep: firstSleep}
}

// pause waits a little. Must be called via p.do.
func (b *backoff) pause(p *Process) {
	if time.Now().Before(b.spinUntil) {
		schedYield()
		return
	}
	p.sleepChild(b.sleep)
	b.sleep = min(2*b.sleep, pollSleep)
}
