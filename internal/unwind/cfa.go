package unwind

import "fmt"

// x86_64 DWARF register numbers (System V AMD64 psABI, figure 3.36).
const (
	regRBX = 3
	regRBP = 6
	regRSP = 7
	regR12 = 12
	regR15 = 15
	regRA  = 16 // return address column (rip)
	// numRegs covers the general registers and rip; rules for other
	// columns (vector registers) are decoded and dropped.
	numRegs = 17
)

// maxStates bounds DW_CFA_remember_state nesting; gcc nests one or two.
const maxStates = 16

type ruleKind uint8

const (
	ruleSame      ruleKind = iota // unset or DW_CFA_same_value: unchanged by the callee
	ruleUndefined                 // DW_CFA_undefined: no value (rip: outermost frame)
	ruleOffset                    // saved at CFA+off
	ruleValOffset                 // value is CFA+off
	ruleRegister                  // value is in register off
	ruleExpr                      // saved at the address the expression computes
	ruleValExpr                   // value is what the expression computes
)

// rule says how to recover one register of the caller.
type rule struct {
	kind ruleKind
	off  int64
	expr span
}

// row is one row of the CFI table: the CFA and the register rules.
type row struct {
	cfaReg    uint64
	cfaOff    int64
	cfaExpr   span // used when cfaIsExpr
	cfaIsExpr bool
	cfaSet    bool
	regs      [numRegs]rule
}

// DW_CFA_* opcodes (DWARF 4 §7.23 and the GNU extensions).
const (
	_DW_CFA_advance_loc        = 0x40
	_DW_CFA_offset             = 0x80
	_DW_CFA_restore            = 0xc0
	_DW_CFA_nop                = 0x00
	_DW_CFA_set_loc            = 0x01
	_DW_CFA_advance_loc1       = 0x02
	_DW_CFA_advance_loc2       = 0x03
	_DW_CFA_advance_loc4       = 0x04
	_DW_CFA_offset_extended    = 0x05
	_DW_CFA_restore_extended   = 0x06
	_DW_CFA_undefined          = 0x07
	_DW_CFA_same_value         = 0x08
	_DW_CFA_register           = 0x09
	_DW_CFA_remember_state     = 0x0a
	_DW_CFA_restore_state      = 0x0b
	_DW_CFA_def_cfa            = 0x0c
	_DW_CFA_def_cfa_register   = 0x0d
	_DW_CFA_def_cfa_offset     = 0x0e
	_DW_CFA_def_cfa_expression = 0x0f
	_DW_CFA_expression         = 0x10
	_DW_CFA_offset_ext_sf      = 0x11
	_DW_CFA_def_cfa_sf         = 0x12
	_DW_CFA_def_cfa_offset_sf  = 0x13
	_DW_CFA_val_offset         = 0x14
	_DW_CFA_val_offset_sf      = 0x15
	_DW_CFA_val_expression     = 0x16
	_DW_CFA_GNU_args_size      = 0x2e
	_DW_CFA_GNU_neg_offset_ext = 0x2f
)

// cfaVM runs CFA programs; loc is the current location, target the pc
// whose row is wanted.
type cfaVM struct {
	r       reader
	c       *cie
	loc     uint64
	target  uint64
	row     row
	initial row
	stack   []row // remembered states; allocated only by code that uses them
	done    bool
}

// rowAt computes the CFI row for link-time pc inside f.
func (t *Table) rowAt(f *fde, pc uint64) (row, error) {
	vm := cfaVM{c: &t.cies[f.cie], loc: f.start, target: pc}
	vm.r = reader{b: t.data, addr: t.addr}
	if err := vm.run(vm.c.insns); err != nil {
		return row{}, fmt.Errorf("cie program: %w", err)
	}
	vm.initial, vm.done = vm.row, false
	if err := vm.run(f.insns); err != nil {
		return row{}, fmt.Errorf("fde %#x program: %w", f.start, err)
	}
	if !vm.row.cfaSet {
		return row{}, fmt.Errorf("fde %#x: no cfa rule at pc %#x: %w", f.start, pc, ErrMalformed)
	}
	return vm.row, nil
}

func (vm *cfaVM) run(s span) error {
	vm.r.off, vm.r.end = int(s.off), int(s.end)
	for !vm.done && vm.r.off < vm.r.end && vm.r.err == nil {
		vm.step(vm.r.u8())
	}
	return vm.r.err
}

// advance moves loc by delta code units, stopping the program once the row
// for target is complete.
func (vm *cfaVM) advance(delta uint64) {
	next := vm.loc + delta*vm.c.codeAlign
	if next > vm.target || next < vm.loc {
		vm.done = true
		return
	}
	vm.loc = next
}

func (vm *cfaVM) set(reg uint64, r rule) {
	if reg < numRegs {
		vm.row.regs[reg] = r
	}
}

func (vm *cfaVM) restore(reg uint64) {
	if reg < numRegs {
		vm.row.regs[reg] = vm.initial.regs[reg]
	}
}

