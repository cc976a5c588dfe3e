package unwind

import (
	"encoding/binary"
	"errors"
	"slices"
	"testing"
)

const stackBase = 0x7000

func words(ws ...uint64) stackMem {
	b := make([]byte, 0, 8*len(ws))
	for _, w := range ws {
		b = binary.LittleEndian.AppendUint64(b, w)
	}
	return stackMem{base: stackBase, data: b}
}

// pltCFA is the CFA expression ld writes for .plt:
// rsp + 8 + ((rip & 15) >= 11) * 8.
var pltCFA = []byte{0x77, 8, 0x80, 0, 0x3f, 0x1a, 0x3b, 0x2a, 0x33, 0x24, 0x22}

// synthetic returns a table of hand-written CFI:
//
//	0x1000 prologue: push %rbp; mov %rsp,%rbp; ...; epilogue at 0x1044
//	0x2000 remember_state / restore_state
//	0x3000 PLT expression
//	0x3100 val_offset, register, undefined, val_expression rules
//	0x4000 signal trampoline ('S'): CFA, rip and rbp from expressions
//	0x5000 outermost frame: rip undefined
//	0x6000 CFA = rsp (no progress); 0x6100 unsupported DW_OP; 0x6200 no rip rule
func synthetic(t *testing.T) *Table {
	t.Helper()
	e := ehBuilder{addr: 0x100}
	std := e.cie("zR", []byte{0x03}, []byte{_DW_CFA_def_cfa, 7, 8, _DW_CFA_offset | 16, 1})
	fde := func(start uint64, insns ...byte) { e.fde(std, 0x03, true, start, 0x100, insns) }
	fde(0x1000, 0x41, _DW_CFA_def_cfa_offset, 16, _DW_CFA_offset|6, 2, 0x43, _DW_CFA_def_cfa_register, 6,
		_DW_CFA_advance_loc1, 0x40, _DW_CFA_def_cfa, 7, 8, _DW_CFA_restore|6)
	fde(0x2000, 0x41, _DW_CFA_def_cfa_offset, 16, 0x41, _DW_CFA_remember_state, _DW_CFA_def_cfa_offset, 8,
		0x41, _DW_CFA_restore_state)
	fde(0x3000, cat([]byte{_DW_CFA_def_cfa_expression}, uleb(uint64(len(pltCFA))), pltCFA)...)
	fde(0x3100, _DW_CFA_val_offset, 3, 2, _DW_CFA_register, 12, 13, _DW_CFA_undefined, 14,
		_DW_CFA_val_expression, 15, 2, 0x38, 0x1c) // r15 = CFA - 8
	sig := e.cie("zRS", []byte{0x03}, nil)
	e.fde(sig, 0x03, true, 0x4000, 0x10, []byte{
		_DW_CFA_def_cfa_expression, 3, 0x77, 0x20, _DW_OP_deref, // CFA = *(rsp+0x20)
		_DW_CFA_expression, 16, 2, 0x77, 0x28, // rip at rsp+0x28
		_DW_CFA_expression, 6, 2, 0x77, 0x30, // rbp at rsp+0x30
	})
	fde(0x5000, _DW_CFA_undefined, 16)
	fde(0x6000, _DW_CFA_def_cfa_offset, 0)
	fde(0x6100, _DW_CFA_def_cfa_expression, 1, 0x18)
	noRA := e.cie("zR", []byte{0x03}, []byte{_DW_CFA_def_cfa, 7, 8})
	e.fde(noRA, 0x03, true, 0x6200, 0x10, nil)
	tab, err := Parse(e.b, e.addr)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func TestStep(t *testing.T) {
	tab := synthetic(t)
	tests := []struct {
		name  string
		regs  Regs
		stack stackMem
		want  Regs  // PC, SP and the registers named in known
		known []int // registers expected to have a value
		wantU []int // registers expected to be unknown
	}{
		{"entry", Regs{PC: 0x1000, SP: stackBase, BP: 0x42}, words(0xaaaa),
			Regs{PC: 0xaaaa, SP: stackBase + 8, BP: 0x42}, []int{regRBP}, nil},
		{"after push rbp", Regs{PC: 0x1001, SP: stackBase, BP: 0x42}, words(0x5555, 0xaaaa),
			Regs{PC: 0xaaaa, SP: stackBase + 16, BP: 0x5555}, []int{regRBP}, nil},
		{"rbp frame", Regs{PC: 0x1010, SP: stackBase, BP: stackBase + 0x20}, words(0, 0, 0, 0, 0x5555, 0xaaaa),
			Regs{PC: 0xaaaa, SP: stackBase + 0x30, BP: 0x5555}, []int{regRBP}, nil},
		{"epilogue restores rbp rule", Regs{PC: 0x1050, SP: stackBase, BP: 0x42}, words(0xaaaa),
			Regs{PC: 0xaaaa, SP: stackBase + 8, BP: 0x42}, []int{regRBP}, nil},
		{"remembered state", Regs{PC: 0x2002, SP: stackBase}, words(0xaaaa),
			Regs{PC: 0xaaaa, SP: stackBase + 8}, nil, nil},
		{"restored state", Regs{PC: 0x2003, SP: stackBase}, words(0, 0xaaaa),
			Regs{PC: 0xaaaa, SP: stackBase + 16}, nil, nil},
		{"plt entry", Regs{PC: 0x3010, SP: stackBase}, words(0xaaaa),
			Regs{PC: 0xaaaa, SP: stackBase + 8}, nil, nil},
		{"plt after push", Regs{PC: 0x301b, SP: stackBase}, words(7, 0xaaaa),
			Regs{PC: 0xaaaa, SP: stackBase + 16}, nil, nil},
		{"value rules", Regs{PC: 0x3100, SP: stackBase, R13: 0x1313, R14: 0x1414}, words(0xaaaa),
			Regs{PC: 0xaaaa, SP: stackBase + 8, BX: stackBase - 8, R12: 0x1313, R15: stackBase}, []int{regRBX, regR12, regR15},
			[]int{regR12 + 2}},
		{"signal frame", Regs{PC: 0x4004, SP: stackBase}, words(0, 0, 0, 0, stackBase+0x100, 0x5000, 0x6666),
			Regs{PC: 0x5000, SP: stackBase + 0x100, BP: 0x6666}, []int{regRBP}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWindow(tc.stack)
			defer w.release()
			u := newWalker(tc.regs, []Module{{Start: 0, End: 0x10000, Table: tab}}, w)
			done, found, err := u.step(true)
			if err != nil || !found || done {
				t.Fatalf("step: done %v, found %v, err %v; want a caller frame", done, found, err)
			}
			want := newWalker(tc.want, nil, nil).regs
			for _, reg := range append([]int{regRA, regRSP}, tc.known...) {
				if got, ok := u.regs.get(uint64(reg)); !ok || got != want.v[reg] {
					t.Errorf("register %d: got %#x (known %v), want %#x", reg, got, ok, want.v[reg])
				}
			}
			for _, reg := range tc.wantU {
				if got, ok := u.regs.get(uint64(reg)); ok {
					t.Errorf("register %d: got %#x, want no value", reg, got)
				}
			}
		})
	}
}

