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

// CallOn is Call on thread tid (0: any).
func (p *Process) CallOn(tid int, fn uint64, args ...uint64) (uint64, error) {
	rc := remoteCode{op: "call", call: true, fn: fn}
	copy(rc.args[:], args)
	return p.runRemote(tid, 0, rc)
}

// FPUState returns the FPU state of stopped thread tid as the register set
// holds it.
func (p *Process) FPUState(tid int) (b []byte, err error) {
	p.do(func() {
		if p.fpu == nil {
			if p.fpu, err = probeFPU(tid); err != nil {
				return
			}
		}
		b, err = readFPU(tid, p.fpu)
	})
	return b, err
}

// SigMask returns the blocked signals of stopped thread tid.
func (p *Process) SigMask(tid int) (m uint64, err error) {
	p.do(func() { m, err = getSigmask(tid) })
	return m, err
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
		if t, err := p.pickRemote(0, nil); err == nil {
			tid = t.tid
		}
	})
	return tid
}

// HeldSignal returns the signal thread tid holds in a
// signal-delivery-stop, 0 if none.
func (p *Process) HeldSignal(tid int) (sig int) {
	p.do(func() {
		if t := p.threads[tid]; t != nil && t.stopped {
			sig = int(t.sig)
		}
	})
	return sig
}