func (vm *cfaVM) block() span {
	n := vm.r.uleb()
	start := vm.r.off
	if vm.r.err == nil && n > uint64(vm.r.end-start) {
		vm.r.fail("expression length %#x", n)
	}
	if vm.r.err != nil {
		return span{}
	}
	vm.r.off += int(n)
	return span{uint32(start), uint32(vm.r.off)}
}

func (vm *cfaVM) step(op byte) {
	r := &vm.r
	switch op & 0xc0 {
	case _DW_CFA_advance_loc:
		vm.advance(uint64(op & 0x3f))
		return
	case _DW_CFA_offset:
		vm.set(uint64(op&0x3f), rule{kind: ruleOffset, off: int64(r.uleb()) * vm.c.dataAlign})
		return
	case _DW_CFA_restore:
		vm.restore(uint64(op & 0x3f))
		return
	}
	switch op {
	case _DW_CFA_nop, _DW_CFA_GNU_args_size:
		if op == _DW_CFA_GNU_args_size {
			r.uleb()
		}
	case _DW_CFA_set_loc:
		if loc := r.pointer(vm.c.fdeEnc); loc > vm.target {
			vm.done = true
		} else {
			vm.loc = loc
		}
	case _DW_CFA_advance_loc1:
		vm.advance(uint64(r.u8()))
	case _DW_CFA_advance_loc2:
		vm.advance(uint64(r.u16()))
	case _DW_CFA_advance_loc4:
		vm.advance(uint64(r.u32()))
	default:
		vm.stepRule(op)
	}
}

// stepRule handles the opcodes that change register or CFA rules.
func (vm *cfaVM) stepRule(op byte) {
	r, da := &vm.r, vm.c.dataAlign
	switch op {
	case _DW_CFA_offset_extended:
		reg := r.uleb()
		vm.set(reg, rule{kind: ruleOffset, off: int64(r.uleb()) * da})
	case _DW_CFA_offset_ext_sf:
		reg := r.uleb()
		vm.set(reg, rule{kind: ruleOffset, off: r.sleb() * da})
	case _DW_CFA_GNU_neg_offset_ext:
		reg := r.uleb()
		vm.set(reg, rule{kind: ruleOffset, off: -int64(r.uleb()) * da})
	case _DW_CFA_val_offset:
		reg := r.uleb()
		vm.set(reg, rule{kind: ruleValOffset, off: int64(r.uleb()) * da})
	case _DW_CFA_val_offset_sf:
		reg := r.uleb()
		vm.set(reg, rule{kind: ruleValOffset, off: r.sleb() * da})
	case _DW_CFA_restore_extended:
		vm.restore(r.uleb())
	case _DW_CFA_undefined:
		vm.set(r.uleb(), rule{kind: ruleUndefined})
	case _DW_CFA_same_value:
		vm.set(r.uleb(), rule{kind: ruleSame})
	case _DW_CFA_register:
		reg := r.uleb()
		vm.set(reg, rule{kind: ruleRegister, off: int64(r.uleb())})
	case _DW_CFA_expression:
		reg := r.uleb()
		vm.set(reg, rule{kind: ruleExpr, expr: vm.block()})
	case _DW_CFA_val_expression:
		reg := r.uleb()
		vm.set(reg, rule{kind: ruleValExpr, expr: vm.block()})
	case _DW_CFA_remember_state:
		if len(vm.stack) == maxStates {
			r.fail("remember_state nested deeper than %d", maxStates)
			return
		}
		vm.stack = append(vm.stack, vm.row)
	case _DW_CFA_restore_state:
		if len(vm.stack) == 0 {
			r.fail("restore_state without remember_state")
			return
		}
		vm.row = vm.stack[len(vm.stack)-1]
		vm.stack = vm.stack[:len(vm.stack)-1]
	default:
		vm.stepCFA(op)
	}
}

// stepCFA handles the opcodes that define the CFA.
func (vm *cfaVM) stepCFA(op byte) {
	r, row := &vm.r, &vm.row
	switch op {
	case _DW_CFA_def_cfa:
		row.cfaReg, row.cfaOff = r.uleb(), int64(r.uleb())
		row.cfaIsExpr, row.cfaSet = false, true
	case _DW_CFA_def_cfa_sf:
		row.cfaReg, row.cfaOff = r.uleb(), r.sleb()*vm.c.dataAlign
		row.cfaIsExpr, row.cfaSet = false, true
	case _DW_CFA_def_cfa_register:
		row.cfaReg = r.uleb()
		row.cfaIsExpr = false
	case _DW_CFA_def_cfa_offset:
		row.cfaOff = int64(r.uleb())
	case _DW_CFA_def_cfa_offset_sf:
		row.cfaOff = r.sleb() * vm.c.dataAlign
	case _DW_CFA_def_cfa_expression:
		row.cfaExpr = vm.block()
		row.cfaIsExpr, row.cfaSet = true, true
	default:
		r.off--
		r.err = fmt.Errorf("offset %#x: DW_CFA opcode %#x: %w", r.off, op, ErrUnsupported)
	}
}
