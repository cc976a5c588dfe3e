package unwind

import (
	"encoding/binary"
	"fmt"
)

// Limits of the DWARF expression evaluator: CFI expressions are a handful
// of operations (the PLT's CFA rule, glibc's signal trampoline), so these
// only stop hostile input from looping or growing.
const (
	maxExprStack = 64
	maxExprSteps = 1024
)

// DW_OP_* opcodes used by CFI expressions (DWARF 4 §7.7.1).
const (
	_DW_OP_addr       = 0x03
	_DW_OP_deref      = 0x06
	_DW_OP_const1u    = 0x08
	_DW_OP_const8s    = 0x0f
	_DW_OP_constu     = 0x10
	_DW_OP_consts     = 0x11
	_DW_OP_dup        = 0x12
	_DW_OP_drop       = 0x13
	_DW_OP_over       = 0x14
	_DW_OP_pick       = 0x15
	_DW_OP_swap       = 0x16
	_DW_OP_rot        = 0x17
	_DW_OP_abs        = 0x19
	_DW_OP_and        = 0x1a
	_DW_OP_div        = 0x1b
	_DW_OP_minus      = 0x1c
	_DW_OP_mod        = 0x1d
	_DW_OP_mul        = 0x1e
	_DW_OP_neg        = 0x1f
	_DW_OP_not        = 0x20
	_DW_OP_or         = 0x21
	_DW_OP_plus       = 0x22
	_DW_OP_plus_ucons = 0x23
	_DW_OP_shl        = 0x24
	_DW_OP_shr        = 0x25
	_DW_OP_shra       = 0x26
	_DW_OP_xor        = 0x27
	_DW_OP_bra        = 0x28
	_DW_OP_eq         = 0x29
	_DW_OP_ne         = 0x2e
	_DW_OP_skip       = 0x2f
	_DW_OP_lit0       = 0x30
	_DW_OP_lit31      = 0x4f
	_DW_OP_breg0      = 0x70
	_DW_OP_breg31     = 0x8f
	_DW_OP_bregx      = 0x92
	_DW_OP_deref_size = 0x94
	_DW_OP_nop        = 0x96
)

// frameRegs holds the register values of one frame; bit n of known is set
// when register n has a value.
type frameRegs struct {
	v     [numRegs]uint64
	known uint32
}

func (f *frameRegs) get(reg uint64) (uint64, bool) {
	if reg >= numRegs || f.known&(1<<reg) == 0 {
		return 0, false
	}
	return f.v[reg], true
}

func (f *frameRegs) set(reg int, v uint64) {
	f.v[reg] = v
	f.known |= 1 << reg
}

// evaluator runs one DWARF expression on a fixed-size stack.
type evaluator struct {
	r     reader
	start int // offset of the first operation, the lowest branch target
	regs  *frameRegs
	mem   *window
	stack [maxExprStack]uint64
	n     int
	err   error
}

// eval runs the expression in s with push (the CFA, for register rules)
// on the stack when hasPush, and returns the top of the stack.
func (t *Table) eval(s span, regs *frameRegs, mem *window, push uint64, hasPush bool) (uint64, error) {
	e := evaluator{r: reader{b: t.data, off: int(s.off), end: int(s.end), addr: t.addr}, start: int(s.off), regs: regs, mem: mem}
	if hasPush {
		e.push(push)
	}
	for steps := 0; e.r.off < e.r.end && e.ok(); steps++ {
		if steps == maxExprSteps {
			return 0, fmt.Errorf("expression at %#x: more than %d steps: %w", s.off, maxExprSteps, ErrUnsupported)
		}
		e.op(e.r.u8())
	}
	if !e.ok() {
		return 0, fmt.Errorf("expression at %#x: %w", s.off, e.firstErr())
	}
	if e.n == 0 {
		return 0, fmt.Errorf("expression at %#x: empty stack: %w", s.off, ErrMalformed)
	}
	return e.stack[e.n-1], nil
}

func (e *evaluator) ok() bool { return e.err == nil && e.r.err == nil }

func (e *evaluator) firstErr() error {
	if e.r.err != nil {
		return e.r.err
	}
	return e.err
}

func (e *evaluator) fail(err error, format string, args ...any) {
	if e.err == nil {
		e.err = fmt.Errorf("offset %#x: %s: %w", e.r.off, fmt.Sprintf(format, args...), err)
	}
}

func (e *evaluator) push(v uint64) {
	if e.n == maxExprStack {
		e.fail(ErrUnsupported, "stack deeper than %d", maxExprStack)
		return
	}
	e.stack[e.n] = v
	e.n++
}

func (e *evaluator) pop() uint64 {
	if e.n == 0 {
		e.fail(ErrMalformed, "pop from an empty stack")
		return 0
	}
	e.n--
	return e.stack[e.n]
}

// pick pushes the entry i places below the top.
func (e *evaluator) pick(i uint64) {
	if i >= uint64(e.n) {
		e.fail(ErrMalformed, "pick %d of %d", i, e.n)
		return
	}
	e.push(e.stack[e.n-1-int(i)])
}

