package apply

import (
	"errors"
	"fmt"
	"sort"

	"github.com/golibcare/golibcare/internal/procfs"
	"github.com/golibcare/golibcare/internal/unwind"
	"golang.org/x/sys/unix"
)

// fakeProc is an address space and a set of threads with no process
// behind them: Host and Target for unit tests.
type fakeProc struct {
	pid      int
	maps     []procfs.Mapping
	mem      map[uint64][]byte // mapping start → bytes
	tids     []int
	regs     map[int]unwind.Regs
	stopped  bool
	attached bool
	stops    int
	ifuncs   map[uint64]uint64 // resolver → result
	// onResume is called when the threads are resumed; it may move them.
	onResume func(p *fakeProc)
	// onStop is called when the threads are stopped; it may map memory.
	onStop func(p *fakeProc)
	calls  []string
	// writes counts the memory writes of the tracer.
	writes int
	// budget is the number of changes (memory writes, mmap, mprotect,
	// munmap) the tracer makes before it is killed (-1: never): the next
	// change panics with errKilled, as a SIGKILL would end libcare-ctl.
	budget int
}

// errKilled is the panic of a fake tracer killed by its budget.
var errKilled = errors.New("fake: tracer killed")

func newFake() *fakeProc {
	return &fakeProc{pid: 100, mem: map[uint64][]byte{}, regs: map[int]unwind.Regs{}, ifuncs: map[uint64]uint64{}, budget: -1}
}

// change accounts for one change of the target by the tracer.
func (p *fakeProc) change() {
	if p.budget == 0 {
		// The kernel detaches the threads of a dead tracer; they run on.
		p.stopped, p.attached = false, false
		panic(errKilled)
	}
	if p.budget > 0 {
		p.budget--
	}
}

func (p *fakeProc) addMapping(start uint64, b []byte, perms, path string, inode uint64) {
	size := roundUp(uint64(len(b)), pageSize)
	buf := make([]byte, size)
	copy(buf, b)
	p.mem[start] = buf
	p.maps = append(p.maps, procfs.Mapping{Start: start, End: start + size, Perms: perms, Inode: inode, Path: path, DevMajor: 8})
	sort.Slice(p.maps, func(i, k int) bool { return p.maps[i].Start < p.maps[k].Start })
}

func (p *fakeProc) find(addr uint64, n int) ([]byte, error) {
	for base, b := range p.mem {
		if addr >= base && addr+uint64(n) <= base+uint64(len(b)) {
			return b[addr-base : addr-base+uint64(n)], nil
		}
	}
	return nil, fmt.Errorf("fake: no mapping at %#x+%d", addr, n)
}

func (p *fakeProc) ReadAt(b []byte, a int64) (int, error) {
	m, err := p.find(uint64(a), len(b))
	if err != nil {
		return 0, err
	}
	return copy(b, m), nil
}

func (p *fakeProc) WriteAt(b []byte, a int64) (int, error) {
	m, err := p.find(uint64(a), len(b))
	if err != nil {
		return 0, err
	}
	if p.attached {
		p.change()
		p.writes++
	}
	return copy(m, b), nil
}

func (p *fakeProc) read(addr uint64, n int) []byte {
	b, err := p.find(addr, n)
	if err != nil {
		panic(err)
	}
	return append([]byte(nil), b...)
}

func (p *fakeProc) Pid() int { return p.pid }
func (p *fakeProc) Maps() ([]procfs.Mapping, error) {
	return append([]procfs.Mapping(nil), p.maps...), nil
}
func (p *fakeProc) Attach() (Target, error) { p.attached = true; return p, nil }
func (p *fakeProc) Tids() []int             { return p.tids }
func (p *fakeProc) Stop() error {
	p.stopped = true
	p.stops++
	if p.onStop != nil {
		p.onStop(p)
	}
	return nil
}
func (p *fakeProc) Resume() error {
	p.stopped = false
	if p.onResume != nil {
		p.onResume(p)
	}
	return nil
}
func (p *fakeProc) Detach() error { p.stopped, p.attached = false, false; return nil }

func (p *fakeProc) Regs(tid int) (unwind.Regs, error) {
	if !p.stopped {
		return unwind.Regs{}, errors.New("fake: regs of a running thread")
	}
	return p.regs[tid], nil
}

func (p *fakeProc) Batch(f func() error) error { return f() }

func (p *fakeProc) AllRegs() (map[int]unwind.Regs, error) {
	all := map[int]unwind.Regs{}
	for _, tid := range p.tids {
		r, err := p.Regs(tid)
		if err != nil {
			return nil, err
		}
		all[tid] = r
	}
	return all, nil
}

func (p *fakeProc) Call(stub, fn uint64, args ...uint64) (uint64, error) {
	if !p.stopped {
		return 0, errors.New("fake: call while running")
	}
	p.calls = append(p.calls, fmt.Sprintf("call %#x", fn))
	return p.ifuncs[fn], nil
}

func (p *fakeProc) Syscall(stub, nr uint64, a ...uint64) (uint64, error) {
	if !p.stopped {
		return 0, errors.New("fake: syscall while running")
	}
	p.calls = append(p.calls, fmt.Sprintf("syscall %d %#x %#x", nr, a[0], a[1]))
	if nr == _SYS_mmap || nr == _SYS_mprotect || nr == _SYS_munmap {
		p.change()
	}
	switch nr {
	case _SYS_mmap:
		addr, size := a[0], a[1]
		for _, m := range p.maps {
			if addr < m.End && m.Start < addr+size {
				return 0, unix.EEXIST
			}
		}
		perms := "rw-p"
		if a[2] == _PROT_READ|_PROT_EXEC {
			perms = "r-xp"
		}
		p.addMapping(addr, make([]byte, size), perms, "", 0)
		return addr, nil
	case _SYS_mprotect:
		return 0, p.protect(a[0], a[1], "r-xp")
	case _SYS_munmap:
		return 0, p.unmap(a[0], a[1])
	}
	return 0, unix.ENOSYS
}

// protect splits the anonymous mapping holding [addr, addr+size).
func (p *fakeProc) protect(addr, size uint64, perms string) error {
	for i, m := range p.maps {
		if m.Start == addr && addr+size <= m.End {
			rest := m
			m.End, m.Perms = addr+size, perms
			p.maps[i] = m
			if rest.End > m.End {
				rest.Start = m.End
				p.maps = append(p.maps, rest)
				sort.Slice(p.maps, func(i, k int) bool { return p.maps[i].Start < p.maps[k].Start })
			}
			return nil
		}
	}
	return unix.EINVAL
}

func (p *fakeProc) unmap(addr, size uint64) error {
	var keep []procfs.Mapping
	for _, m := range p.maps {
		if m.Start >= addr && m.End <= addr+size {
			continue
		}
		keep = append(keep, m)
	}
	delete(p.mem, addr)
	p.maps = keep
	return nil
}
