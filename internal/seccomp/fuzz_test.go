package seccomp

import (
	"encoding/binary"
	"errors"
	"slices"
	"testing"
)

// decode reads b as raw struct sock_filter entries.
func decode(b []byte) []Insn {
	var p []Insn
	for len(b) >= 8 && len(p) <= MaxInsns {
		p = append(p, Insn{Code: binary.LittleEndian.Uint16(b), Jt: b[2], Jf: b[3], K: binary.LittleEndian.Uint32(b[4:])})
		b = b[8:]
	}
	return p
}

func encode(p []Insn) []byte {
	var b []byte
	for _, in := range p {
		b = binary.LittleEndian.AppendUint16(b, in.Code)
		b = append(b, in.Jt, in.Jf)
		b = binary.LittleEndian.AppendUint32(b, in.K)
	}
	return b
}

var opcodes = func() []uint16 {
	var ops []uint16
	for c := range allowed {
		ops = append(ops, c)
	}
	slices.Sort(ops)
	return ops
}()

// generate turns b into a program that mostly passes Validate: random
// bytes would almost never be a valid filter.
func generate(b []byte) []Insn {
	p := decode(b)
	for pc := range p {
		in := &p[pc]
		in.Code = opcodes[int(in.Code)%len(opcodes)]
		rest := len(p) - pc - 1
		if rest == 0 {
			in.Code = ClassRET | uint16(in.Jt&1)*RetA
			break
		}
		in.Jt, in.Jf = uint8(int(in.Jt)%min(rest, 256)), uint8(int(in.Jf)%min(rest, 256))
		switch {
		case in.Code == ClassLD|SizeW|ModeABS:
			in.K = in.K % 16 * 4
		case in.Code == ClassLD|ModeMEM || in.Code == ClassLDX|ModeMEM || in.Code == ClassST || in.Code == ClassSTX:
			in.K %= memWords
		case in.Code == ClassALU|OpDIV|SrcK && in.K == 0:
			in.K = 3
		case in.Code == ClassALU|OpLSH|SrcK || in.Code == ClassALU|OpRSH|SrcK:
			in.K %= 32
		case in.Code == ClassJMP|OpJA:
			in.K %= uint32(rest)
		case in.Code&0x07 == ClassRET && in.K&1 == 0:
			in.K = uint32(Allow) // programs that may allow are the interesting ones
		}
	}
	return p
}

func fuzzSeeds(f *testing.F) {
	for _, p := range [][]Insn{
		killOnFlag(SysMmap, 2, 4, KillProcess),
		killOnFlag(SysMprotect, 2, 4, Errno|1),
		prog(archCheck, []Insn{Stmt(ldAbs, offArg(0, false)), Stmt(ClassMISC|MiscTAX, 0),
			Stmt(ClassALU|OpDIV|SrcX, 0), Stmt(ClassST, 1), Stmt(ClassLD|ModeMEM, 1), Stmt(retA, 0)}),
	} {
		f.Add(encode(p), int32(SysMmap), uint64(0x7f0000), uint64(4), uint64(0))
	}
	f.Add([]byte{}, int32(0), uint64(0), uint64(0), uint64(0))
}

// FuzzValidate feeds raw filters: no panic, and a filter Validate accepts
// runs.
func FuzzValidate(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte, nr int32, a0, a2, ip uint64) {
		p := decode(b)
		err := Validate(p)
		a, rerr := Run(p, Data{Nr: nr, Arch: AuditArchX86_64, IP: ip, Args: [6]uint64{a0, 0, a2}})
		if (err == nil) != (rerr == nil) {
			t.Fatalf("Validate: %v, Run: %v (%v)", err, rerr, a)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("got %v, want ErrInvalid", err)
		}
	})
}

// FuzzRun runs generated filters and checks Run, Evaluate and Check
// against each other: Check with unknown arguments and instruction pointer
// must never pass a call that the concrete run refuses.
func FuzzRun(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte, nr int32, a0, a2, ip uint64) {
		p := generate(b)
		if Validate(p) != nil {
			return
		}
		c := Call{Nr: int(nr), Args: [6]uint64{a0, a0 ^ a2, a2, ^a0, 1, ip}, IP: ip}
		got, err := Run(p, c.Data())
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		if ev, err := Evaluate([][]Insn{p, {Stmt(retK, uint32(Allow))}}, c.Data()); err != nil || ev != got {
			t.Fatalf("Evaluate: got %v, %v, want %v", ev, err, got)
		}
		if err := Check([][]Insn{p}, []Call{c}); (err == nil) != got.Allowed() {
			t.Fatalf("Check: got %v for %v", err, got)
		}
		c.Unknown = FieldArgs | FieldIP
		err = Check([][]Insn{p}, []Call{c})
		var re *RefusedError
		switch {
		case errors.Is(err, ErrTooComplex):
		case err == nil && !got.Allowed():
			t.Fatalf("Check with unknowns passed a call the filter refuses (%v)", got)
		case errors.As(err, &re) && !re.Maybe && re.Action != got:
			t.Fatalf("Check with unknowns: got certain %v, concrete %v", re.Action, got)
		case err != nil && re == nil:
			t.Fatalf("Check: %v", err)
		}
	})
}
