package ptrace

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

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

// RunUntil lets the listed threads of the stopped process run until each
// has returned through its address, a return address on its stack, or
// until timeout; the other threads stay stopped. No breakpoint is used. A
// thread has returned when its stack pointer is above the slot that held
// the address when it started (a ret, a longjmp or any other exit of the
// frame); it then stays stopped. The threads run under PTRACE_SYSCALL:
// each of their system calls is a point to look at them, and a thread
// blocked in a call is left alone. A thread running in user space is
// interrupted to be looked at, after intervals growing from firstLook to
// maxLook. At the timeout the threads still out are interrupted: a
// blocking call that does not restart returns EINTR then, as at any
// stop. A thread with no such slot on its stack, or already on its
// address, counts as returned, as does one that exits. reached tells
// which threads got there. On return every thread is stopped.
func (p *Process) RunUntil(targets map[int]uint64, timeout time.Duration) (reached map[int]bool, err error) {
	if e := p.do(func() { reached, err = p.runUntilLocked(targets, timeout) }); e != nil {
		return nil, e
	}
	return reached, err
}

const (
	// firstLook and maxLook bound the intervals between two looks at a
	// thread running in user space.
	firstLook = 100 * time.Microsecond
	maxLook   = 20 * time.Millisecond
	// maxSlotScan bounds the stack read to find a return address.
	maxSlotScan = 256 << 10
)

// untilRun is one RunUntil: the threads still running towards their
// return address, with the stack slot each must get above.
type untilRun struct {
	p       *Process
	slots   map[*thread]uint64
	reached map[int]bool
}

// Must be called via p.do.
func (p *Process) runUntilLocked(targets map[int]uint64, timeout time.Duration) (map[int]bool, error) {
	if p.running {
		return nil, p.errorf("run until", 0, 0, errRunning)
	}
	u := &untilRun{p: p, slots: map[*thread]uint64{}, reached: make(map[int]bool, len(targets))}
	for tid, addr := range targets {
		t, err := p.stoppedThread(tid)
		if err != nil {
			return nil, p.errorf("run until", tid, 0, err)
		}
		slot, ok := p.returnSlot(t, addr)
		u.reached[tid] = !ok
		if ok {
			u.slots[t] = slot
		}
	}
	for t := range u.slots {
		u.goOn(t, t.sig)
	}
	err := u.watch(time.Now().Add(timeout))
	if e := u.stopAll(); err == nil {
		err = e
	}
	return u.reached, err
}

// watch handles the threads' stops until all are out or the deadline
// passes, interrupting those that run in user space now and then.
// Must be called via p.do.
func (u *untilRun) watch(deadline time.Time) error {
	p := u.p
	look, next := firstLook, time.Now().Add(firstLook)
	for len(u.slots) > 0 && time.Now().Before(deadline) {
		for range maxEventsPerPump {
			t, kind, _, ok := p.next()
			if !ok {
				break
			}
			u.onStop(t, kind)
		}
		if p.exited {
			return p.errorf("run until", 0, 0, ErrProcessExited)
		}
		u.forgetGone()
		if time.Now().After(next) {
			for t := range u.slots {
				if !t.stopped && inUserSpace(p.pid, t.tid) {
					interrupt(t.tid)
				}
			}
			look = min(2*look, maxLook)
			next = time.Now().Add(look)
		}
		p.sleepChild(min(time.Until(next), time.Until(deadline), pollSleep))
	}
	return nil
}

// onStop looks at a thread that stopped during the run. A thread of the
// run that is out stays stopped; otherwise it goes on, with its signal if
// it stopped for one, unless a group-stop holds it. Other threads' signals
// are delivered (settle). Must be called via p.do.
func (u *untilRun) onStop(t *thread, kind stopKind) {
	slot, mine := u.slots[t]
	switch {
	case kind == stopNone || kind == stopGone:
	case !mine:
		if kind == stopSignal {
			u.p.settle(t)
		}
	case kind == stopGroup:
		delete(u.slots, t)
	case u.out(t, slot):
		u.reached[t.tid] = true
		delete(u.slots, t)
		if kind == stopSignal {
			u.p.settle(t)
		}
	default:
		u.goOn(t, t.sig)
	}
}

// out reports whether stopped thread t is above slot.
func (u *untilRun) out(t *thread, slot uint64) bool {
	var r unix.PtraceRegs
	return getRegs(t.tid, &r) == nil && r.Rsp > slot
}

// goOn resumes a thread of the run to its next system call.
// Must be called via p.do.
func (u *untilRun) goOn(t *thread, sig unix.Signal) {
	t.stopped, t.sig, u.p.settled = false, 0, false
	syscallReq(t.tid, sig)
}

// forgetGone counts the threads of the run that exited as out.
func (u *untilRun) forgetGone() {
	for t := range u.slots {
		if u.p.threads[t.tid] != t {
			u.reached[t.tid] = true
			delete(u.slots, t)
		}
	}
}

// stopAll stops the threads of the run still running. A thread left at a
// syscall-entry-stop is marked inside its call (observe): remote code
// lets it finish the call first. Must be called via p.do.
func (u *untilRun) stopAll() error {
	p := u.p
	for t := range u.slots {
		if !t.stopped {
			interrupt(t.tid)
		}
	}
	for t := range u.slots {
		if t.stopped || p.threads[t.tid] != t {
			continue
		}
		if _, _, err := p.waitThread(t, time.Now().Add(stopTimeout)); err != nil && !errors.Is(err, errThreadExited) {
			return err
		}
	}
	return nil
}

// inUserSpace reports whether thread tid runs, or is ready to, outside
// any system call (/proc/PID/task/TID/syscall says "running" or -1 then).
func inUserSpace(pid, tid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/syscall", pid, tid))
	return err != nil || bytes.HasPrefix(b, []byte("running")) || bytes.HasPrefix(b, []byte("-1 "))
}

// returnSlot finds the stack slot holding return address addr: the
// lowest at or above rsp, the innermost frame returning there. ok is
// false when the thread is on addr already or the slot is not found.
// Must be called via p.do.
func (p *Process) returnSlot(t *thread, addr uint64) (slot uint64, ok bool) {
	var r unix.PtraceRegs
	if getRegs(t.tid, &r) != nil || r.Rip == addr {
		return 0, false
	}
	b := make([]byte, maxSlotScan)
	n, _ := p.mem.ReadAt(b, int64(r.Rsp))
	for i := 0; i+8 <= n; i += 8 {
		if binary.LittleEndian.Uint64(b[i:]) == addr {
			return r.Rsp + uint64(i), true
		}
	}
	return 0, false
}
