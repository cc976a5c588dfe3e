package ptrace

// Poke writes with PTRACE_POKEDATA, the fallback of WriteAt, so that tests
// can exercise it although /proc/pid/mem works on the test machine.
func (p *Process) Poke(b []byte, addr int64) (n int, err error) {
	if e := p.do(func() { n, err = p.pokeLocked(b, addr) }); e != nil {
		return 0, e
	}
	return n, err
}

// SyscallOn is Syscall on thread tid.
func (p *Process) SyscallOn(tid int, stub, nr uint64, args ...uint64) (uint64, error) {
	return p.syscallOn(tid, stub, nr, args...)
}

// InSyscall reports whether thread tid is stopped inside a system call.
func (p *Process) InSyscall(tid int) (in bool) {
	p.do(func() {
		t := p.threads[tid]
		in = t != nil && t.stopped && t.inSyscall
	})
	return in
}

// StubTid returns the thread Syscall would run on.
func (p *Process) StubTid() (tid int) {
	p.do(func() {
		if t := p.pickStub(); t != nil {
			tid = t.tid
		}
	})
	return tid
}