func TestUnwindSynthetic(t *testing.T) {
	tab := synthetic(t)
	mods := []Module{{Start: 0x11000, End: 0x20000, Bias: 0x10000, Table: tab}}
	tests := []struct {
		name     string
		regs     Regs
		stack    stackMem
		max      int
		want     []uint64
		complete bool
		err      error
	}{
		{"to outermost", Regs{PC: 0x11001, SP: stackBase}, words(0x42, 0x15005), 64,
			[]uint64{0x11001, 0x15005}, true, nil},
		{"signal frame then exact pc", Regs{PC: 0x14004, SP: stackBase}, words(0, 0, 0, 0, stackBase+0x100, 0x15000, 0), 64,
			[]uint64{0x14004, 0x15000}, true, nil},
		{"zero return address", Regs{PC: 0x11000, SP: stackBase}, words(0), 64,
			[]uint64{0x11000}, true, nil},
		{"no fde", Regs{PC: 0x11000, SP: stackBase}, words(0x18000), 64,
			[]uint64{0x11000, 0x18000}, false, nil},
		{"no module", Regs{PC: 0x11000, SP: stackBase}, words(0x99999), 64,
			[]uint64{0x11000, 0x99999}, false, nil},
		{"max frames", Regs{PC: 0x11000, SP: stackBase}, words(0x15005), 1,
			[]uint64{0x11000}, false, nil},
		{"cfa not increasing", Regs{PC: 0x16000, SP: stackBase}, words(0x15005), 64,
			[]uint64{0x16000}, false, errNoProgress},
		{"unsupported op", Regs{PC: 0x16100, SP: stackBase}, words(0x15005), 64,
			[]uint64{0x16100}, false, ErrUnsupported},
		{"no rip rule", Regs{PC: 0x16200, SP: stackBase}, words(0x15005), 64,
			[]uint64{0x16200}, false, ErrMalformed},
		{"unreadable stack", Regs{PC: 0x11000, SP: stackBase + 0x100}, words(0x15005), 64,
			[]uint64{0x11000}, false, errAny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pcs, complete, err := Unwind(tc.regs, mods, tc.stack, tc.max)
			if !slices.Equal(pcs, tc.want) || complete != tc.complete || !matchErr(err, tc.err) {
				t.Fatalf("got %#x, complete %v, err %v; want %#x, %v, %v", pcs, complete, err, tc.want, tc.complete, tc.err)
			}
		})
	}
}

var errAny = errors.New("any error")

func matchErr(err, want error) bool {
	switch want {
	case nil:
		return err == nil
	case errAny:
		return err != nil
	}
	return errors.Is(err, want)
}

func TestScanStack(t *testing.T) {
	mem := words(1, 0x11000, 3, 0x15000, 0x99999, 0x11fff)
	isCode := func(v uint64) bool { return v >= 0x11000 && v < 0x20000 }
	tests := []struct {
		name string
		sp   uint64
		size int
		want []uint64
	}{
		{"all", stackBase, 48, []uint64{0x11000, 0x15000, 0x11fff}},
		{"past the end", stackBase, 1 << 20, []uint64{0x11000, 0x15000, 0x11fff}},
		{"unaligned sp", stackBase + 3, 29, []uint64{0x11000, 0x15000}},
		{"empty", stackBase, 0, nil},
		{"unmapped", 0x100, 64, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ScanStack(mem, tc.sp, tc.size, isCode); !slices.Equal(got, tc.want) {
				t.Fatalf("got %#x, want %#x", got, tc.want)
			}
		})
	}
}
