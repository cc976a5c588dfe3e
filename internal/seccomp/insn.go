package seccomp

import (
	"errors"
	"fmt"
)

// Insn is one classic BPF instruction (struct sock_filter,
// include/uapi/linux/filter.h).
type Insn struct {
	Code   uint16
	Jt, Jf uint8
	K      uint32
}

// Classic BPF opcode fields (include/uapi/linux/bpf_common.h, filter.h).
const (
	ClassLD   = 0x00
	ClassLDX  = 0x01
	ClassST   = 0x02
	ClassSTX  = 0x03
	ClassALU  = 0x04
	ClassJMP  = 0x05
	ClassRET  = 0x06
	ClassMISC = 0x07

	SizeW = 0x00

	ModeIMM = 0x00
	ModeABS = 0x20
	ModeMEM = 0x60
	ModeLEN = 0x80

	OpADD = 0x00
	OpSUB = 0x10
	OpMUL = 0x20
	OpDIV = 0x30
	OpOR  = 0x40
	OpAND = 0x50
	OpLSH = 0x60
	OpRSH = 0x70
	OpNEG = 0x80
	OpXOR = 0xa0

	OpJA   = 0x00
	OpJEQ  = 0x10
	OpJGT  = 0x20
	OpJGE  = 0x30
	OpJSET = 0x40

	SrcK = 0x00
	SrcX = 0x08

	RetK = 0x00
	RetA = 0x10

	MiscTAX = 0x00
	MiscTXA = 0x80
)

const (
	// MaxInsns is BPF_MAXINSNS: the longest filter the kernel loads.
	MaxInsns = 4096
	// memWords is BPF_MEMWORDS: the scratch cells M[0..15].
	memWords = 16
	// DataSize is sizeof(struct seccomp_data).
	DataSize = 64
)

// ErrInvalid is wrapped by Validate's errors: the kernel would refuse to
// load the filter, so its behaviour is not defined.
var ErrInvalid = errors.New("invalid seccomp filter")

// allowed are the opcodes seccomp_check_filter lets through (it runs after
// bpf_check_classic, whose set is larger: the packet loads, MOD, MSH are
// refused for seccomp).
var allowed = map[uint16]bool{
	ClassLD | SizeW | ModeABS: true, ClassLD | SizeW | ModeLEN: true, ClassLDX | SizeW | ModeLEN: true,
	ClassRET | RetK: true, ClassRET | RetA: true,
	ClassALU | OpADD | SrcK: true, ClassALU | OpADD | SrcX: true,
	ClassALU | OpSUB | SrcK: true, ClassALU | OpSUB | SrcX: true,
	ClassALU | OpMUL | SrcK: true, ClassALU | OpMUL | SrcX: true,
	ClassALU | OpDIV | SrcK: true, ClassALU | OpDIV | SrcX: true,
	ClassALU | OpAND | SrcK: true, ClassALU | OpAND | SrcX: true,
	ClassALU | OpOR | SrcK: true, ClassALU | OpOR | SrcX: true,
	ClassALU | OpXOR | SrcK: true, ClassALU | OpXOR | SrcX: true,
	ClassALU | OpLSH | SrcK: true, ClassALU | OpLSH | SrcX: true,
	ClassALU | OpRSH | SrcK: true, ClassALU | OpRSH | SrcX: true,
	ClassALU | OpNEG:  true,
	ClassLD | ModeIMM: true, ClassLDX | ModeIMM: true,
	ClassMISC | MiscTAX: true, ClassMISC | MiscTXA: true,
	ClassLD | ModeMEM: true, ClassLDX | ModeMEM: true,
	ClassST: true, ClassSTX: true,
	ClassJMP | OpJA:         true,
	ClassJMP | OpJEQ | SrcK: true, ClassJMP | OpJEQ | SrcX: true,
	ClassJMP | OpJGE | SrcK: true, ClassJMP | OpJGE | SrcX: true,
	ClassJMP | OpJGT | SrcK: true, ClassJMP | OpJGT | SrcX: true,
	ClassJMP | OpJSET | SrcK: true, ClassJMP | OpJSET | SrcX: true,
}

