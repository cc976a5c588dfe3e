package seccomp

import (
	"errors"
	"strings"
	"testing"
)

// Offsets in struct seccomp_data.
const (
	offNr   = 0
	offArch = 4
	offIP   = 8
)

func offArg(i int, hi bool) uint32 {
	if hi {
		return uint32(16 + 8*i + 4)
	}
	return uint32(16 + 8*i)
}

const (
	ldAbs = ClassLD | SizeW | ModeABS
	retK  = ClassRET | RetK
	retA  = ClassRET | RetA
	jeqK  = ClassJMP | OpJEQ | SrcK
	jsetK = ClassJMP | OpJSET | SrcK
)

// archCheck kills a call of another architecture, as every real filter
// starts (seccomp(2) EXAMPLES).
var archCheck = []Insn{
	Stmt(ldAbs, offArch),
	Jump(jeqK, AuditArchX86_64, 1, 0),
	Stmt(retK, uint32(KillProcess)),
}

func prog(parts ...[]Insn) []Insn {
	var p []Insn
	for _, x := range parts {
		p = append(p, x...)
	}
	return p
}

// killOnFlag returns a filter that returns act for system call nr when
// argument arg has a bit of flag set, and allows everything else.
func killOnFlag(nr int, arg int, flag uint32, act Action) []Insn {
	return prog(archCheck, []Insn{
		Stmt(ldAbs, offNr),
		Jump(jeqK, uint32(nr), 0, 3),
		Stmt(ldAbs, offArg(arg, false)),
		Jump(jsetK, flag, 0, 1),
		Stmt(retK, uint32(act)),
		Stmt(retK, uint32(Allow)),
	})
}

func mmapData(prot uint64) Data {
	return Data{Nr: SysMmap, Arch: AuditArchX86_64, Args: [6]uint64{0x7f0000000000, 0x3000, prot, 0x100022, ^uint64(0), 0}}
}

