package seccomp

import "errors"

// AuditArchX86_64 is the arch word of an x86_64 system call
// (include/uapi/linux/audit.h: EM_X86_64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE).
const AuditArchX86_64 = 0xc000003e

// maxSteps bounds the instructions run over all the paths of one filter
// for one call: a path is at most MaxInsns long, but every branch on an
// unknown value doubles the paths.
const maxSteps = 1 << 20

// ErrTooComplex is returned when the paths a filter may take on unknown
// values are too many to follow.
var ErrTooComplex = errors.New("too many paths to follow")

// Data is struct seccomp_data: what a filter sees of a system call.
type Data struct {
	Nr   int32
	Arch uint32
	IP   uint64 // instruction_pointer: the address after the syscall instruction
	Args [6]uint64
}

// Field is a set of the 32-bit words of struct seccomp_data (bit i: the
// word at offset 4*i).
type Field uint16

// The fields of struct seccomp_data.
const (
	FieldNr   Field = 1 << 0
	FieldArch Field = 1 << 1
	FieldIP   Field = 3 << 2
	FieldArgs Field = 0xfff << 4
)

// FieldArg returns the field of argument i (0 to 5).
func FieldArg(i int) Field { return 3 << (4 + 2*i) }

// words returns the data as the filter loads it, little-endian words.
func (d *Data) words() *[DataSize / 4]uint32 {
	var w [DataSize / 4]uint32
	w[0], w[1] = uint32(d.Nr), d.Arch
	w[2], w[3] = uint32(d.IP), uint32(d.IP>>32)
	for i, a := range d.Args {
		w[4+2*i], w[5+2*i] = uint32(a), uint32(a>>32)
	}
	return &w
}

// state is the machine on one path. unknown has bit 0 for A, bit 1 for X
// and bit 2+i for M[i]: set when the value derives from an unknown field.
type state struct {
	pc      int
	a, x    uint32
	m       [memWords]uint32
	unknown uint32
}

const (
	unkA = 1 << 0
	unkX = 1 << 1
)

// result is what one filter may return for one call.
type result struct {
	worst   Action // the most severe return value on any path
	any     bool   // a path returns a value derived from unknown data
	depends bool   // the result depends on unknown data
}

func (r *result) add(a Action) {
	if a.moreSevere(r.worst) {
		r.worst = a
	}
}

// run follows every path of the validated program prog on data w whose
// words in unknown may hold any value.
func run(prog []Insn, w *[DataSize / 4]uint32, unknown Field) (result, error) {
	r := result{worst: Allow}
	paths := []state{{}}
	steps := 0
	for len(paths) > 0 {
		s := paths[len(paths)-1]
		paths = paths[:len(paths)-1]
		for {
			if steps++; steps > maxSteps {
				return r, ErrTooComplex
			}
			in := prog[s.pc]
			if in.Code&0x07 == ClassRET {
				r.ret(&s, in)
				break
			}
			if alt, fork := step(&s, in, w, unknown, &r); fork {
				r.depends = true
				paths = append(paths, alt)
			}
			if s.pc < 0 { // returned 0 on a division by zero
				break
			}
		}
	}
	return r, nil
}

func (r *result) ret(s *state, in Insn) {
	if in.Code == ClassRET|RetK {
		r.add(Action(in.K))
		return
	}
	if s.unknown&unkA != 0 {
		r.any, r.depends = true, true
		r.add(KillProcess)
		return
	}
	r.add(Action(s.a))
}