func isCondJump(code uint16) bool {
	return code&0x07 == ClassJMP && code&0xf0 != OpJA && allowed[code]
}

// Validate reports whether the kernel would load prog as a seccomp filter
// (bpf_check_basics_ok, bpf_check_classic, seccomp_check_filter).
func Validate(prog []Insn) error {
	if len(prog) == 0 || len(prog) > MaxInsns {
		return fmt.Errorf("%w: %d instructions (want 1 to %d)", ErrInvalid, len(prog), MaxInsns)
	}
	for pc, in := range prog {
		if err := checkInsn(prog, pc, in); err != nil {
			return fmt.Errorf("%w: insn %d (code %#04x k %#x): %v", ErrInvalid, pc, in.Code, in.K, err)
		}
	}
	if last := prog[len(prog)-1].Code; last != ClassRET|RetK && last != ClassRET|RetA {
		return fmt.Errorf("%w: last instruction is not a return", ErrInvalid)
	}
	return checkLoadAndStores(prog)
}

// checkInsn is the per-instruction part of bpf_check_classic and
// seccomp_check_filter.
func checkInsn(prog []Insn, pc int, in Insn) error {
	if !allowed[in.Code] {
		return errors.New("opcode not allowed in a seccomp filter")
	}
	rest := len(prog) - pc - 1 // instructions after this one
	switch {
	case in.Code == ClassALU|OpDIV|SrcK && in.K == 0:
		return errors.New("division by zero")
	case (in.Code == ClassALU|OpLSH|SrcK || in.Code == ClassALU|OpRSH|SrcK) && in.K >= 32:
		return errors.New("shift by 32 or more")
	case (in.Code == ClassLD|ModeMEM || in.Code == ClassLDX|ModeMEM || in.Code == ClassST || in.Code == ClassSTX) && in.K >= memWords:
		return errors.New("scratch cell out of range")
	case in.Code == ClassJMP|OpJA && in.K >= uint32(rest):
		return errors.New("jump out of range")
	case isCondJump(in.Code) && (int(in.Jt) >= rest || int(in.Jf) >= rest):
		return errors.New("jump out of range")
	case in.Code == ClassLD|SizeW|ModeABS && (in.K >= DataSize || in.K&3 != 0):
		return errors.New("load outside struct seccomp_data or unaligned")
	}
	return nil
}

// checkLoadAndStores refuses a read of a scratch cell that some path has
// not written (net/core/filter.c check_load_and_stores), so that a valid
// program never sees uninitialised memory.
func checkLoadAndStores(prog []Insn) error {
	masks := make([]uint16, len(prog))
	for i := range masks {
		masks[i] = 0xffff
	}
	var valid uint16
	for pc, in := range prog {
		valid &= masks[pc]
		switch {
		case in.Code == ClassST || in.Code == ClassSTX:
			valid |= 1 << in.K
		case in.Code == ClassLD|ModeMEM || in.Code == ClassLDX|ModeMEM:
			if valid&(1<<in.K) == 0 {
				return fmt.Errorf("%w: insn %d reads scratch cell M[%d] before every path writes it", ErrInvalid, pc, in.K)
			}
		case in.Code == ClassJMP|OpJA:
			masks[pc+1+int(in.K)] &= valid
			valid = 0xffff
		case isCondJump(in.Code):
			masks[pc+1+int(in.Jt)] &= valid
			masks[pc+1+int(in.Jf)] &= valid
			valid = 0xffff
		}
	}
	return nil
}

// Stmt returns an instruction without jump offsets (BPF_STMT).
func Stmt(code uint16, k uint32) Insn { return Insn{Code: code, K: k} }

// Jump returns a jump instruction (BPF_JUMP).
func Jump(code uint16, k uint32, jt, jf uint8) Insn {
	return Insn{Code: code, Jt: jt, Jf: jf, K: k}
}
