package ptrace

// Poke writes with PTRACE_POKEDATA, the fallback of WriteAt, so that tests
// can exercise it although /proc/pid/mem works on the test machine.
func (p *Process) Poke(b []byte, addr int64) (n int, err error) {
	if e := p.do(func() { n, err = p.pokeLocked(b, addr) }); e != nil {
		return 0, e
	}
	return n, err
}
