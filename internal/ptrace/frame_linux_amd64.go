package ptrace

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// The x86_64 signal frame the kernel builds for a handler and reads back
// in rt_sigreturn (arch/x86/include/asm/sigframe.h struct rt_sigframe,
// include/uapi/asm-generic/ucontext.h struct ucontext,
// arch/x86/include/uapi/asm/sigcontext.h struct sigcontext_64). Offsets
// are from the start of the frame, where pretcode sits.
const (
	framePretcode = 0
	frameUcFlags  = 8
	frameUcLink   = 16
	frameSsSp     = 24  // uc_stack.ss_sp
	frameSsFlags  = 32  // uc_stack.ss_flags (int)
	frameSsSize   = 40  // uc_stack.ss_size
	frameMcontext = 48  // uc_mcontext: struct sigcontext_64, 256 bytes
	frameSigmask  = 304 // uc_sigmask: the kernel's 8-byte sigset_t
	frameSiginfo  = 312 // struct siginfo, 128 bytes, unused by rt_sigreturn
	frameSize     = 440

	// Within struct sigcontext_64.
	scFlags   = 136 // after r8..r15, di, si, bp, bx, dx, ax, cx, sp, ip
	scCS      = 144 // __u16 cs, gs, fs, ss
	scSS      = 150
	scFpstate = 184

	// uc_flags (arch/x86/include/uapi/asm/ucontext.h), as the kernel sets
	// them for a 64-bit frame (signal.c frame_uc_flags).
	ucFPXState        = 0x1
	ucSigcontextSS    = 0x2
	ucStrictRestoreSS = 0x4

	// User code and stack segments of a 64-bit process
	// (asm/segment.h __USER_CS, __USER_DS).
	userCS = 0x33
	userDS = 0x2b

	// ssInvalidMode is an ss_flags mode that is none of 0, SS_ONSTACK and
	// SS_DISABLE: rt_sigreturn's restore_altstack then fails with EINVAL,
	// which it ignores (kernel/signal.c), and leaves the thread's
	// sigaltstack as it is. We never know it to write it back.
	ssInvalidMode = 3

	// redZone is the area below rsp a leaf function may use without
	// moving rsp (SysV ABI §3.2.2); the kernel skips it too (get_sigframe).
	redZone = 128
)

// frameInput is what a safety frame restores.
type frameInput struct {
	regs     unix.PtraceRegs // the thread's context to return to
	fpu      []byte          // its FPU state as the register set holds it
	layout   *fpuLayout
	mask     uint64 // its blocked signals
	restorer uint64 // an existing `mov $15,%rax; syscall` (rt_sigreturn)
}

// frameLayout places a frame below rsp: the FPU area 64-byte aligned
// (XRSTOR needs it) below the red zone, the frame 16-byte aligned below
// it. lo is the lowest address written: a return address slot for remote
// calls sits right below the frame.
type frameLayout struct {
	lo, frame, fp, hi uint64
}

func placeFrame(rsp uint64, l *fpuLayout) frameLayout {
	hi := rsp - redZone
	fp := (hi - uint64(l.fpLen())) &^ 63
	frame := (fp - frameSize) &^ 15
	return frameLayout{lo: frame - 8, frame: frame, fp: fp, hi: fp + uint64(l.fpLen())}
}

// buildFrame returns the bytes of [at.lo, at.hi): a return slot holding
// slot, then a struct rt_sigframe whose rt_sigreturn restores in.regs,
// in.mask and in.fpu exactly, then the FPU state.
func buildFrame(in *frameInput, at frameLayout, slot uint64) []byte {
	b := make([]byte, at.hi-at.lo)
	le := binary.LittleEndian
	le.PutUint64(b, slot)
	f := b[at.frame-at.lo:]
	le.PutUint64(f[framePretcode:], in.restorer)
	flags := uint64(ucSigcontextSS | ucStrictRestoreSS)
	if in.layout.xsave() {
		flags |= ucFPXState
	}
	le.PutUint64(f[frameUcFlags:], flags)
	le.PutUint32(f[frameSsFlags:], ssInvalidMode)
	putSigcontext(f[frameMcontext:], &in.regs, at.fp)
	le.PutUint64(f[frameSigmask:], in.mask)
	putFPU(b[at.fp-at.lo:], in)
	return b
}

