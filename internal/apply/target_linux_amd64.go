package apply

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/golibcare/golibcare/internal/procfs"
	"github.com/golibcare/golibcare/internal/ptrace"
	"github.com/golibcare/golibcare/internal/unwind"
)

// ProcHost is a live process seen through /proc (read-only until Attach).
type ProcHost struct {
	pid int
	mem *os.File
}

var (
	_ Host   = (*ProcHost)(nil)
	_ Target = (*ptraceTarget)(nil)
)

// ErrNoProcess is returned by OpenHost for a pid that does not exist.
var ErrNoProcess = errors.New("no such process")

// OpenHost opens the process pid for reading; Close releases it.
func OpenHost(pid int) (*ProcHost, error) {
	if _, err := os.Stat(fmt.Sprintf("/proc/%d/stat", pid)); err != nil {
		return nil, fmt.Errorf("pid %d: %w", pid, ErrNoProcess)
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/mem", pid))
	if errors.Is(err, fs.ErrPermission) {
		// The kernel checks ptrace access here: let Seize say why it is
		// refused (owner, Yama ptrace_scope, another tracer).
		p, serr := ptrace.Seize(pid)
		if serr != nil {
			return nil, serr
		}
		p.Detach()
	}
	if err != nil {
		return nil, fmt.Errorf("pid %d: open memory: %w", pid, err)
	}
	return &ProcHost{pid: pid, mem: f}, nil
}

// Close releases the memory file.
func (h *ProcHost) Close() error { return h.mem.Close() }

// Pid returns the process id.
func (h *ProcHost) Pid() int { return h.pid }

// Maps reads /proc/PID/maps.
func (h *ProcHost) Maps() ([]procfs.Mapping, error) { return procfs.ReadMaps(h.pid) }

// ReadAt reads /proc/PID/mem.
func (h *ProcHost) ReadAt(b []byte, a int64) (int, error) { return h.mem.ReadAt(b, a) }

// WriteAt refuses: a process is written only once attached.
func (h *ProcHost) WriteAt(b []byte, a int64) (int, error) {
	return 0, fmt.Errorf("pid %d: write before attach", h.pid)
}

// Attach seizes every thread of the process.
func (h *ProcHost) Attach() (Target, error) {
	p, err := ptrace.Seize(h.pid)
	if err != nil {
		return nil, err
	}
	return &ptraceTarget{p}, nil
}

// ptraceTarget adapts *ptrace.Process to Target.
type ptraceTarget struct{ *ptrace.Process }

// Regs returns the registers the unwinder needs.
func (t *ptraceTarget) Regs(tid int) (unwind.Regs, error) {
	r, err := t.Process.Regs(tid)
	if err != nil {
		return unwind.Regs{}, err
	}
	return unwind.Regs{PC: r.Rip, SP: r.Rsp, BP: r.Rbp, BX: r.Rbx,
		R12: r.R12, R13: r.R13, R14: r.R14, R15: r.R15}, nil
}

var tableCache sync.Map // "dev:inode" → *unwind.Table

// LoadTables loads the .eh_frame of an object through
// /proc/PID/map_files, so it works for deleted files and other mount
// namespaces; tables are cached per file for `-p all`.
func LoadTables(pid int, o *Object) (*unwind.Table, error) {
	m := o.VMAs[0]
	key := fmt.Sprintf("%d:%d:%d:%s", m.DevMajor, m.DevMinor, m.Inode, o.Path)
	if t, ok := tableCache.Load(key); ok {
		return t.(*unwind.Table), nil
	}
	path := fmt.Sprintf("/proc/%d/map_files/%x-%x", pid, m.Start, m.End)
	t, err := unwind.LoadFile(path)
	if err != nil {
		if t, err = unwind.LoadFile(o.Path); err != nil {
			return nil, err
		}
	}
	tableCache.Store(key, t)
	return t, nil
}

// settleTimeout bounds the wait for the leader to finish a system call.
const settleTimeout = 500 * time.Millisecond

// Syscall runs a remote system call after settle.
func (t *ptraceTarget) Syscall(stub, nr uint64, args ...uint64) (uint64, error) {
	if err := t.settle(); err != nil {
		return 0, err
	}
	return t.Process.Syscall(stub, nr, args...)
}

// Call runs a remote function call after settle.
func (t *ptraceTarget) Call(stub, fn uint64, args ...uint64) (uint64, error) {
	if err := t.settle(); err != nil {
		return 0, err
	}
	return t.Process.Call(stub, fn, args...)
}

// settle lets the leader, which runs remote code, finish a system call it
// is stopped inside (a PTRACE_EVENT_CLONE stop of pthread_create: orig_rax
// is the call, rax still -ENOSYS). Running a stub there would let the
// kernel overwrite our rax with the call's result on the way out, and
// restoring the registers afterwards would make clone() fail in the
// program although the thread exists. A breakpoint at its return address
// stops it right after the call.
func (t *ptraceTarget) settle() error {
	r, err := t.Process.Regs(t.Pid())
	if err != nil {
		return nil // no leader: ptrace picks another thread
	}
	if int64(r.Orig_rax) < 0 || int64(r.Rax) != negENOSYS {
		return nil
	}
	reached, err := t.Process.RunUntil(map[int]uint64{t.Pid(): r.Rip}, settleTimeout)
	if err != nil {
		return err
	}
	if !reached[t.Pid()] {
		return fmt.Errorf("pid %d: leader did not leave system call %d", t.Pid(), r.Orig_rax)
	}
	return nil
}

const negENOSYS = -int64(unix.ENOSYS)
