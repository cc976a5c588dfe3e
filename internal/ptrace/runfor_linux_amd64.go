package ptrace

import (
	"encoding/binary"
	"errors"
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
// until timeout; the other threads stay stopped. No breakpoint is used:
// the threads run in short slices and are interrupted after each; a
// thread has returned when its stack pointer is above the slot that held
// the address when it started (a ret, a longjmp or an exit of the frame
// any other way), and it then stays stopped. The slices grow from
// firstSlice to maxSlice, so a function that runs long is interrupted
// rarely: each interrupt makes a blocking call that does not restart
// return EINTR. A thread with no such slot on its stack, or already on
// its address, counts as returned. reached tells which threads got there.
// On return every thread is stopped.
func (p *Process) RunUntil(targets map[int]uint64, timeout time.Duration) (reached map[int]bool, err error) {
	if e := p.do(func() { reached, err = p.runUntilLocked(targets, timeout) }); e != nil {
		return nil, e
	}
	return reached, err
}

const (
	// firstSlice and maxSlice bound how long RunUntil lets threads run
	// between two looks.
	firstSlice = 100 * time.Microsecond
	maxSlice   = 20 * time.Millisecond
	// maxSlotScan bounds the stack read to find a return address.
	maxSlotScan = 256 << 10
)

// Must be called via p.do.
func (p *Process) runUntilLocked(targets map[int]uint64, timeout time.Duration) (map[int]bool, error) {
	if p.running {
		return nil, p.errorf("run until", 0, 0, errRunning)
	}
	reached := make(map[int]bool, len(targets))
	slots := map[*thread]uint64{}
	for tid, addr := range targets {
		t, err := p.stoppedThread(tid)
		if err != nil {
			return nil, p.errorf("run until", tid, 0, err)
		}
		slot, ok := p.returnSlot(t, addr)
		reached[tid] = !ok
		if ok {
			slots[t] = slot
		}
	}
	deadline := time.Now().Add(timeout)
	for slice := firstSlice; len(slots) > 0 && time.Now().Before(deadline); slice = min(2*slice, maxSlice) {
		if err := p.runSlice(slots, min(slice, time.Until(deadline))); err != nil {
			return reached, err
		}
		for t, slot := range slots {
			var r unix.PtraceRegs
			switch {
			case p.threads[t.tid] != t:
				reached[t.tid] = true // gone: it is in no function any more
				delete(slots, t)
			case t.group:
				delete(slots, t) // held by a group-stop
			case getRegs(t.tid, &r) == nil && r.Rsp > slot:
				reached[t.tid] = true
				delete(slots, t)
			}
		}
	}
	return reached, nil
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

// runSlice lets the threads in slots run for d, then interrupts them and
// waits until each is stopped again. Their signals are passed on as for
// a running process. Must be called via p.do.
func (p *Process) runSlice(slots map[*thread]uint64, d time.Duration) error {
	for t := range slots {
		p.cont(t, t.sig)
	}
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		p.passOnFor(slots)
		if p.exited {
			return p.errorf("run until", 0, 0, ErrProcessExited)
		}
		p.sleepChild(min(time.Until(end), pollSleep))
	}
	for t := range slots {
		if !t.stopped {
			interrupt(t.tid)
		}
	}
	for t := range slots {
		if t.stopped || p.threads[t.tid] != t {
			continue
		}
		if _, _, err := p.waitThread(t, time.Now().Add(stopTimeout)); err != nil && !errors.Is(err, errThreadExited) {
			return err
		}
	}
	return nil
}

// passOnFor handles the stops of running threads in slots: signals go on
// with their thread; other stops (a stale interrupt, a clone) go on too,
// except a group-stop. Threads born meanwhile stay in their first stop,
// their signals delivered (settle).
// Must be called via p.do.
func (p *Process) passOnFor(slots map[*thread]uint64) {
	for range maxEventsPerPump {
		t, kind, _, ok := p.next()
		if !ok {
			return
		}
		if _, mine := slots[t]; !mine || kind == stopNone || kind == stopGone || kind == stopGroup {
			if kind == stopSignal {
				p.settle(t)
			}
			continue
		}
		p.cont(t, t.sig)
	}
}