// step runs one instruction other than a return. For a branch on an
// unknown value it takes the true side and returns the false side as alt.
func step(s *state, in Insn, w *[DataSize / 4]uint32, unknown Field, r *result) (alt state, fork bool) {
	k := in.K
	next := s.pc + 1
	switch in.Code {
	case ClassLD | SizeW | ModeABS:
		s.a = w[k/4]
		s.setUnknown(unkA, Field(1<<(k/4))&unknown != 0)
	case ClassLD | SizeW | ModeLEN, ClassLD | ModeIMM:
		if in.Code == ClassLD|SizeW|ModeLEN {
			k = DataSize
		}
		s.a = k
		s.setUnknown(unkA, false)
	case ClassLDX | SizeW | ModeLEN, ClassLDX | ModeIMM:
		if in.Code == ClassLDX|SizeW|ModeLEN {
			k = DataSize
		}
		s.x = k
		s.setUnknown(unkX, false)
	case ClassLD | ModeMEM:
		s.a = s.m[k]
		s.setUnknown(unkA, s.unknown&(4<<k) != 0)
	case ClassLDX | ModeMEM:
		s.x = s.m[k]
		s.setUnknown(unkX, s.unknown&(4<<k) != 0)
	case ClassST:
		s.m[k] = s.a
		s.setUnknown(4<<k, s.unknown&unkA != 0)
	case ClassSTX:
		s.m[k] = s.x
		s.setUnknown(4<<k, s.unknown&unkX != 0)
	case ClassMISC | MiscTAX:
		s.x = s.a
		s.setUnknown(unkX, s.unknown&unkA != 0)
	case ClassMISC | MiscTXA:
		s.a = s.x
		s.setUnknown(unkA, s.unknown&unkX != 0)
	case ClassJMP | OpJA:
		next += int(k)
	default:
		if in.Code&0x07 == ClassALU {
			s.pc = next
			s.alu(in, r)
			return state{}, false
		}
		return s.jump(in)
	}
	s.pc = next
	return state{}, false
}

func (s *state) setUnknown(bit uint32, on bool) {
	if on {
		s.unknown |= bit
	} else {
		s.unknown &^= bit
	}
}

// alu runs a 32-bit ALU instruction (after s.pc moved on). A division by
// an X of zero makes the program return 0 (bpf_convert_filter); by an
// unknown X it may, and the path goes on with an unknown A.
func (s *state) alu(in Insn, r *result) {
	src, srcUnknown := in.K, false
	if in.Code&SrcX != 0 {
		src, srcUnknown = s.x, s.unknown&unkX != 0
	}
	if in.Code&0xf0 == OpDIV {
		switch {
		case srcUnknown:
			r.depends = true
			r.add(KillThread)
			src = 1
		case src == 0:
			r.add(KillThread)
			s.pc = -1
			return
		}
	}
	s.a = aluOp(in.Code&0xf0, s.a, src)
	s.setUnknown(unkA, s.unknown&unkA != 0 || srcUnknown)
}

func aluOp(op uint16, a, src uint32) uint32 {
	switch op {
	case OpADD:
		return a + src
	case OpSUB:
		return a - src
	case OpMUL:
		return a * src
	case OpDIV:
		return a / src
	case OpOR:
		return a | src
	case OpAND:
		return a & src
	case OpXOR:
		return a ^ src
	case OpLSH:
		return a << (src & 31) // x86 and the eBPF interpreter both mask the count
	case OpRSH:
		return a >> (src & 31)
	}
	return -a // OpNEG: Validate lets no other ALU opcode through
}

// jump runs a conditional jump: unsigned 32-bit comparisons of A with K
// or X.
func (s *state) jump(in Insn) (alt state, fork bool) {
	src, unknown := in.K, s.unknown&unkA != 0
	if in.Code&SrcX != 0 {
		src, unknown = s.x, unknown || s.unknown&unkX != 0
	}
	t, f := s.pc+1+int(in.Jt), s.pc+1+int(in.Jf)
	if unknown && t != f {
		alt = *s
		alt.pc = f
		s.pc = t
		return alt, true
	}
	var cond bool
	switch in.Code & 0xf0 {
	case OpJEQ:
		cond = s.a == src
	case OpJGT:
		cond = s.a > src
	case OpJGE:
		cond = s.a >= src
	case OpJSET:
		cond = s.a&src != 0
	}
	if cond {
		s.pc = t
	} else {
		s.pc = f
	}
	return state{}, false
}
