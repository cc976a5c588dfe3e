package ptrace

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// remoteRun is one run of remote code on one thread.
type remoteRun struct {
	p    *Process
	t    *thread
	g    gadgets
	rc   remoteCode
	r0   unix.PtraceRegs // the thread's registers at its stop
	fpu  []byte          // its FPU state
	mask uint64          // its blocked signals, as in the frame
	at   frameLayout
	regs unix.PtraceRegs // the registers remote code starts with
}

// run saves the thread's state, builds the safety frame and starts the
// code. Must be called via p.do.
func (r *remoteRun) run() (uint64, error) {
	p, t := r.p, r.t
	if err := getRegs(t.tid, &r.r0); err != nil {
		return 0, p.errorf("get registers", t.tid, 0, err)
	}
	if err := r.saved(); err != nil {
		return 0, err
	}
	r.at = placeFrame(r.r0.Rsp, p.fpu)
	in := frameInput{regs: restarted(r.r0), fpu: r.fpu, layout: p.fpu, mask: r.mask, restorer: r.g.restorer}
	if err := r.writeFrame(buildFrame(&in, r.at, r.g.syscall)); err != nil {
		return 0, err
	}
	r.setup()
	if err := setRegs(t.tid, &r.regs); err != nil {
		return 0, p.errorf("set registers", t.tid, 0, err)
	}
	// From here on the thread is safe without us: whatever it runs ends
	// in rt_sigreturn through the frame.
	return r.drive()
}

// saved reads the thread's FPU state and signal mask, once per stop.
// Must be called via p.do.
func (r *remoteRun) saved() error {
	p, t := r.p, r.t
	if t.savedEpoch != p.epoch || t.savedFPU == nil {
		fpu, err := readFPU(t.tid, p.fpu)
		if err != nil {
			return p.errorf("get FPU state", t.tid, 0, err)
		}
		mask, err := getSigmask(t.tid)
		if err != nil {
			return p.errorf("get signal mask", t.tid, 0, err)
		}
		t.savedFPU, t.savedMask, t.savedEpoch = fpu, mask, p.epoch
	}
	r.fpu, r.mask = t.savedFPU, t.savedMask
	return nil
}

// setup computes the registers the code starts with: for a syscall, the
// `syscall; ret` gadget with rsp on the frame; for a call, fn with the
// gadget as return address. orig_rax -1: no restart logic applies to
// them on the way out of the current stop.
func (r *remoteRun) setup() {
	x := r.r0
	a := r.rc.args
	if r.rc.call {
		x.Rip, x.Rsp, x.Rax = r.rc.fn, r.at.lo, 0
		x.Rdi, x.Rsi, x.Rdx, x.Rcx, x.R8, x.R9 = a[0], a[1], a[2], a[3], a[4], a[5]
	} else {
		x.Rip, x.Rsp, x.Rax = r.g.syscall, r.at.frame, r.rc.nr
		x.Rdi, x.Rsi, x.Rdx, x.R10, x.R8, x.R9 = a[0], a[1], a[2], a[3], a[4], a[5]
	}
	x.Orig_rax = ^uint64(0)
	x.Eflags &^= eflagsTF | eflagsDF
	r.regs = x
}

// drive runs the thread (PTRACE_SYSCALL) until the gadget's
// syscall-entry-stop, handling the stops on the way, then finishes.
// Must be called via p.do.
func (r *remoteRun) drive() (uint64, error) {
	p, t := r.p, r.t
	deadline := time.Now().Add(stubTimeout)
	var sig unix.Signal
	for {
		if err := syscallReq(t.tid, sig); err != nil {
			return 0, p.errorf("run remote code", t.tid, 0, err)
		}
		t.stopped, p.settled, sig = false, false, 0
		kind, late, err := p.waitThread(t, deadline)
		if err != nil {
			return 0, err
		}
		if late {
			return 0, r.abort(kind, p.errorf("run remote code", t.tid, 0, fmt.Errorf("code did not return: %w", ErrTimeout)))
		}
		switch kind {
		case stopSyscall:
			var cur unix.PtraceRegs
			if err := getRegs(t.tid, &cur); err != nil {
				return 0, p.errorf("get registers", t.tid, 0, err)
			}
			if r.atGadget(&cur) {
				return r.finish(&cur)
			}
			// A system call of the called function: let it run.
		case stopSignal:
			var err error
			if sig, err = r.onSignal(); err != nil {
				return 0, err
			}
		}
		// Other stops (a group-stop, a stale interrupt, a clone) just go on.
	}
}

