package unwind

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// A signal handler returns through its sa_restorer, which the kernel puts
// as the handler's return address at the bottom of the struct rt_sigframe
// it pushes (arch/x86/kernel/signal_64.c):
//
//	pretcode      8   the restorer: the handler's return address
//	uc            struct ucontext (include/uapi/asm-generic/ucontext.h):
//	  uc_flags    8
//	  uc_link     8
//	  uc_stack    24  stack_t {ss_sp, ss_flags (+4 pad), ss_size}
//	  uc_mcontext struct sigcontext: r8..r15, rdi, rsi, rbp, rbx, rdx,
//	              rax, rcx, rsp, rip, ... (the interrupted registers)
//	info          struct siginfo
//
// On x86_64 the restorer is always user code (SA_RESTORER is mandatory);
// glibc's and musl's __restore_rt, and Go's sigreturn, are
// `mov $15, %rax; syscall` (rt_sigreturn). When that code has CFI (glibc:
// a "zRS" CIE), the CFI walk handles it; otherwise Walk and the caller's
// stack scan recognise the bytes and read the saved context directly.

// Offsets in struct ucontext of the saved registers the unwinder needs
// (glibc sysdeps/unix/sysv/linux/x86_64/ucontext_i.sym: oR12 ... oRIP).
const (
	ucMcontext = 40
	ucR12      = ucMcontext + 4*8
	ucRBP      = ucMcontext + 10*8
	ucRBX      = ucMcontext + 11*8
	ucRSP      = ucMcontext + 15*8
	ucRIP      = ucMcontext + 16*8
	ucRegsEnd  = ucRIP + 8
)

// sigreturnCode are the encodings of the restorer's first instructions.
var sigreturnCode = [][]byte{
	{0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05}, // mov $15,%rax; syscall
	{0xb8, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05},             // mov $15,%eax; syscall
}

// SigreturnWindow is how many bytes, starting 7 before a pc, IsSigreturn
// wants to see: the restorer may have been entered (pc at its syscall).
const SigreturnWindow = 16

// IsSigreturn reports whether pc is the start of a signal restorer, or its
// syscall instruction (a thread stopped between the two), given code =
// SigreturnWindow bytes read at pc-7 (fewer at the end of a mapping). In
// both cases the thread's rsp points at the struct ucontext.
func IsSigreturn(code []byte, exact bool) bool {
	if len(code) < 7 {
		return false
	}
	for _, s := range sigreturnCode {
		if bytes.HasPrefix(code[7:], s) {
			return true
		}
		// Stopped on the syscall: only for the interrupted pc itself, a
		// return address is always the restorer's start.
		mov := s[:len(s)-2]
		if exact && bytes.Equal(code[7-len(mov):7], mov) && bytes.HasPrefix(code[7:], s[len(mov):]) {
			return true
		}
	}
	return false
}

// SigContext reads the registers a signal interrupted from the struct
// ucontext at uc (for a handler's frame: the CFA of the handler, i.e. the
// stack pointer after its return popped the restorer's address).
func SigContext(mem MemReader, uc uint64) (Regs, error) {
	var b [ucRegsEnd - ucR12]byte
	n, err := mem.ReadAt(b[:], int64(uc+ucR12))
	if n != len(b) {
		if err == nil {
			err = fmt.Errorf("short read (%d of %d bytes)", n, len(b))
		}
		return Regs{}, fmt.Errorf("signal frame at %#x: %w", uc, err)
	}
	at := func(off int) uint64 { return binary.LittleEndian.Uint64(b[off-ucR12:]) }
	return Regs{PC: at(ucRIP), SP: at(ucRSP), BP: at(ucRBP), BX: at(ucRBX),
		R12: at(ucR12), R13: at(ucR12 + 8), R14: at(ucR12 + 16), R15: at(ucR12 + 24)}, nil
}

// sigreturn handles a frame with no CFI at a signal restorer: the
// caller's registers are the saved context. ok is false when pc is not a
// restorer.
func (u *walker) sigreturn(first bool) (ok bool, err error) {
	pc, sp := u.regs.v[regRA], u.regs.v[regRSP]
	if u.regs.known&(1<<regRSP) == 0 || pc < 7 {
		return false, nil
	}
	// Code is read past the stack window, which it would evict.
	var code [SigreturnWindow]byte
	n, _ := u.mem.mem.ReadAt(code[:], int64(pc-7))
	if n < 0 || !IsSigreturn(code[:min(max(n, 0), len(code))], first) {
		return false, nil
	}
	r, err := SigContext(u.mem.mem, sp)
	if err != nil {
		return true, err
	}
	u.regs = newWalker(r, nil, nil).regs
	return true, nil
}
