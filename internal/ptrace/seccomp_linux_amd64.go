package ptrace

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// maxFilters and maxFilterLen bound what SeccompFilters reads: the kernel
// allows 32768 instructions in all (MAX_INSNS_PER_PATH) and BPF_MAXINSNS
// (4096) per filter.
const (
	maxFilters   = 4096
	maxFilterLen = 4096
)

// SeccompFilters returns the seccomp filters of thread tid, which must be
// stopped, the most recently installed first: the order the kernel runs
// them in (kernel/seccomp.c seccomp_run_filters). PTRACE_SECCOMP_GET_FILTER
// numbers them the other way, 0 being the oldest (get_nth_filter). A
// thread without filters has none (nil). Reading them needs CAP_SYS_ADMIN
// and no seccomp filter on ourselves.
func (p *Process) SeccompFilters(tid int) ([][]unix.SockFilter, error) {
	var fs [][]unix.SockFilter
	var err error
	if e := p.do(func() { fs, err = p.seccompLocked(tid) }); e != nil {
		return nil, e
	}
	return fs, err
}

// Must be called via p.do.
func (p *Process) seccompLocked(tid int) ([][]unix.SockFilter, error) {
	if _, err := p.stoppedThread(tid); err != nil {
		return nil, p.errorf("seccomp filters", tid, 0, err)
	}
	var fs [][]unix.SockFilter
	for i := range maxFilters {
		n, err := seccompFilter(tid, uintptr(i), nil)
		switch {
		case errors.Is(err, unix.ENOENT) || (i == 0 && errors.Is(err, unix.EINVAL)):
			// Past the newest filter, or not in filter mode at all.
			for l, r := 0, len(fs)-1; l < r; l, r = l+1, r-1 {
				fs[l], fs[r] = fs[r], fs[l]
			}
			return fs, nil
		case err != nil:
			return nil, p.errorf("seccomp filters", tid, 0, fmt.Errorf("filter %d: %w", i, err))
		case n <= 0 || n > maxFilterLen:
			return nil, p.errorf("seccomp filters", tid, 0, fmt.Errorf("filter %d: %d instructions", i, n))
		}
		f := make([]unix.SockFilter, n)
		if m, err := seccompFilter(tid, uintptr(i), f); err != nil || m != n {
			return nil, p.errorf("seccomp filters", tid, 0, fmt.Errorf("filter %d: read %d of %d instructions: %v", i, m, n, err))
		}
		fs = append(fs, f)
	}
	return nil, p.errorf("seccomp filters", tid, 0, fmt.Errorf("more than %d filters", maxFilters))
}

// SyscallSite returns the instruction pointer seccomp filters see for
// every system call remote code makes (seccomp_data.instruction_pointer):
// the address right after the syscall instruction of the `syscall; ret`
// gadget. The filters see Syscall's nr there; for Call, getpid (the
// gadget's syscall, replaced: seccomp runs after the syscall-entry-stop
// and would see -1 for a skipped call), or, if we die before that, the
// low 32 bits of the function's result. The gadgets are looked up once
// per process; the process must be stopped.
func (p *Process) SyscallSite() (uint64, error) {
	const hint = 0
	var g gadgets
	var err error
	if e := p.do(func() {
		if p.running {
			err = p.errorf("syscall site", 0, 0, errRunning)
			return
		}
		g, err = p.gadgetsLocked(hint)
	}); e != nil {
		return 0, e
	}
	if err != nil {
		return 0, err
	}
	return g.syscall + 2, nil
}
