package ptrace

import (
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sys/unix"
)

// maxSeccompFilters bounds the filters read from one thread: the kernel
// caps a thread's chain at MAX_INSNS_PER_PATH (32768) instructions with a
// penalty of 4 per filter (seccomp_attach_filter), so at most 6553 filters
// of one instruction each.
const maxSeccompFilters = 32768 / 5

// SeccompFilters returns the classic BPF programs of the seccomp filters
// of thread tid, which must be stopped, the first installed first (the
// index order of PTRACE_SECCOMP_GET_FILTER, kernel get_nth_filter). The
// kernel refuses with EINVAL for a thread not in filter mode, EACCES
// without CAP_SYS_ADMIN or when the tracer itself runs under seccomp, and
// EIO when built without CONFIG_CHECKPOINT_RESTORE.
func (p *Process) SeccompFilters(tid int) ([][]unix.SockFilter, error) {
	var out [][]unix.SockFilter
	var err error
	if e := p.do(func() {
		if _, err = p.stoppedThread(tid); err != nil {
			err = p.errorf("read seccomp filters", tid, 0, err)
			return
		}
		out, err = p.seccompFiltersLocked(tid)
	}); e != nil {
		return nil, e
	}
	return out, err
}

// AllSeccompFilters returns the filters of every thread in filter mode
// (SeccompFilters), in one request to the tracer thread: it runs in the
// stop, one PTRACE_SECCOMP_GET_FILTER per thread with no filter. Every
// thread must be stopped.
func (p *Process) AllSeccompFilters() (map[int][][]unix.SockFilter, error) {
	var all map[int][][]unix.SockFilter
	var err error
	if e := p.do(func() { all, err = p.allSeccompFiltersLocked() }); e != nil {
		return nil, e
	}
	return all, err
}

// Must be called via p.do.
func (p *Process) allSeccompFiltersLocked() (map[int][][]unix.SockFilter, error) {
	if p.exited {
		return nil, p.errorf("read seccomp filters", 0, 0, ErrProcessExited)
	}
	all := map[int][][]unix.SockFilter{}
	for tid, t := range p.threads {
		if !t.stopped {
			return nil, p.errorf("read seccomp filters", tid, 0, errRunning)
		}
		fs, err := p.seccompFiltersLocked(tid)
		if errors.Is(err, unix.EINVAL) {
			continue
		}
		if err != nil {
			return nil, err
		}
		all[tid] = fs
	}
	return all, nil
}

// Must be called via p.do, with thread tid stopped.
func (p *Process) seccompFiltersLocked(tid int) ([][]unix.SockFilter, error) {
	// A filter is never changed once attached, and a new one (even
	// through another thread's SECCOMP_FILTER_FLAG_TSYNC) goes on top of
	// the chain: the index of an existing filter, counted from the first,
	// stays the same.
	var out [][]unix.SockFilter
	for i := 0; ; i++ {
		if i == maxSeccompFilters {
			return nil, p.errorf("read seccomp filters", tid, 0, fmt.Errorf("more than %d filters", maxSeccompFilters))
		}
		// The length first: a thread with no filter costs one call and no
		// buffer (and no formatting: the stop waits for this).
		_, err := seccompFilter(tid, uintptr(i), nil)
		if errors.Is(err, unix.ENOENT) {
			return out, nil
		}
		var f []unix.SockFilter
		if err == nil {
			f, err = readFilter(tid, i)
		}
		if err != nil {
			op := "read seccomp filters"
			if i > 0 {
				op = fmt.Sprintf("read seccomp filter %d", i)
			}
			return nil, p.errorf(op, tid, 0, err)
		}
		out = append(out, f)
	}
}

// filterBufs holds buffers of BPF_MAXINSNS instructions for
// PTRACE_SECCOMP_GET_FILTER.
var filterBufs = sync.Pool{New: func() any { return new([unix.BPF_MAXINSNS]unix.SockFilter) }}

// readFilter copies filter index of tid. Must be called via p.do.
func readFilter(tid, index int) ([]unix.SockFilter, error) {
	buf := filterBufs.Get().(*[unix.BPF_MAXINSNS]unix.SockFilter)
	defer filterBufs.Put(buf)
	n, err := seccompFilter(tid, uintptr(index), buf[:])
	if err != nil {
		return nil, err
	}
	if n <= 0 || n > len(buf) {
		return nil, fmt.Errorf("kernel reports %d instructions", n)
	}
	return append([]unix.SockFilter(nil), buf[:n]...), nil
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
