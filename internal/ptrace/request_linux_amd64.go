package ptrace

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// Every ptrace request of the package goes through ptraceRaw or ptracePtr
// (request_linux_amd64_unsafe.go), which call afterRequest once per
// request: the test hook (testhook_on.go) counts requests there. The
// wrappers below are the only other way in; they issue one request each,
// except peek and poke, one per word.

// ptraceRaw issues one ptrace request with integer arguments.
func ptraceRaw(req, tid int, addr, data uintptr) error {
	_, _, e := unix.Syscall6(unix.SYS_PTRACE, uintptr(req), uintptr(tid), addr, data, 0, 0)
	afterRequest()
	if e != 0 {
		return e
	}
	return nil
}

// seizeOptions: TRACESYSGOOD marks syscall-stops (SIGTRAP|0x80); it also
// makes a syscall-stop harmless if we die in it: the kernel "sends" the
// stop's exit code, 0x85, on wake-up, which is no valid signal
// (include/linux/ptrace.h ptrace_report_syscall, kernel/signal.c
// send_sig_info). Without it the thread would get a SIGTRAP and die.
// TRACECLONE attaches new threads. No EXITKILL: our death must not kill.
const seizeOptions = unix.PTRACE_O_TRACECLONE | unix.PTRACE_O_TRACESYSGOOD

func seize(tid int) error {
	return ptraceRaw(unix.PTRACE_SEIZE, tid, 0, seizeOptions)
}

func listen(tid int) error { return ptraceRaw(unix.PTRACE_LISTEN, tid, 0, 0) }

func detach(tid int, sig unix.Signal) error {
	return ptraceRaw(unix.PTRACE_DETACH, tid, 0, uintptr(sig))
}

func interrupt(tid int) error { return ptraceRaw(unix.PTRACE_INTERRUPT, tid, 0, 0) }

func contReq(tid int, sig unix.Signal) error {
	return ptraceRaw(unix.PTRACE_CONT, tid, 0, uintptr(sig))
}

// syscallReq continues tid to its next syscall-entry or -exit stop.
func syscallReq(tid int, sig unix.Signal) error {
	return ptraceRaw(unix.PTRACE_SYSCALL, tid, 0, uintptr(sig))
}

func setOptions(tid int, opts int) error {
	return ptraceRaw(unix.PTRACE_SETOPTIONS, tid, 0, uintptr(opts))
}

// peek reads len(b) bytes at addr with PTRACE_PEEKDATA, one word a request.
func peek(tid int, addr uintptr, b []byte) error {
	var w [8]byte
	for off := 0; off < len(b); off += 8 {
		if err := peekWord(tid, addr+uintptr(off), &w); err != nil {
			return err
		}
		copy(b[off:], w[:])
	}
	return nil
}

// poke writes b at addr with PTRACE_POKEDATA, one word a request; a
// partial last word is merged with the bytes already there.
func poke(tid int, addr uintptr, b []byte) (int, error) {
	var w [8]byte
	n := 0
	for n < len(b) {
		if len(b)-n < 8 {
			if err := peekWord(tid, addr+uintptr(n), &w); err != nil {
				return n, err
			}
		}
		c := copy(w[:], b[n:])
		if err := ptraceRaw(unix.PTRACE_POKEDATA, tid, addr+uintptr(n), uintptr(binary.LittleEndian.Uint64(w[:]))); err != nil {
			return n, err
		}
		n += c
	}
	return n, nil
}

// _NT_X86_XSTATE and _NT_PRFPREG name the FPU register sets (elf.h).
const (
	_NT_PRFPREG    = 2
	_NT_X86_XSTATE = 0x202
)

// _PTRACE_SECCOMP_GET_FILTER (linux/ptrace.h, Linux 4.4).
const _PTRACE_SECCOMP_GET_FILTER = 0x420c
