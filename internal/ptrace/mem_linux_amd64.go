package ptrace

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// ReadAt reads target memory at addr through /proc/pid/mem; it works while
// the process runs.
func (p *Process) ReadAt(b []byte, addr int64) (int, error) {
	n, err := p.mem.ReadAt(b, addr)
	if err != nil {
		return n, p.errorf("read memory", 0, uint64(addr), closedToDetached(err))
	}
	return n, nil
}

// closedToDetached names the reason /proc/pid/mem is closed.
func closedToDetached(err error) error {
	if errors.Is(err, os.ErrClosed) {
		return ErrDetached
	}
	return err
}

// WriteAt writes target memory at addr through /proc/pid/mem, which writes
// read-only text too (the kernel forces the access for a tracer, FOLL_FORCE).
// If the kernel refuses (EINVAL/EIO), it falls back to PTRACE_POKEDATA on a
// stopped thread.
func (p *Process) WriteAt(b []byte, addr int64) (int, error) {
	n, err := p.mem.WriteAt(b, addr)
	if err == nil {
		return n, nil
	}
	if !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.EIO) {
		return n, p.errorf("write memory", 0, uint64(addr), closedToDetached(err))
	}
	var perr error
	if e := p.do(func() { n, perr = p.pokeLocked(b, addr) }); e != nil {
		return 0, e
	}
	return n, perr
}

// writeLocked is WriteAt for code already on the tracer goroutine.
// Must be called via p.do.
func (p *Process) writeLocked(b []byte, addr uint64) error {
	_, err := p.mem.WriteAt(b, int64(addr))
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EIO) {
		_, err = p.pokeLocked(b, int64(addr))
	}
	if err != nil {
		return p.errorf("write memory", 0, addr, err)
	}
	return nil
}

// pokeLocked writes with PTRACE_POKEDATA through any stopped thread.
// Must be called via p.do.
func (p *Process) pokeLocked(b []byte, addr int64) (int, error) {
	for _, tid := range p.tidsLocked() {
		if t := p.threads[tid]; t.stopped {
			n, err := poke(tid, uintptr(addr), b)
			if err != nil {
				return n, p.errorf("poke memory", tid, uint64(addr), err)
			}
			return n, nil
		}
	}
	return 0, p.errorf("poke memory", 0, uint64(addr), errRunning)
}

// Regs returns the registers of thread tid, which must be stopped.
func (p *Process) Regs(tid int) (*unix.PtraceRegs, error) {
	var r unix.PtraceRegs
	var err error
	if e := p.do(func() { err = p.regsLocked(tid, &r, false) }); e != nil {
		return nil, e
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// RegsAll returns the registers of every thread in one request to the
// tracer thread; every thread must be stopped.
func (p *Process) RegsAll() (map[int]*unix.PtraceRegs, error) {
	var all map[int]*unix.PtraceRegs
	var err error
	if e := p.do(func() { all, err = p.regsAllLocked() }); e != nil {
		return nil, e
	}
	return all, err
}

// Must be called via p.do.
func (p *Process) regsAllLocked() (map[int]*unix.PtraceRegs, error) {
	if p.exited {
		return nil, p.errorf("get registers", 0, 0, ErrProcessExited)
	}
	regs := make([]unix.PtraceRegs, len(p.threads))
	all := make(map[int]*unix.PtraceRegs, len(p.threads))
	i := 0
	for tid, t := range p.threads {
		if !t.stopped {
			return nil, p.errorf("get registers", tid, 0, errRunning)
		}
		if err := getRegs(tid, &regs[i]); err != nil {
			return nil, p.errorf("get registers", tid, 0, err)
		}
		all[tid] = &regs[i]
		i++
	}
	return all, nil
}

// SetRegs sets the registers of thread tid, which must be stopped.
func (p *Process) SetRegs(tid int, r *unix.PtraceRegs) error {
	var err error
	if e := p.do(func() { err = p.regsLocked(tid, r, true) }); e != nil {
		return e
	}
	return err
}

// regsLocked gets or sets the registers of a stopped thread.
// Must be called via p.do.
func (p *Process) regsLocked(tid int, r *unix.PtraceRegs, set bool) error {
	op := "get registers"
	if set {
		op = "set registers"
	}
	t, err := p.stoppedThread(tid)
	if err != nil {
		return p.errorf(op, tid, 0, err)
	}
	if set {
		err = setRegs(t.tid, r)
	} else {
		err = getRegs(t.tid, r)
	}
	if err != nil {
		return p.errorf(op, tid, 0, err)
	}
	return nil
}

// stoppedThread returns thread tid if it is traced and stopped.
// Must be called via p.do.
func (p *Process) stoppedThread(tid int) (*thread, error) {
	if p.exited {
		return nil, ErrProcessExited
	}
	t := p.threads[tid]
	switch {
	case t == nil:
		return nil, fmt.Errorf("thread not traced")
	case !t.stopped:
		return nil, errRunning
	}
	return t, nil
}
