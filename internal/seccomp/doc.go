// Package seccomp predicts what a process's seccomp policy does to a
// system call before libcare-ctl makes the process run it: a remote mmap
// that the policy kills would kill the patched process (issue 8).
//
// It is a pure classic-BPF interpreter with the kernel's seccomp semantics
// (kernel/seccomp.c, net/core/filter.c, include/uapi/linux/filter.h and
// seccomp.h). A filter is an array of struct sock_filter, as
// PTRACE_SECCOMP_GET_FILTER returns it:
//
//	off size field (struct sock_filter, 8 bytes)
//	  0    2 code  class | size/op | mode/src
//	  2    1 jt    forward offset when the condition holds
//	  3    1 jf    forward offset when it does not
//	  4    4 k     immediate / offset
//
// Its input is struct seccomp_data, 64 bytes read by BPF_LD|BPF_W|BPF_ABS
// as 32-bit little-endian words (x86_64):
//
//	off size field
//	  0    4 nr                  system call number
//	  4    4 arch                AUDIT_ARCH_X86_64 = 0xc000003e
//	  8    8 instruction_pointer address after the syscall instruction
//	 16   48 args[6]             rdi, rsi, rdx, r10, r8, r9
//
// Validate accepts exactly the programs the kernel accepts at load time
// (bpf_check_classic, then seccomp_check_filter): the seccomp opcode
// subset, in-range jumps and scratch cells, no read of an unwritten cell,
// a RET last. Run and Evaluate execute them like the kernel's cBPF→eBPF
// conversion does: 32-bit unsigned arithmetic, division by a zero X
// returns 0 (SECCOMP_RET_KILL_THREAD), shift counts by X taken modulo 32.
// With several filters every one runs and the most severe action wins
// (seccomp_run_filters).
//
// Check answers "does the policy let these calls through?" for calls whose
// fields may be partly unknown (the arguments of an rt_sigreturn are
// whatever the registers hold): every path the unknown values could take
// is followed, and a call passes only when every reachable result is
// SECCOMP_RET_ALLOW or SECCOMP_RET_LOG. Anything it cannot prove allowed
// is refused.
package seccomp
