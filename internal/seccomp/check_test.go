package seccomp

import (
	"errors"
	"strings"
	"testing"
)

// plan is what libcare-ctl runs for one patch region.
var plan = []Call{
	{Nr: SysMmap, Args: [6]uint64{0x7f1234560000, 0x3000, 3, 0x100022, ^uint64(0), 0}, IP: 0x7f0000001002},
	{Nr: SysMprotect, Args: [6]uint64{0x7f1234560000, 0x2000, 5}, IP: 0x7f0000001002},
	{Nr: SysMunmap, Args: [6]uint64{0x7f1234560000, 0x3000}, IP: 0x7f0000001002},
	{Nr: SysRtSigreturn, IP: 0x7f0000001002, Unknown: FieldArgs},
}

func TestCheck(t *testing.T) {
	sigreturnArg := func(act Action) []Insn {
		return []Insn{
			Stmt(ldAbs, offNr),
			Jump(jeqK, SysRtSigreturn, 0, 3),
			Stmt(ldAbs, offArg(0, false)),
			Jump(jeqK, 5, 0, 1),
			Stmt(retK, uint32(act)),
			Stmt(retK, uint32(Allow)),
		}
	}
	tests := []struct {
		name    string
		filters [][]Insn
		want    string // "" when allowed
	}{
		{"allow all", [][]Insn{{Stmt(retK, uint32(Allow))}}, ""},
		{"log", [][]Insn{{Stmt(retK, uint32(Log))}}, ""},
		{"kill mmap exec lets rw through", [][]Insn{killOnFlag(SysMmap, 2, 4, KillProcess)}, ""},
		{"kill mprotect exec", [][]Insn{killOnFlag(SysMprotect, 2, 4, KillProcess)},
			"mprotect(0x7f1234560000, 0x2000, PROT_READ|PROT_EXEC) would be killed by the process's seccomp filter (SECCOMP_RET_KILL_PROCESS)"},
		{"errno mmap", [][]Insn{killOnFlag(SysMmap, 2, 2, Errno|1)},
			"mmap(0x7f1234560000, 0x3000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) would fail with EPERM under the process's seccomp filter (SECCOMP_RET_ERRNO(EPERM))"},
		{"second filter traps munmap", [][]Insn{{Stmt(retK, uint32(Allow))}, killOnFlag(SysMunmap, 1, 0x1000, Trap)},
			"munmap(0x7f1234560000, 0x3000) would raise SIGSYS under the process's seccomp filter (SECCOMP_RET_TRAP)"},
		{"user notif", [][]Insn{killOnFlag(SysMmap, 3, 0x20, UserNotif)},
			"would be handed to a user-space supervisor by the process's seccomp filter (SECCOMP_RET_USER_NOTIF)"},
		{"trace", [][]Insn{killOnFlag(SysMmap, 3, 0x20, Trace)},
			"would fail with ENOSYS (no seccomp tracer) under the process's seccomp filter (SECCOMP_RET_TRACE)"},
		{"sigreturn argument read, same result either way", [][]Insn{sigreturnArg(Allow)}, ""},
		{"sigreturn killed for some arguments", [][]Insn{sigreturnArg(KillThread)},
			"rt_sigreturn() could be killed by the process's seccomp filter (SECCOMP_RET_KILL_THREAD), depending on values not known in advance"},
		{"returns an unknown argument", [][]Insn{{Stmt(ldAbs, offNr), Jump(jeqK, SysRtSigreturn, 0, 2),
			Stmt(ldAbs, offArg(1, false)), Stmt(retA, 0), Stmt(retK, uint32(Allow))}},
			"rt_sigreturn() could be killed by the process's seccomp filter (SECCOMP_RET_KILL_PROCESS), depending on values not known in advance"},
		{"divides by an unknown argument", [][]Insn{{Stmt(ldAbs, offNr), Jump(jeqK, SysRtSigreturn, 0, 3),
			Stmt(ldAbs, offArg(2, true)), Stmt(ClassMISC|MiscTAX, 0), Stmt(ClassALU|OpDIV|SrcX, 0), Stmt(retK, uint32(Allow))}},
			"rt_sigreturn() could be killed by the process's seccomp filter (SECCOMP_RET_KILL_THREAD)"},
		{"certain kill beats a possible one", [][]Insn{{Stmt(retK, uint32(KillThread))}, sigreturnArg(KillThread)},
			"mmap(0x7f1234560000, 0x3000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) would be killed by the process's seccomp filter (SECCOMP_RET_KILL_THREAD)"},
		{"instruction pointer known", [][]Insn{{Stmt(ldAbs, offIP), Jump(jeqK, 0x1002, 1, 0),
			Stmt(retK, uint32(KillProcess)), Stmt(retK, uint32(Allow))}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(tt.filters, plan)
			if tt.want == "" {
				if err != nil {
					t.Errorf("got %v, want nil", err)
				}
				return
			}
			var re *RefusedError
			if !errors.As(err, &re) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want a *RefusedError containing %q", err, tt.want)
			}
		})
	}
}

func TestCheckUndecidable(t *testing.T) {
	if err := Check([][]Insn{{Stmt(ClassLD|ModeMEM, 0), Stmt(retK, 0)}}, plan); !errors.Is(err, ErrInvalid) {
		t.Errorf("got %v, want ErrInvalid", err)
	}
	// Every jump on an unknown argument doubles the paths.
	p := make([]Insn, 0, MaxInsns)
	p = append(p, Stmt(ldAbs, offArg(0, false)))
	for len(p)+3 < MaxInsns {
		p = append(p, Jump(jsetK, 1, 0, 0)) // jt == jf: no fork
		p = append(p, Jump(jsetK, 1, 1, 0), Stmt(ldAbs, offArg(0, false)))
	}
	p = append(p, Stmt(retK, uint32(Allow)))
	if err := Validate(p); err != nil {
		t.Fatal(err)
	}
	if err := Check([][]Insn{p}, plan); !errors.Is(err, ErrTooComplex) {
		t.Errorf("got %v, want ErrTooComplex", err)
	}
}

func TestCheckStrict(t *testing.T) {
	ok := []Call{{Nr: SysRead}, {Nr: SysWrite, Args: [6]uint64{1}}, {Nr: SysExit}, {Nr: SysRtSigreturn}}
	if err := CheckStrict(ok); err != nil {
		t.Errorf("got %v, want nil", err)
	}
	err := CheckStrict(plan)
	want := "mmap(0x7f1234560000, 0x3000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) would be killed: the process is in seccomp strict mode (SECCOMP_MODE_STRICT), which allows only read, write, exit and rt_sigreturn"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}

func TestCallString(t *testing.T) {
	tests := []struct {
		c    Call
		want string
	}{
		{Call{Nr: SysMunmap, Args: [6]uint64{0x1000, 0x2000}}, "munmap(0x1000, 0x2000)"},
		{Call{Nr: SysMprotect, Args: [6]uint64{0x1000, 0x2000, 0}}, "mprotect(0x1000, 0x2000, PROT_NONE)"},
		{Call{Nr: SysMmap, Args: [6]uint64{0, 1, 0x1f, 0x1000000, 3, 0}, Unknown: FieldArg(5)}, "mmap(0x0, 0x1, PROT_READ|PROT_WRITE|PROT_EXEC|0x18, 0x1000000, 3, ?)"},
		{Call{Nr: 999, Args: [6]uint64{1, 2, 3, 4, 5, 6}}, "syscall 999(0x1, 0x2, 0x3, 0x4, 0x5, 0x6)"},
	}
	for _, tt := range tests {
		if got := tt.c.String(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}