func TestRunHandWritten(t *testing.T) {
	alu := func(code uint16, a, k uint32) []Insn {
		return []Insn{Stmt(ClassLD|ModeIMM, a), Stmt(ClassLDX|ModeIMM, k), Stmt(code, k), Stmt(retA, 0)}
	}
	tests := []struct {
		name string
		prog []Insn
		d    Data
		want Action
	}{
		{"allow", []Insn{Stmt(retK, uint32(Allow))}, Data{}, Allow},
		{"arch other", prog(archCheck, []Insn{Stmt(retK, uint32(Allow))}), Data{Arch: 0x40000003}, KillProcess},
		{"arch x86_64", prog(archCheck, []Insn{Stmt(retK, uint32(Allow))}), Data{Arch: AuditArchX86_64}, Allow},
		{"mmap exec", killOnFlag(SysMmap, 2, 4, KillProcess), mmapData(5), KillProcess},
		{"mmap rw", killOnFlag(SysMmap, 2, 4, KillProcess), mmapData(3), Allow},
		{"mprotect errno", killOnFlag(SysMprotect, 2, 4, Errno|1),
			Data{Nr: SysMprotect, Arch: AuditArchX86_64, Args: [6]uint64{0, 0x1000, 5}}, Errno | 1},
		{"high word of an argument", []Insn{
			Stmt(ldAbs, offArg(0, true)),
			Jump(jeqK, 0x7f, 0, 1),
			Stmt(retK, uint32(Trap|7)),
			Stmt(retK, uint32(Allow)),
		}, Data{Args: [6]uint64{0x7f00001000}}, Trap | 7},
		{"instruction pointer", []Insn{
			Stmt(ldAbs, offIP+4),
			Stmt(ClassST, 3),
			Stmt(ldAbs, offIP),
			Stmt(ClassLDX|ModeMEM, 3),
			Stmt(ClassALU|OpADD|SrcX, 0),
			Stmt(retA, 0),
		}, Data{IP: 0x12_0000_0034}, 0x46},
		{"len", []Insn{Stmt(ClassLD|SizeW|ModeLEN, 0), Stmt(retA, 0)}, Data{}, DataSize},
		{"ldx len, txa", []Insn{Stmt(ClassLDX|SizeW|ModeLEN, 0), Stmt(ClassMISC|MiscTXA, 0), Stmt(retA, 0)}, Data{}, DataSize},
		{"tax, stx, ld mem", []Insn{Stmt(ClassLD|ModeIMM, 9), Stmt(ClassMISC|MiscTAX, 0), Stmt(ClassSTX, 15),
			Stmt(ClassLD|ModeIMM, 0), Stmt(ClassLD|ModeMEM, 15), Stmt(retA, 0)}, Data{}, 9},
		{"ja", []Insn{Stmt(ClassJMP|OpJA, 1), Stmt(retK, 1), Stmt(retK, 2)}, Data{}, 2},
		{"add k", alu(ClassALU|OpADD|SrcK, 0xffffffff, 2), Data{}, 1},
		{"sub x", alu(ClassALU|OpSUB|SrcX, 1, 2), Data{}, 0xffffffff},
		{"mul k", alu(ClassALU|OpMUL|SrcK, 0x10000, 0x10001), Data{}, 0x10000},
		{"div x", alu(ClassALU|OpDIV|SrcX, 7, 2), Data{}, 3},
		{"div x by zero returns 0", alu(ClassALU|OpDIV|SrcX, 7, 0), Data{}, KillThread},
		{"and", alu(ClassALU|OpAND|SrcK, 0xf0f0, 0xff00), Data{}, 0xf000},
		{"or", alu(ClassALU|OpOR|SrcX, 0xf0f0, 0xff00), Data{}, 0xfff0},
		{"xor", alu(ClassALU|OpXOR|SrcK, 0xf0f0, 0xff00), Data{}, 0x0ff0},
		{"lsh k", alu(ClassALU|OpLSH|SrcK, 3, 4), Data{}, 0x30},
		{"lsh x modulo 32", alu(ClassALU|OpLSH|SrcX, 3, 36), Data{}, 0x30},
		{"rsh x", alu(ClassALU|OpRSH|SrcX, 0x80000000, 31), Data{}, 1},
		{"neg", []Insn{Stmt(ClassLD|ModeIMM, 1), Stmt(ClassALU|OpNEG, 0), Stmt(retA, 0)}, Data{}, 0xffffffff},
		{"jgt is unsigned", []Insn{Stmt(ClassLD|ModeIMM, 0xffffffff),
			Jump(ClassJMP|OpJGT|SrcK, 1, 0, 1), Stmt(retK, 1), Stmt(retK, 2)}, Data{}, 1},
		{"jge x equal", []Insn{Stmt(ClassLD|ModeIMM, 5), Stmt(ClassLDX|ModeIMM, 5),
			Jump(ClassJMP|OpJGE|SrcX, 0, 0, 1), Stmt(retK, 1), Stmt(retK, 2)}, Data{}, 1},
		{"jeq negative k", []Insn{Stmt(ldAbs, offNr), Jump(jeqK, 0xffffffff, 0, 1), Stmt(retK, 1), Stmt(retK, 2)}, Data{Nr: -1}, 1},
		{"jset x clear", []Insn{Stmt(ClassLD|ModeIMM, 4), Stmt(ClassLDX|ModeIMM, 3),
			Jump(ClassJMP|OpJSET|SrcX, 0, 0, 1), Stmt(retK, 1), Stmt(retK, 2)}, Data{}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Run(tt.prog, tt.d)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %#x (%v), want %#x (%v)", uint32(got), got, uint32(tt.want), tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	ret := Stmt(retK, uint32(Allow))
	tests := []struct {
		name string
		prog []Insn
		want string // "" for valid
	}{
		{"empty", nil, "0 instructions"},
		{"too long", make([]Insn, MaxInsns+1), "4097 instructions"},
		{"max length", append(make([]Insn, MaxInsns-1), ret), ""},
		{"half-word load", []Insn{Stmt(ClassLD|0x08|ModeABS, 0), ret}, "not allowed"},
		{"indirect load", []Insn{Stmt(ClassLD|SizeW|0x40, 0), ret}, "not allowed"},
		{"mod", []Insn{Stmt(ClassALU|0x90|SrcK, 3), ret}, "not allowed"},
		{"msh", []Insn{Stmt(ClassLDX|0x10|0xa0, 0), ret}, "not allowed"},
		{"ret x", []Insn{Stmt(ClassRET|0x08, 0)}, "not allowed"},
		{"div by zero", []Insn{Stmt(ClassALU|OpDIV|SrcK, 0), ret}, "division by zero"},
		{"shift 32", []Insn{Stmt(ClassALU|OpRSH|SrcK, 32), ret}, "shift"},
		{"cell 16", []Insn{Stmt(ClassST, 16), ret}, "scratch cell out of range"},
		{"ja past the end", []Insn{Stmt(ClassJMP|OpJA, 1), ret}, "jump out of range"},
		{"jt past the end", []Insn{Jump(jeqK, 0, 1, 0), ret}, "jump out of range"},
		{"jf past the end", []Insn{Jump(jeqK, 0, 0, 1), ret}, "jump out of range"},
		{"unaligned load", []Insn{Stmt(ldAbs, 2), ret}, "unaligned"},
		{"load past the data", []Insn{Stmt(ldAbs, DataSize), ret}, "outside"},
		{"ancillary load", []Insn{Stmt(ldAbs, 0xfffff000), ret}, "outside"},
		{"no return last", []Insn{ret, Stmt(ClassLD|ModeIMM, 0)}, "not a return"},
		{"read before write", []Insn{Stmt(ClassLD|ModeMEM, 0), ret}, "before every path writes it"},
		{"written on one path only", []Insn{
			Stmt(ldAbs, offNr),
			Jump(jeqK, 1, 0, 1),
			Stmt(ClassST, 2),
			Stmt(ClassLD|ModeMEM, 2),
			ret,
		}, "M[2]"},
		{"written on every path", []Insn{
			Stmt(ldAbs, offNr),
			Jump(jeqK, 1, 0, 2),
			Stmt(ClassST, 2),
			Stmt(ClassJMP|OpJA, 1),
			Stmt(ClassSTX, 2),
			Stmt(ClassLD|ModeMEM, 2),
			ret,
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.prog)
			if tt.want == "" {
				if err != nil {
					t.Errorf("got %v, want valid", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want ErrInvalid containing %q", err, tt.want)
			}
			if _, rerr := Run(tt.prog, Data{}); !errors.Is(rerr, ErrInvalid) {
				t.Errorf("Run: got %v, want ErrInvalid", rerr)
			}
		})
	}
}

func TestEvaluatePrecedence(t *testing.T) {
	ret := func(a Action) []Insn { return []Insn{Stmt(retK, uint32(a))} }
	tests := []struct {
		name    string
		filters [][]Insn
		want    Action
	}{
		{"no filter", nil, Allow},
		{"log over allow", [][]Insn{ret(Allow), ret(Log)}, Log},
		{"errno over notif and trace", [][]Insn{ret(Trace | 1), ret(Errno | 5), ret(UserNotif)}, Errno | 5},
		{"trap over errno", [][]Insn{ret(Errno | 1), ret(Trap)}, Trap},
		{"kill thread over trap", [][]Insn{ret(Trap), ret(KillThread)}, KillThread},
		{"kill process over all", [][]Insn{ret(KillThread), ret(KillProcess), ret(Allow)}, KillProcess},
		{"newest data on a tie", [][]Insn{ret(Errno | 1), ret(Errno | 13)}, Errno | 13},
		{"allow data dropped", [][]Insn{ret(Allow | 9)}, Allow},
		{"unknown action above trap", [][]Insn{ret(Trap), ret(0x00010000)}, 0x00010000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Evaluate(tt.filters, Data{})
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %v (%#x), want %v (%#x)", got, uint32(got), tt.want, uint32(tt.want))
			}
		})
	}
	if _, err := Evaluate([][]Insn{ret(Allow), {}}, Data{}); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "filter 1 of 2") {
		t.Errorf("got %v, want ErrInvalid for filter 1 of 2", err)
	}
}

func TestActionString(t *testing.T) {
	tests := []struct {
		a       Action
		want    string
		allowed bool
	}{
		{KillProcess, "SECCOMP_RET_KILL_PROCESS", false},
		{Errno | 1, "SECCOMP_RET_ERRNO(EPERM)", false},
		{Errno | 0xffff, "SECCOMP_RET_ERRNO(errno 4095)", false},
		{Log | 3, "SECCOMP_RET_LOG", true},
		{Allow, "SECCOMP_RET_ALLOW", true},
		{0x00010000, "unknown action 0x00010000, which the kernel treats as SECCOMP_RET_KILL_PROCESS", false},
	}
	for _, tt := range tests {
		if got := tt.a.String(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
		if got := tt.a.Allowed(); got != tt.allowed {
			t.Errorf("%v: got allowed %v, want %v", tt.a, got, tt.allowed)
		}
	}
}