func (e *evaluator) op(op byte) {
	switch {
	case op >= _DW_OP_lit0 && op <= _DW_OP_lit31:
		e.push(uint64(op - _DW_OP_lit0))
	case op >= _DW_OP_breg0 && op <= _DW_OP_breg31:
		e.breg(uint64(op-_DW_OP_breg0), e.r.sleb())
	case op >= _DW_OP_const1u && op <= _DW_OP_consts:
		e.constant(op)
	case op >= _DW_OP_abs && op <= _DW_OP_xor && op != _DW_OP_plus_ucons:
		e.arith(op)
	case op >= _DW_OP_eq && op <= _DW_OP_ne:
		e.compare(op)
	default:
		e.misc(op)
	}
}

func (e *evaluator) breg(reg uint64, off int64) {
	v, ok := e.regs.get(reg)
	if !ok {
		e.fail(ErrUnsupported, "register %d has no known value", reg)
		return
	}
	e.push(v + uint64(off))
}

func (e *evaluator) constant(op byte) {
	r := &e.r
	switch op {
	case _DW_OP_constu:
		e.push(r.uleb())
	case _DW_OP_consts:
		e.push(uint64(r.sleb()))
	case _DW_OP_const1u:
		e.push(uint64(r.u8()))
	case _DW_OP_const1u + 1:
		e.push(uint64(int64(int8(r.u8()))))
	case _DW_OP_const1u + 2:
		e.push(uint64(r.u16()))
	case _DW_OP_const1u + 3:
		e.push(uint64(int64(int16(r.u16()))))
	case _DW_OP_const1u + 4:
		e.push(uint64(r.u32()))
	case _DW_OP_const1u + 5:
		e.push(uint64(int64(int32(r.u32()))))
	default: // const8u, const8s
		e.push(r.u64())
	}
}

func (e *evaluator) unary(op byte) {
	a := int64(e.pop())
	switch {
	case op == _DW_OP_not:
		a = ^a
	case op == _DW_OP_neg || a < 0: // neg, or abs of a negative value
		a = -a
	}
	e.push(uint64(a))
}

func (e *evaluator) arith(op byte) {
	if op == _DW_OP_abs || op == _DW_OP_neg || op == _DW_OP_not {
		e.unary(op)
		return
	}
	b, a := e.pop(), e.pop()
	var v uint64
	switch op {
	case _DW_OP_and:
		v = a & b
	case _DW_OP_or:
		v = a | b
	case _DW_OP_xor:
		v = a ^ b
	case _DW_OP_plus:
		v = a + b
	case _DW_OP_minus:
		v = a - b
	case _DW_OP_mul:
		v = a * b
	case _DW_OP_shl:
		v = a << (b & 63)
	case _DW_OP_shr:
		v = a >> (b & 63)
	case _DW_OP_shra:
		v = uint64(int64(a) >> (b & 63))
	case _DW_OP_div, _DW_OP_mod:
		if b == 0 {
			e.fail(ErrMalformed, "division by zero")
			return
		}
		if op == _DW_OP_div {
			v = uint64(int64(a) / int64(b))
		} else {
			v = a % b
		}
	}
	e.push(v)
}

// compare implements eq, ge, gt, le, lt, ne (0x29..0x2e) as signed
// comparisons pushing 1 or 0.
func (e *evaluator) compare(op byte) {
	b, a := int64(e.pop()), int64(e.pop())
	res := [...]bool{a == b, a >= b, a > b, a <= b, a < b, a != b}[op-_DW_OP_eq]
	if res {
		e.push(1)
	} else {
		e.push(0)
	}
}

func (e *evaluator) misc(op byte) {
	switch op {
	case _DW_OP_nop:
	case _DW_OP_addr:
		e.push(e.r.u64())
	case _DW_OP_dup:
		e.pick(0)
	case _DW_OP_over:
		e.pick(1)
	case _DW_OP_pick:
		e.pick(uint64(e.r.u8()))
	case _DW_OP_drop:
		e.pop()
	case _DW_OP_swap:
		b, a := e.pop(), e.pop()
		e.push(b)
		e.push(a)
	case _DW_OP_rot:
		c, b, a := e.pop(), e.pop(), e.pop()
		e.push(c)
		e.push(a)
		e.push(b)
	case _DW_OP_plus_ucons:
		e.push(e.pop() + e.r.uleb())
	case _DW_OP_bregx:
		reg := e.r.uleb()
		e.breg(reg, e.r.sleb())
	case _DW_OP_deref:
		e.deref(8)
	case _DW_OP_deref_size:
		e.deref(int(e.r.u8()))
	case _DW_OP_skip, _DW_OP_bra:
		e.branch(op)
	default:
		e.fail(ErrUnsupported, "DW_OP %#x", op)
	}
}

func (e *evaluator) branch(op byte) {
	delta := int(int16(e.r.u16()))
	if op == _DW_OP_bra && e.pop() == 0 {
		return
	}
	to := e.r.off + delta
	if to < e.start || to > e.r.end {
		e.fail(ErrMalformed, "branch to %#x outside the expression", to)
		return
	}
	e.r.off = to
}

func (e *evaluator) deref(size int) {
	if size < 1 || size > 8 {
		e.fail(ErrMalformed, "deref size %d", size)
		return
	}
	addr := e.pop()
	if !e.ok() {
		return
	}
	if e.mem == nil {
		e.fail(ErrUnsupported, "deref without memory")
		return
	}
	b, err := e.mem.bytes(addr, size)
	if err != nil {
		e.fail(err, "deref %#x", addr)
		return
	}
	var tmp [8]byte
	copy(tmp[:], b)
	e.push(binary.LittleEndian.Uint64(tmp[:]))
}
