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
)

// _PTRACE_EVENTMSG_SYSCALL_ENTRY is the event message of a
// syscall-entry-stop (linux/ptrace.h, Linux 5.3).
const _PTRACE_EVENTMSG_SYSCALL_ENTRY = 1

// maxEventsPerPump bounds the events handled in one pump so that a thread
// that keeps trapping cannot starve the requests.
const maxEventsPerPump = 4096

func isStopSignal(sig unix.Signal) bool {
	switch sig {
	case unix.SIGSTOP, unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU:
		return true
	}
	return false
}

// waitEvent returns one pending state change of the calling thread's
// tracees without blocking; pid is 0 when there is none. A
// signal-delivery-stop is only looked at (waitid WNOWAIT, peeked true):
// a wait that consumes a stop clears the thread's exit code
// (kernel/exit.c wait_task_stopped), and a thread woken by our death
// gets exactly that exit code as its signal (kernel/signal.c ptrace_stop,
// ptrace_signal). Left unconsumed, the signal survives our death; the
// request that resumes the thread hands it on or drops it. Every other
// change is consumed at once.
func waitEvent() (pid int, ws unix.WaitStatus, peeked bool, err error) {
	for {
		info, err := waitidPeek()
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || info.Pid <= 0 {
			return 0, 0, false, err
		}
		if info.Code == _CLD_TRAPPED && info.Status > 0 && info.Status < 0x80 {
			return int(info.Pid), unix.WaitStatus(info.Status<<8 | 0x7f), true, nil
		}
		wpid, err := unix.Wait4(int(info.Pid), &ws, unix.WALL|unix.WNOHANG|_WNOTHREAD, nil)
		if errors.Is(err, unix.EINTR) || (err == nil && wpid == 0) {
			continue
		}
		return wpid, ws, false, err
	}
}

// _CLD_TRAPPED is the si_code of a ptrace-stop (asm-generic/siginfo.h).
const _CLD_TRAPPED = 4

// consume consumes the signal-delivery-stop t is in: the signal will not
// be delivered, not even if we die. Must be called via p.do.
func (p *Process) consume(t *thread) {
	if t.peeked {
		consumeStop(t.tid)
	}
	t.peeked, t.sig = false, 0
}

// consumeStop consumes the ptrace-stop thread tid is in.
func consumeStop(tid int) {
	var ws unix.WaitStatus
	for range maxExitingPolls {
		if wpid, err := unix.Wait4(tid, &ws, unix.WALL|unix.WNOHANG|_WNOTHREAD, nil); wpid == tid || (err != nil && !errors.Is(err, unix.EINTR)) {
			return
		}
	}
}

// settle delivers the signal a stopped thread holds and has it stop again
// right after: PTRACE_INTERRUPT, then PTRACE_CONT with the signal. The
// kernel sets up the handler (or ignores the signal) and, checking the
// interrupt before any other signal (get_signal), stops the thread on the
// handler's first instruction; the handler runs when the process
// resumes. A default action runs as it would: a stop becomes a group-stop,
// a fatal signal ends the process. Must be called via p.do.
func (p *Process) settle(t *thread) error {
	interrupt(t.tid)
	return p.cont(t, t.sig)
}

// next collects one pending state change of any of our threads without
// blocking; ok is false when there is none. A thread we do not know yet
// is one born from a clone event not collected yet: the kernel attached
// it to us. A peeked signal-delivery-stop reported again was left as it
// was by whoever saw it: its signal is delivered (settle).
// Must be called via p.do.
func (p *Process) next() (t *thread, kind stopKind, sig unix.Signal, ok bool) {
	for {
		wpid, ws, peeked, err := waitEvent()
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
		if peeked && t.stopped && t.peeked {
			p.settle(t)
			continue
		}
		kind, sig = p.observe(t, ws)
		t.peeked = peeked
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
			// At a syscall-entry-stop the call has yet to run: like a
			// clone event stop, the thread must finish it before remote
			// code runs on it (leaveSyscall).
			msg, err := getEventMsg(t.tid)
			t.inSyscall = err == nil && msg == _PTRACE_EVENTMSG_SYSCALL_ENTRY
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

// backoff paces a wait loop for stops: the tracer thread blocks in the
// kernel until a tracee changes state (waitChild), so a stop is seen as
// soon as the scheduler runs us, however busy the CPUs are. Spinning
// (sched_yield) or sleeping on Go timers instead took up to tens of ms
// on a loaded host: the threads we wait for compete with us for the CPU,
// and a Go timer or channel wake-up needs the Go scheduler as well.
type backoff struct{}

func newBackoff() backoff { return backoff{} }

// pause blocks until a tracee changes state or waitSlice passes; the
// caller polls again and checks its deadline. Must be called via p.do.
func (b *backoff) pause(p *Process) { waitChild(waitSlice) }

// waitSlice bounds one blocking wait for a SIGCHLD. A SIGCHLD that comes
// between a wait4(WNOHANG) that found nothing and the blocking wait is
// taken by the Go runtime's handler, not by us (a few µs of window): the
// slice bounds what such a miss costs, and makes every wait end by its
// deadline.
const waitSlice = time.Millisecond
