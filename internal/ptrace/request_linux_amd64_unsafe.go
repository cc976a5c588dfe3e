package ptrace

import (
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ptracePtr issues one ptrace request whose data is a pointer into our
// memory (registers, iovec, a word); data stays alive through the call.
func ptracePtr(req, tid int, addr uintptr, data unsafe.Pointer) error {
	_, _, e := unix.Syscall6(unix.SYS_PTRACE, uintptr(req), uintptr(tid), addr, uintptr(data), 0, 0)
	afterRequest()
	if e != 0 {
		return e
	}
	return nil
}

func getRegs(tid int, r *unix.PtraceRegs) error {
	return ptracePtr(unix.PTRACE_GETREGS, tid, 0, unsafe.Pointer(r))
}

func setRegs(tid int, r *unix.PtraceRegs) error {
	return ptracePtr(unix.PTRACE_SETREGS, tid, 0, unsafe.Pointer(r))
}

// getRegset reads register set nt into b and returns the length the
// kernel filled in.
func getRegset(tid int, nt uintptr, b []byte) (int, error) {
	iov := unix.Iovec{Base: &b[0]}
	iov.SetLen(len(b))
	if err := ptracePtr(unix.PTRACE_GETREGSET, tid, nt, unsafe.Pointer(&iov)); err != nil {
		return 0, err
	}
	return int(iov.Len), nil
}

func setRegset(tid int, nt uintptr, b []byte) error {
	iov := unix.Iovec{Base: &b[0]}
	iov.SetLen(len(b))
	return ptracePtr(unix.PTRACE_SETREGSET, tid, nt, unsafe.Pointer(&iov))
}

// getSigmask returns the blocked signals of a stopped thread (bit n-1 for
// signal n, the kernel's sigset_t on x86_64).
func getSigmask(tid int) (uint64, error) {
	var m uint64
	err := ptracePtr(unix.PTRACE_GETSIGMASK, tid, 8, unsafe.Pointer(&m))
	return m, err
}

// getSiginfo returns the siginfo of a thread in a signal-delivery-stop.
func getSiginfo(tid int) (unix.Siginfo, error) {
	var si unix.Siginfo
	err := ptracePtr(unix.PTRACE_GETSIGINFO, tid, 0, unsafe.Pointer(&si))
	return si, err
}

func getEventMsg(tid int) (uint64, error) {
	var m uint64
	err := ptracePtr(unix.PTRACE_GETEVENTMSG, tid, 0, unsafe.Pointer(&m))
	return m, err
}

func peekWord(tid int, addr uintptr, w *[8]byte) error {
	return ptracePtr(unix.PTRACE_PEEKDATA, tid, addr, unsafe.Pointer(w))
}

// seccompFilter reads filter idx of tid into buf, or returns its length
// when buf is empty.
func seccompFilter(tid int, idx uintptr, buf []unix.SockFilter) (int, error) {
	var p unsafe.Pointer
	if len(buf) > 0 {
		p = unsafe.Pointer(&buf[0])
	}
	r, _, e := unix.Syscall6(unix.SYS_PTRACE, _PTRACE_SECCOMP_GET_FILTER, uintptr(tid), idx, uintptr(p), 0, 0)
	afterRequest()
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

// childInfo is the part of siginfo_t waitid fills in for SIGCHLD
// (asm-generic/siginfo.h _sigchld).
type childInfo struct {
	Signo, Errno, Code int32
	_                  int32
	Pid, UID, Status   int32
	_                  [100]byte
}

// waitidPeek looks at one pending state change of the calling thread's
// tracees without consuming it (WNOWAIT); pid is 0 when there is none.
// Status is the stop's exit code for a ptrace-stop.
func waitidPeek() (info childInfo, err error) {
	const pAll = 0
	opts := unix.WEXITED | unix.WSTOPPED | unix.WNOHANG | unix.WNOWAIT | unix.WALL | _WNOTHREAD
	_, _, e := unix.Syscall6(unix.SYS_WAITID, pAll, 0, uintptr(unsafe.Pointer(&info)), uintptr(opts), 0, 0)
	if e != 0 {
		return info, e
	}
	return info, nil
}

// waitChild blocks the calling thread until a SIGCHLD is pending for it
// or d passes (rt_sigtimedwait). While it waits, SIGCHLD is unblocked on
// this thread and the thread sleeps with no other signal pending, so the
// kernel picks it for the SIGCHLD a tracee's stop sends to its tracer
// (kernel/signal.c complete_signal prefers the tracer thread when it
// wants the signal), and wakes it directly; the signal is taken here,
// not by the Go runtime. EINTR (another signal) and EAGAIN (timeout) just
// return: the caller polls with wait4(WNOHANG) either way.
func waitChild(d time.Duration) {
	set := unix.Sigset_t{}
	set.Val[0] = 1 << (uint(unix.SIGCHLD) - 1)
	ts := unix.NsecToTimespec(int64(d))
	unix.Syscall6(unix.SYS_RT_SIGTIMEDWAIT, uintptr(unsafe.Pointer(&set)), 0, uintptr(unsafe.Pointer(&ts)), 8, 0, 0)
}