// atGadget tells the syscall-entry-stop of our gadget from the stops of
// the called function's own system calls.
func (r *remoteRun) atGadget(cur *unix.PtraceRegs) bool {
	return cur.Rip == r.g.syscall+2 && cur.Rsp == r.at.frame && (r.rc.call || cur.Orig_rax == r.rc.nr)
}

// onSignal handles a signal-delivery-stop of the thread running remote
// code. A fault the code raised is ours: reported, never delivered
// (consumed at once, so that not even our death delivers it). A signal
// dequeued before the code started is delivered to the thread's own
// context and the run starts again (errSignalFirst). One arriving while a
// called function runs is passed on: returned, to be injected.
// Must be called via p.do.
func (r *remoteRun) onSignal() (unix.Signal, error) {
	p, t := r.p, r.t
	si, err := getSiginfo(t.tid)
	if err != nil {
		return 0, p.errorf("get siginfo", t.tid, 0, err)
	}
	var cur unix.PtraceRegs
	if err := getRegs(t.tid, &cur); err != nil {
		return 0, p.errorf("get registers", t.tid, 0, err)
	}
	sig := t.sig
	if raisedBy(sig, si.Code) {
		p.consume(t)
		return 0, r.abort(stopSignal, p.errorf("run remote code", t.tid, cur.Rip, fmt.Errorf("stopped by %v", sig)))
	}
	if cur == r.regs {
		// The signal was dequeued on the way out of the stop: it goes
		// to the thread's own context, and the code starts again later.
		if err := r.restore(); err != nil {
			return 0, err
		}
		if err := p.deliverFirst(t); err != nil {
			return 0, err
		}
		return 0, errSignalFirst
	}
	return sig, nil
}

// finish ends a run at the gadget's syscall-entry-stop: for a call, the
// function's result is the syscall number, replaced. The thread
// then goes (PTRACE_INTERRUPT, PTRACE_CONT) through the system call and
// stops in get_signal, where its registers go back: from that stop the
// kernel's own restart logic and signal delivery apply to them as if we
// had never been there. Must be called via p.do.
func (r *remoteRun) finish(cur *unix.PtraceRegs) (uint64, error) {
	p, t := r.p, r.t
	if err := r.fixMask(); err != nil {
		return 0, err
	}
	if r.rc.call {
		// The function's result went into the gadget's syscall as its
		// number. getpid runs instead: seccomp filters run after this stop
		// and would judge a skipped call (-1) as unknown, often fatal.
		ret := cur.Orig_rax
		cur.Orig_rax = unix.SYS_GETPID
		if err := setRegs(t.tid, cur); err != nil {
			return 0, p.errorf("set registers", t.tid, 0, err)
		}
		_, err := r.toSignalStop()
		return ret, err
	}
	return r.toSignalStop()
}

// writeFrame writes the frame (and, below it, the stack room a call
// needs) with process_vm_writev, which honours the protections of the
// mappings, unlike /proc/pid/mem: the write fails on a guard page or
// outside the thread's stack, where rt_sigreturn could not read the frame
// back. Must be called via p.do.
func (r *remoteRun) writeFrame(b []byte) error {
	lo := r.at.lo
	if r.rc.call {
		b = append(make([]byte, callStackRoom), b...)
		lo -= callStackRoom
	}
	local := []unix.Iovec{{Base: &b[0]}}
	local[0].SetLen(len(b))
	remote := []unix.RemoteIovec{{Base: uintptr(lo), Len: len(b)}}
	n, err := unix.ProcessVMWritev(r.t.tid, local, remote, 0)
	if err == nil && n != len(b) {
		err = fmt.Errorf("wrote %d of %d bytes", n, len(b))
	}
	if err != nil {
		return r.p.errorf("write safety frame", r.t.tid, lo, fmt.Errorf("%w, below %#x: %w", errNoRoom, r.r0.Rsp, err))
	}
	return nil
}

