package ptrace

import (
	"bytes"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// remoteThread returns the thread remote code runs on, ready: tid when
// not 0, else the best stopped thread (remoteRank). A thread stopped
// inside a system call first finishes it (leaveSyscall); a thread holding
// a signal first lets it be delivered (deliverFirst). Threads in skip are
// not picked. Must be called via p.do.
func (p *Process) remoteThread(tid int, skip map[*thread]bool) (*thread, error) {
	if p.running {
		return nil, p.errorf("run remote code", 0, 0, errRunning)
	}
	if p.exited {
		return nil, p.errorf("run remote code", 0, 0, ErrProcessExited)
	}
	t, err := p.pickRemote(tid, skip)
	if err != nil {
		return nil, err
	}
	if err := p.leaveSyscall(t); err != nil {
		return nil, err
	}
	if t.sig != 0 {
		if err := p.deliverFirst(t); err != nil {
			return nil, err
		}
	}
	if err := p.checkShadowStack(t); err != nil {
		return nil, err
	}
	return t, nil
}

// pickRemote returns thread tid, or when tid is 0 the best stopped thread
// (remoteScore) not in skip, the leader among equals. Must be called via
// p.do.
func (p *Process) pickRemote(tid int, skip map[*thread]bool) (*thread, error) {
	if tid != 0 {
		t, err := p.stoppedThread(tid)
		if err != nil {
			return nil, p.errorf("run remote code", tid, 0, err)
		}
		return t, nil
	}
	if t := p.remote; t != nil && p.remoteEpoch == p.epoch && !skip[t] && t.stopped && p.threads[t.tid] == t && t.sig == 0 && !t.inSyscall && !t.group {
		// Remote code put it back as it found it: its score is the same.
		return t, nil
	}
	var best *thread
	bestScore := 0
	consider := func(t *thread) bool {
		if t == nil || !t.stopped || skip[t] {
			return false
		}
		if s := p.remoteScore(t); best == nil || s < bestScore {
			best, bestScore = t, s
		}
		return bestScore == 0
	}
	if !consider(p.threads[p.pid]) {
		for _, t := range p.threads {
			if consider(t) {
				break
			}
		}
	}
	if best == nil {
		return nil, p.errorf("run remote code", 0, 0, errRunning)
	}
	return best, nil
}

// remoteScore orders the candidates for remote code, best first. A plain
// stop comes before a group-stop (it has to be listened to again), a stop
// inside a system call (it has to finish the call first), a
// signal-delivery-stop (its signal has to be delivered first). Among
// plain stops, a thread stopped in user code is best: its frame holds
// nothing to restart. Then a thread in an ordinary call. Last a call
// whose restart or mask the frame cannot carry exactly: an already
// restarted sleep (restart_syscall would return EINTR after the frame's
// rt_sigreturn) or a mask-swapping call (maskSwappers). Must be called
// via p.do.
func (p *Process) remoteScore(t *thread) int {
	switch {
	case t.sig != 0:
		return 5
	case t.inSyscall:
		return 4
	case t.group:
		return 3
	}
	var r unix.PtraceRegs
	if getRegs(t.tid, &r) != nil {
		return 5
	}
	switch e := -int64(r.Rax); {
	case int64(r.Orig_rax) == -1:
		return 0
	case r.Orig_rax == _NR_restart_syscall,
		maskSwappers[r.Orig_rax] && (e == int64(unix.EINTR) || restartPending(&r)):
		return 2
	}
	return 1
}

// maskSwappers are the system calls that run with a temporary signal mask
// and, when interrupted, leave the restore of the thread's own mask to
// the kernel's way back to user space (set_user_sigmask,
// restore_saved_sigmask_unless). That saved mask cannot be read: a frame
// built on such a stop holds the temporary one until the thread passes
// that restore (remoteRun.fixMask).
var maskSwappers = map[uint64]bool{
	unix.SYS_RT_SIGSUSPEND: true, unix.SYS_PPOLL: true, unix.SYS_PSELECT6: true,
	unix.SYS_EPOLL_PWAIT: true, unix.SYS_EPOLL_PWAIT2: true, unix.SYS_IO_PGETEVENTS: true,
	unix.SYS_IO_URING_ENTER: true,
}

// leaveSyscall lets a thread stopped inside a system call finish it and
// stop at its syscall-exit-stop (PTRACE_SYSCALL): rax then holds the
// call's result and the kernel changes no register on the way out. A
// call that blocks is interrupted after stubTimeout; it then exits with a
// restart code. Threads born meanwhile stay in their first stop.
// Must be called via p.do.
func (p *Process) leaveSyscall(t *thread) error {
	for range maxLeaveStops {
		if !t.inSyscall {
			return nil
		}
		t.savedEpoch = 0
		if err := syscallReq(t.tid, 0); err != nil {
			return p.errorf("leave syscall", t.tid, 0, err)
		}
		t.stopped, p.settled = false, false
		if _, _, err := p.waitThread(t, time.Now().Add(stubTimeout)); err != nil {
			return err
		}
	}
	return p.errorf("leave syscall", t.tid, 0, fmt.Errorf("still inside a system call after %d stops", maxLeaveStops))
}

// maxLeaveStops bounds the event stops a thread may report inside one
// system call (a clone, then a vfork-done...).
const maxLeaveStops = 4

// deliverFirst lets the signal a thread holds be delivered and holds the
// thread right after, at its handler's entry (settle), where remote code
// can run. Must be called via p.do.
func (p *Process) deliverFirst(t *thread) error {
	for range maxLeaveStops {
		if t.sig == 0 {
			return nil
		}
		// The handler's entry changes the FPU state and the mask.
		t.savedEpoch = 0
		if err := p.settle(t); err != nil {
			return p.errorf("deliver signal", t.tid, 0, err)
		}
		if _, _, err := p.waitThread(t, time.Now().Add(stubTimeout)); err != nil {
			return err
		}
	}
	return p.errorf("deliver signal", t.tid, 0, fmt.Errorf("still holding signal %v after %d deliveries", t.sig, maxLeaveStops))
}

// waitThread waits for t to stop and returns that stop; other threads'
// stops are collected on the way, their signals delivered (settle). At
// deadline it interrupts t once and waits stopTimeout more: late tells
// that the stop came from that interrupt. Must be called via p.do.
func (p *Process) waitThread(t *thread, deadline time.Time) (kind stopKind, late bool, err error) {
	b := newBackoff()
	for {
		u, k, _, ok := p.next()
		switch {
		case ok && u == t && k != stopNone && k != stopGone:
			return k, late, nil
		case p.exited:
			return stopGone, late, p.errorf("wait", t.tid, 0, ErrProcessExited)
		case p.threads[t.tid] != t:
			return stopGone, late, p.errorf("wait", t.tid, 0, errThreadExited)
		case ok:
			if k == stopSignal {
				p.settle(u)
			}
			continue
		case time.Now().After(deadline) && late:
			return stopNone, late, p.errorf("wait", t.tid, 0, fmt.Errorf("thread did not stop: %w", ErrTimeout))
		case time.Now().After(deadline):
			interrupt(t.tid)
			late, deadline = true, time.Now().Add(stopTimeout)
		default:
			b.pause(p)
		}
	}
}

// checkShadowStack refuses a thread with a user shadow stack (x86 CET,
// Linux 6.6): our `ret` into a gadget and the frame's rt_sigreturn would
// not match it. Must be called via p.do.
func (p *Process) checkShadowStack(t *thread) error {
	if t.shstk == 0 {
		t.shstk = 1
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/status", p.pid, t.tid))
		if err == nil {
			for line := range bytes.Lines(b) {
				if bytes.HasPrefix(line, []byte("x86_Thread_features:")) && bytes.Contains(line, []byte("shstk")) {
					t.shstk = 2
				}
			}
		}
	}
	if t.shstk == 2 {
		return p.errorf("run remote code", t.tid, 0, fmt.Errorf("%w: the thread has a shadow stack", ErrNoSafeGadget))
	}
	return nil
}
