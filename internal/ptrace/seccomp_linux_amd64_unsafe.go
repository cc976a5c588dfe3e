package ptrace

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// seccompGetFilter is PTRACE_SECCOMP_GET_FILTER: it returns the length
// of filter index of thread tid and, unless buf is nil, copies the filter
// into buf. The kernel writes as many instructions as the filter has, at
// most BPF_MAXINSNS (the load limit), so buf must hold that many. Must be
// called via p.do.
func seccompGetFilter(tid, index int, buf []unix.SockFilter) (int, error) {
	var data unsafe.Pointer
	if buf != nil {
		if len(buf) < unix.BPF_MAXINSNS {
			return 0, unix.EINVAL
		}
		data = unsafe.Pointer(&buf[0])
	}
	n, _, errno := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_SECCOMP_GET_FILTER,
		uintptr(tid), uintptr(index), uintptr(data), 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}