// fixMask puts the thread's signal mask into the frame again if it
// changed since the stop: the kernel restores the mask an interrupted
// ppoll or sigsuspend had swapped on the thread's way out of the stop
// (restore_saved_sigmask), and the frame must hold that one. Until here,
// a frame built on such a stop holds the temporary mask.
// Must be called via p.do.
func (r *remoteRun) fixMask() error {
	if !maskSwappers[r.r0.Orig_rax] {
		return nil
	}
	m, err := getSigmask(r.t.tid)
	if err != nil {
		return r.p.errorf("get signal mask", r.t.tid, 0, err)
	}
	if m == r.mask {
		return nil
	}
	b := binary.LittleEndian.AppendUint64(nil, m)
	if err := r.p.writeLocked(b, r.at.frame+frameSigmask); err != nil {
		return err
	}
	r.mask, r.t.savedMask = m, m
	return nil
}

// toSignalStop takes the thread from a syscall stop through the rest of
// the call to a stop inside get_signal (PTRACE_INTERRUPT, then
// PTRACE_CONT: the kernel checks the interrupt before any signal), and
// puts its state back there; it returns rax as the call left it.
// Must be called via p.do.
func (r *remoteRun) toSignalStop() (uint64, error) {
	p, t := r.p, r.t
	interrupt(t.tid)
	if err := p.cont(t, 0); err != nil {
		return 0, p.errorf("run remote code", t.tid, 0, err)
	}
	kind, _, err := p.waitThread(t, time.Now().Add(stubTimeout))
	if err != nil {
		return 0, err
	}
	if kind == stopSyscall {
		return 0, p.errorf("run remote code", t.tid, 0, errors.New("syscall stop after PTRACE_CONT"))
	}
	var cur unix.PtraceRegs
	if err := getRegs(t.tid, &cur); err != nil {
		return 0, p.errorf("get registers", t.tid, 0, err)
	}
	return cur.Rax, r.restore()
}

// restore puts the thread's FPU state (changed only by calls) and then its
// registers back: in that order, so that a death in between leaves the
// frame's path intact. Must be called via p.do.
func (r *remoteRun) restore() error {
	p, t := r.p, r.t
	if r.rc.call {
		if err := setRegset(t.tid, p.fpu.nt, r.fpu); err != nil {
			return p.errorf("set FPU state", t.tid, 0, err)
		}
	}
	if err := setRegs(t.tid, &r.r0); err != nil {
		return p.errorf("set registers", t.tid, 0, err)
	}
	return nil
}

// abort ends a run that failed with cause, the thread stopped in a stop
// of kind: its state goes back, from a stop in get_signal.
// Must be called via p.do.
func (r *remoteRun) abort(kind stopKind, cause error) error {
	// A fault may have unblocked its signal (force_sig_info_to_task).
	r.t.savedEpoch = 0
	var err error
	if kind == stopSyscall {
		_, err = r.toSignalStop()
	} else {
		err = r.restore()
	}
	return errors.Join(cause, err)
}

// raisedBy reports whether sig with si_code code was raised by the
// instruction the thread ran (a fault, a trap, a seccomp SIGSYS): the
// kernel sets a positive si_code then, a sender a code <= 0 (SI_USER,
// SI_QUEUE, SI_TKILL...).
func raisedBy(sig unix.Signal, code int32) bool {
	switch sig {
	case unix.SIGSEGV, unix.SIGBUS, unix.SIGILL, unix.SIGFPE, unix.SIGTRAP, unix.SIGSYS:
		return code > 0
	}
	return false
}
