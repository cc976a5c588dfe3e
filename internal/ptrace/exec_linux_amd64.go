package ptrace

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"golang.org/x/sys/unix"
)

// Code stubs written at the caller's executable address (facts §8.11).
var (
	syscallStub = []byte{0x0f, 0x05, 0xcc} // syscall; int3
	callStub    = []byte{0xff, 0xd0, 0xcc} // call *%rax; int3
)

const (
	// stubTimeout bounds a remote syscall or call: mmap and IFUNC
	// resolvers return at once; anything longer is a hang.
	stubTimeout = 3 * time.Second
	// redZone is the area below rsp a leaf function may use without
	// moving rsp (SysV ABI §3.2.2); a call must not clobber it.
	redZone = 128
	// maxErrno: a syscall returning -4095..-1 failed (glibc
	// INTERNAL_SYSCALL_ERROR_P).
	maxErrno = 4095
	int3     = 0xcc
)

// Syscall runs system call nr with args in the stopped process, on one
// thread, by writing `syscall; int3` at stub (an address in an executable
// mapping). Registers and the bytes at stub are restored. A result in
// [-4095, -1] is returned as a unix.Errno error.
func (p *Process) Syscall(stub uint64, nr uint64, args ...uint64) (uint64, error) {
	return p.syscallOn(0, stub, nr, args...)
}

// syscallOn is Syscall on thread tid, or on a thread stubThread picks
// when tid is 0.
func (p *Process) syscallOn(tid int, stub uint64, nr uint64, args ...uint64) (uint64, error) {
	if len(args) > 6 {
		return 0, p.errorf(fmt.Sprintf("syscall %d", nr), 0, stub, fmt.Errorf("%d arguments, at most 6", len(args)))
	}
	a := make([]uint64, 6)
	copy(a, args)
	ret, err := p.runStub(tid, fmt.Sprintf("syscall %d", nr), stub, syscallStub, func(r *unix.PtraceRegs) {
		r.Rax = nr
		r.Rdi, r.Rsi, r.Rdx, r.R10, r.R8, r.R9 = a[0], a[1], a[2], a[3], a[4], a[5]
	})
	if err != nil {
		return 0, err
	}
	if e := -int64(ret); e >= 1 && e <= maxErrno {
		return ret, unix.Errno(e)
	}
	return ret, nil
}

// Call calls the function at fn with SysV arguments in the stopped
// process, on one thread, by writing `call *%rax; int3` at stub. The stack
// pointer is moved below the red zone and aligned to 16 bytes. It returns
// rax; registers and the bytes at stub are restored.
func (p *Process) Call(stub uint64, fn uint64, args ...uint64) (uint64, error) {
	op := fmt.Sprintf("call %#x", fn)
	if len(args) > 6 {
		return 0, p.errorf(op, 0, stub, fmt.Errorf("%d arguments, at most 6", len(args)))
	}
	a := make([]uint64, 6)
	copy(a, args)
	return p.runStub(0, op, stub, callStub, func(r *unix.PtraceRegs) {
		r.Rax = fn
		r.Rdi, r.Rsi, r.Rdx, r.Rcx, r.R8, r.R9 = a[0], a[1], a[2], a[3], a[4], a[5]
		r.Rsp = (r.Rsp - redZone) &^ 15
	})
}

// runStub writes code at stub, runs it on one stopped thread from stub to
// its final int3 and returns rax. Must not be called via p.do.
func (p *Process) runStub(tid int, op string, stub uint64, code []byte, setup func(*unix.PtraceRegs)) (uint64, error) {
	var ret uint64
	var err error
	if e := p.do(func() { ret, err = p.runStubLocked(tid, stub, code, setup) }); e != nil {
		return 0, e
	}
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	return ret, nil
}