// putSigcontext writes struct sigcontext_64 for r.
func putSigcontext(sc []byte, r *unix.PtraceRegs, fp uint64) {
	le := binary.LittleEndian
	for i, v := range []uint64{r.R8, r.R9, r.R10, r.R11, r.R12, r.R13, r.R14, r.R15,
		r.Rdi, r.Rsi, r.Rbp, r.Rbx, r.Rdx, r.Rax, r.Rcx, r.Rsp, r.Rip, r.Eflags} {
		le.PutUint64(sc[8*i:], v)
	}
	le.PutUint16(sc[scCS:], userCS)
	le.PutUint16(sc[scSS:], userDS)
	le.PutUint64(sc[scFpstate:], fp)
}

// putFPU writes the FPU state the way the kernel saves it in a frame
// (arch/x86/kernel/fpu/signal.c save_sw_bytes, save_xstate_epilog): the
// XSAVE image cut to the signal size, the software bytes announcing it,
// FP_XSTATE_MAGIC2 right after it. Features beyond the frame's stay out
// of its header, so that XRSTOR never reads past the image.
func putFPU(dst []byte, in *frameInput) {
	l := in.layout
	if !l.xsave() {
		copy(dst, in.fpu[:fxsaveSize])
		return
	}
	le := binary.LittleEndian
	copy(dst, in.fpu[:l.sigSize])
	sw := dst[swBytesOff:fxsaveSize]
	clear(sw)
	le.PutUint32(sw[0:], fpXStateMagic1)
	le.PutUint32(sw[4:], uint32(l.sigSize+4)) // extended_size
	le.PutUint64(sw[8:], l.features)
	le.PutUint32(sw[16:], uint32(l.sigSize)) // xstate_size
	hdr := dst[fxsaveSize:]
	le.PutUint64(hdr, le.Uint64(hdr)&l.features)
	le.PutUint32(dst[l.sigSize:], fpXStateMagic2)
}

// _ERESTART* are the kernel's internal restart codes
// (include/linux/errno.h), seen in rax when a thread stops on its way
// out of an interrupted system call.
const (
	_ERESTARTSYS           = 512
	_ERESTARTNOINTR        = 513
	_ERESTARTNOHAND        = 514
	_ERESTART_RESTARTBLOCK = 516
	// _NR_restart_syscall (asm/unistd_64.h).
	_NR_restart_syscall = 219
)

// restartPending reports whether r is a context on its way out of an
// interrupted system call that the kernel restarts when no handler runs
// (arch/x86/kernel/signal.c arch_do_signal_or_restart).
func restartPending(r *unix.PtraceRegs) bool {
	if int64(r.Orig_rax) == -1 {
		return false
	}
	switch -int64(r.Rax) {
	case _ERESTARTSYS, _ERESTARTNOINTR, _ERESTARTNOHAND, _ERESTART_RESTARTBLOCK:
		return true
	}
	return false
}

// restarted returns the context a frame must hold for r: what the thread
// runs next if no handler comes. rt_sigreturn disables the kernel's
// restart logic (it sets orig_rax to -1 and restart_block.fn to
// do_no_restart_syscall: signal.c restore_sigcontext), so the frame holds
// the already restarted call, as arch_do_signal_or_restart would make it:
// back on the syscall instruction, rax the call again. One difference: an
// -ERESTART_RESTARTBLOCK call (nanosleep, poll, futex with a timeout)
// becomes the original call again, not restart_syscall, which after
// rt_sigreturn would only return EINTR; its timeout starts again.
func restarted(r unix.PtraceRegs) unix.PtraceRegs {
	if !restartPending(&r) {
		return r
	}
	r.Rax, r.Rip = r.Orig_rax, r.Rip-2
	r.Orig_rax = ^uint64(0)
	return r
}
