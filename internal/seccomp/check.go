package seccomp

import "fmt"

// Run returns what the filter prog returns for d (BPF_PROG_RUN of one
// filter). An invalid program is an error wrapping ErrInvalid.
func Run(prog []Insn, d Data) (Action, error) {
	if err := Validate(prog); err != nil {
		return 0, err
	}
	r, err := run(prog, d.words(), 0)
	return r.worst, err
}

// Evaluate returns what the kernel does with d under filters, each as
// PTRACE_SECCOMP_GET_FILTER returns it: index 0 is the first installed.
// Every filter runs, newest first, and the most severe action wins; of
// equally severe ones, the newest filter's, with its data
// (seccomp_run_filters). With no filter the call is allowed.
func Evaluate(filters [][]Insn, d Data) (Action, error) {
	if err := validateAll(filters); err != nil {
		return 0, err
	}
	ret := Allow
	w := d.words()
	for i := len(filters) - 1; i >= 0; i-- {
		r, err := run(filters[i], w, 0)
		if err != nil {
			return 0, fmt.Errorf("filter %d: %w", i, err)
		}
		if r.worst.moreSevere(ret) {
			ret = r.worst
		}
	}
	return ret, nil
}

func validateAll(filters [][]Insn) error {
	for i, f := range filters {
		if err := Validate(f); err != nil {
			return fmt.Errorf("filter %d of %d: %w", i, len(filters), err)
		}
	}
	return nil
}

// Call is a system call a process is about to be made to run: number,
// arguments and the address after its syscall instruction. Fields in
// Unknown (the registers an rt_sigreturn happens to find) may hold any
// value.
type Call struct {
	Nr      int
	Args    [6]uint64
	IP      uint64
	Unknown Field
}

// Data returns what a filter sees of the call on x86_64.
func (c Call) Data() Data {
	return Data{Nr: int32(c.Nr), Arch: AuditArchX86_64, IP: c.IP, Args: c.Args}
}

// RefusedError is a call the policy would not let run.
type RefusedError struct {
	Call   Call
	Action Action // for a filter: the most severe result it may return
	// Maybe is set when that result depends on fields of the call that are
	// not known in advance.
	Maybe bool
	// Strict is set for SECCOMP_MODE_STRICT (Action is then KillThread).
	Strict bool
}

// Error says which call would be refused and what the kernel would do.
func (e *RefusedError) Error() string {
	if e.Strict {
		return fmt.Sprintf("%s would be killed: the process is in seccomp strict mode (SECCOMP_MODE_STRICT), which allows only read, write, exit and rt_sigreturn", e.Call)
	}
	modal, tail := "would", ""
	if e.Maybe {
		modal, tail = "could", ", depending on values not known in advance"
	}
	return fmt.Sprintf("%s %s %s the process's seccomp filter (%s)%s", e.Call, modal, e.Action.verb(), e.Action, tail)
}

// Check returns a *RefusedError for the first call that filters might not
// let run, an error wrapping ErrInvalid or ErrTooComplex when that cannot
// be decided, and nil when every call is allowed whatever values its
// unknown fields hold.
func Check(filters [][]Insn, calls []Call) error {
	if err := validateAll(filters); err != nil {
		return err
	}
	for _, c := range calls {
		if err := checkCall(filters, c); err != nil {
			return err
		}
	}
	return nil
}

func checkCall(filters [][]Insn, c Call) error {
	d := c.Data()
	w := d.words()
	worst, maybe := Allow, false
	for i := len(filters) - 1; i >= 0; i-- {
		r, err := run(filters[i], w, c.Unknown)
		if err != nil {
			return fmt.Errorf("%s: filter %d: %w", c, i, err)
		}
		if r.worst.moreSevere(worst) || (r.worst.Kind() == worst.Kind() && !r.depends) {
			worst, maybe = r.worst, r.depends
		}
	}
	if worst.Allowed() {
		return nil
	}
	return &RefusedError{Call: c, Action: worst, Maybe: maybe}
}

// strictCalls are the calls SECCOMP_MODE_STRICT allows on x86_64
// (kernel/seccomp.c mode1_syscalls, asm-generic/seccomp.h:
// __NR_seccomp_sigreturn is __NR_rt_sigreturn there).
var strictCalls = map[int]bool{SysRead: true, SysWrite: true, SysExit: true, SysRtSigreturn: true}

// CheckStrict returns a *RefusedError for the first call that strict mode
// kills.
func CheckStrict(calls []Call) error {
	for _, c := range calls {
		if !strictCalls[c.Nr] {
			return &RefusedError{Call: c, Action: KillThread, Strict: true}
		}
	}
	return nil
}