// Must be called via p.do.
func (p *Process) runStubLocked(tid int, stub uint64, code []byte, setup func(*unix.PtraceRegs)) (ret uint64, err error) {
	t, err := p.stubThread(tid)
	if err != nil {
		return 0, err
	}
	var saved unix.PtraceRegs
	if err := unix.PtraceGetRegs(t.tid, &saved); err != nil {
		return 0, p.errorf("get registers", t.tid, 0, err)
	}
	undo, err := p.patchLocked(stub, code)
	if err != nil {
		return 0, err
	}
	defer func() {
		// Restore even after a failure; after an exit there is nothing to restore.
		if !p.exited {
			unix.PtraceSetRegs(t.tid, &saved)
			if e := undo(); err == nil {
				err = e
			}
		}
	}()
	r := saved
	setup(&r)
	// orig_rax -1: not in a syscall, so on the way out of this stop the
	// kernel restarts nothing over our registers
	// (arch_do_signal_or_restart). The saved registers go back while the
	// thread sits in the int3's signal-delivery-stop, inside get_signal:
	// when it resumes, the kernel sees the interrupted call's orig_rax and
	// -ERESTART* in rax as before and restarts it (nanosleep through
	// restart_syscall) or returns its result, as it would untraced.
	r.Rip, r.Orig_rax = stub, ^uint64(0)
	return p.execStub(t, &r, stub+uint64(len(code))-1)
}

// execStub runs t from regs r to the int3 at trap and returns rax. A fault
// on the way is our code's, not the program's: it is reported and not
// re-delivered. Must be called via p.do.
func (p *Process) execStub(t *thread, r *unix.PtraceRegs, trap uint64) (uint64, error) {
	if err := unix.PtraceSetRegs(t.tid, r); err != nil {
		return 0, p.errorf("set registers", t.tid, 0, err)
	}
	before := len(t.pending)
	reached, err := p.runLocked(map[int]uint64{t.tid: trap}, map[uint64]bool{trap: true}, time.Now().Add(stubTimeout))
	if err != nil {
		return 0, err
	}
	if fault := p.dropFaults(t, before); fault != 0 {
		return 0, p.errorf("run stub", t.tid, trap, fmt.Errorf("stopped by %v", fault))
	}
	if !reached[t.tid] {
		return 0, p.errorf("run stub", t.tid, trap, fmt.Errorf("int3 not reached: %w", ErrTimeout))
	}
	if err := unix.PtraceGetRegs(t.tid, r); err != nil {
		return 0, p.errorf("get registers", t.tid, 0, err)
	}
	return r.Rax, nil
}

// dropFaults removes the fault signals recorded for t since index from and
// returns the first. Must be called via p.do.
func (p *Process) dropFaults(t *thread, from int) unix.Signal {
	var first unix.Signal
	kept := t.pending[:from]
	for _, sig := range t.pending[from:] {
		switch {
		case !isFault(sig):
			kept = append(kept, sig)
		case first == 0:
			first = sig
		}
	}
	t.pending = kept
	return first
}

// stubThread picks the thread remote code runs on (tid, when not 0, is
// the caller's choice): one whose stop is on its way back to user space
// (an interrupt, signal or group stop, all in the kernel's get_signal), so
// that its registers are the ones it will resume with, the leader first.
// A thread stopped inside a system call (a PTRACE_EVENT_CLONE stop of
// pthread_create) is only used when there is no other, after leaveSyscall:
// the kernel would store the call's result into rax over the stub's, and
// restoring the registers afterwards would make the call fail in the
// program. Must be called via p.do.
func (p *Process) stubThread(tid int) (*thread, error) {
	if p.running {
		return nil, p.errorf("run stub", 0, 0, errRunning)
	}
	if p.exited {
		return nil, p.errorf("run stub", 0, 0, ErrProcessExited)
	}
	if tid != 0 {
		t, err := p.stoppedThread(tid)
		if err != nil {
			return nil, p.errorf("run stub", tid, 0, err)
		}
		return t, p.leaveSyscall(t)
	}
	best := p.pickStub()
	if best == nil {
		return nil, p.errorf("run stub", 0, 0, errRunning)
	}
	return best, p.leaveSyscall(best)
}

// pickStub returns the stopped thread of the lowest stubRank, the leader
// if it is one of them. Must be called via p.do.
func (p *Process) pickStub() *thread {
	best := p.threads[p.pid]
	if best != nil && !best.stopped {
		best = nil
	}
	for _, t := range p.threads {
		if t.stopped && (best == nil || stubRank(t) < stubRank(best)) {
			best = t
		}
	}
	return best
}

// stubRank orders the candidates for remote code, best first: a plain
// stop, a group-stop (it has to be listened to again), a stop inside a
// system call (it has to finish the call first).
func stubRank(t *thread) int {
	switch {
	case t.inSyscall:
		return 2
	case t.group:
		return 1
	}
	return 0
}

