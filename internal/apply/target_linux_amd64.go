package apply

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"

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
	if err := CheckProcess(pid); err != nil {
		return nil, err
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
	return UnwindRegs(r), nil
}

// AllRegs returns the registers of every thread in one request.
func (t *ptraceTarget) AllRegs() (map[int]unwind.Regs, error) {
	return AllRegs(t.Process)
}

// AllRegs reads the registers of every stopped thread of p in one request
// to its tracer thread.
func AllRegs(p *ptrace.Process) (map[int]unwind.Regs, error) {
	all, err := p.RegsAll()
	if err != nil {
		return nil, err
	}
	out := make(map[int]unwind.Regs, len(all))
	for tid, r := range all {
		out[tid] = UnwindRegs(r)
	}
	return out, nil
}

// UnwindRegs picks from r the registers the unwinder needs.
func UnwindRegs(r *unix.PtraceRegs) unwind.Regs {
	return unwind.Regs{PC: r.Rip, SP: r.Rsp, BP: r.Rbp, BX: r.Rbx,
		R12: r.R12, R13: r.R13, R14: r.R14, R15: r.R15}
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