// leaveSyscall lets a thread stopped inside a system call finish it and
// stop at its syscall-exit-stop (PTRACE_SYSCALL): rax then holds the
// call's result and the kernel changes no register on the way out, and a
// restart (-ERESTARTSYS...) is still decided from orig_rax and rax when
// the thread resumes. A call that blocks is interrupted after
// stubTimeout; it then exits with a restart code. Threads born meanwhile
// stay in their first stop. Must be called via p.do.
func (p *Process) leaveSyscall(t *thread) error {
	for range maxLeaveStops {
		if !t.inSyscall {
			return nil
		}
		if err := ptraceRaw(unix.PTRACE_SYSCALL, t.tid, 0, 0); err != nil {
			return p.errorf("leave syscall", t.tid, 0, err)
		}
		t.stopped, p.settled = false, false
		if err := p.waitThread(t, time.Now().Add(stubTimeout)); err != nil {
			return err
		}
	}
	return p.errorf("leave syscall", t.tid, 0, fmt.Errorf("still inside a system call after %d stops", maxLeaveStops))
}

// maxLeaveStops bounds the event stops a thread may report inside one
// system call (a clone, then a vfork-done...).
const maxLeaveStops = 4

// waitThread waits for t to stop, recording signals; others stay as they
// are. After deadline it interrupts t once more. Must be called via p.do.
func (p *Process) waitThread(t *thread, deadline time.Time) error {
	b := newBackoff()
	interrupted := false
	for !t.stopped {
		p.collectStops()
		if p.exited || p.threads[t.tid] == nil {
			return p.errorf("run stub", t.tid, 0, ErrProcessExited)
		}
		switch {
		case t.stopped:
		case time.Now().After(deadline) && interrupted:
			return p.errorf("run stub", t.tid, 0, fmt.Errorf("thread did not stop: %w", ErrTimeout))
		case time.Now().After(deadline):
			interrupt(t.tid)
			interrupted, deadline = true, time.Now().Add(stopTimeout)
		default:
			b.pause(p)
		}
	}
	return nil
}

// patchLocked writes b at addr and returns a function that puts the old
// bytes back. Must be called via p.do.
func (p *Process) patchLocked(addr uint64, b []byte) (undo func() error, err error) {
	old := make([]byte, len(b))
	if _, err := p.mem.ReadAt(old, int64(addr)); err != nil {
		return nil, p.errorf("read memory", 0, addr, err)
	}
	if err := p.writeLocked(b, addr); err != nil {
		return nil, err
	}
	return func() error { return p.writeLocked(old, addr) }, nil
}

// RunUntil lets the listed threads of the stopped process run until each
// stops on its breakpoint address (its rip is then reset to that address)
// or the timeout passes; the other threads stay stopped. Threads that did
// not get there are interrupted. On return every thread is stopped again
// and the original bytes are back. reached tells which threads got to
// their address.
func (p *Process) RunUntil(targets map[int]uint64, timeout time.Duration) (reached map[int]bool, err error) {
	if e := p.do(func() { reached, err = p.runUntilLocked(targets, timeout) }); e != nil {
		return nil, e
	}
	return reached, err
}

// Must be called via p.do.
func (p *Process) runUntilLocked(targets map[int]uint64, timeout time.Duration) (reached map[int]bool, err error) {
	if p.running {
		return nil, p.errorf("run until", 0, 0, errRunning)
	}
	for tid := range targets {
		if _, err := p.stoppedThread(tid); err != nil {
			return nil, p.errorf("run until", tid, 0, err)
		}
	}
	bps := map[uint64]bool{}
	var undos []func() error
	defer func() {
		for _, undo := range slices.Backward(undos) {
			if e := undo(); e != nil && err == nil && !p.exited {
				err = e
			}
		}
	}()
	for _, addr := range slices.Sorted(maps.Values(targets)) {
		if bps[addr] {
			continue
		}
		undo, err := p.patchLocked(addr, []byte{int3})
		if err != nil {
			return nil, err
		}
		bps[addr] = true
		undos = append(undos, undo)
	}
	return p.runLocked(targets, bps, time.Now().Add(timeout))
}
