package unwind

import (
	"errors"
	"testing"
)

func TestEval(t *testing.T) {
	regs := newWalker(Regs{PC: 0x401013, SP: stackBase, BP: 0x10}, nil, nil).regs
	tests := []struct {
		name string
		code []byte
		push bool // push 0x1000 first, as register rules do
		want uint64
		err  error
	}{
		{"plt before push", pltCFA, false, stackBase + 8, nil},
		{"lit and plus_uconst", []byte{0x31, 0x23, 0x80, 0x01}, false, 129, nil},
		{"consts", []byte{0x08, 0xff, 0x09, 0xff, 0x22}, false, 254, nil}, // 255 + -1
		{"const2s const4u const8u", []byte{0x0b, 0xfe, 0xff, 0x0c, 2, 0, 0, 0, 0x22, 0x0e, 1, 0, 0, 0, 0, 0, 0, 0, 0x22}, false, 1, nil},
		{"constu consts minus", []byte{0x10, 0x90, 0x01, 0x11, 0x7f, 0x1c}, false, 145, nil},
		{"mul div mod", []byte{0x36, 0x37, 0x1e, 0x34, 0x1b, 0x35, 0x1d}, false, 0, nil}, // 6*7=42; /4=10; %5=0
		{"shr shra xor or", []byte{0x11, 0x70, 0x32, 0x26, 0x31, 0x25, 0x3f, 0x27, 0x30, 0x21}, false, 0x7ffffffffffffffe ^ 15, nil},
		{"neg abs not", []byte{0x35, 0x1f, 0x19, 0x20}, false, ^uint64(5), nil},
		{"stack ops", []byte{0x31, 0x32, 0x33, 0x17, 0x16, 0x14, 0x15, 2, 0x12, 0x13, 0x22}, false, 4, nil},
		{"compare signed", []byte{0x11, 0x7f, 0x30, 0x2d}, false, 1, nil}, // -1 < 0
		{"bra taken", []byte{0x31, 0x28, 2, 0, 0x32, 0x96, 0x33}, false, 3, nil},
		{"bra not taken skip", []byte{0x30, 0x28, 1, 0, 0x32, 0x2f, 1, 0, 0x34}, false, 2, nil},
		{"bregx rbp with push", []byte{0x92, 6, 8, 0x22}, true, 0x1018, nil},
		{"deref_size", []byte{0x10, 0xa0, 0xe0, 0x01, 0x94, 2}, false, 0x3344, nil},
		{"unknown register", []byte{0x70, 0}, false, 0, ErrUnsupported},
		{"empty stack", []byte{0x96}, false, 0, ErrMalformed},
		{"pop empty", []byte{0x22}, false, 0, ErrMalformed},
		{"division by zero", []byte{0x31, 0x30, 0x1b}, false, 0, ErrMalformed},
		{"branch outside", []byte{0x2f, 0x10, 0}, false, 0, ErrMalformed},
		{"endless loop", []byte{0x2f, 0xfd, 0xff}, false, 0, ErrUnsupported},
		{"stack overflow", []byte{0x30, 0x12, 0x2f, 0xfc, 0xff}, false, 0, ErrUnsupported},
		{"truncated operand", []byte{0x0e, 1, 2}, false, 0, ErrMalformed},
		{"unknown op", []byte{0x18}, false, 0, ErrUnsupported},
		{"bad deref size", []byte{0x30, 0x94, 9}, false, 0, ErrMalformed},
	}
	mem := words(0, 0, 0, 0, 0x11223344)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWindow(mem)
			defer w.release()
			tab := &Table{data: tc.code}
			got, err := tab.eval(span{0, uint32(len(tc.code))}, &regs, w, 0x1000, tc.push)
			if got != tc.want || !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
				t.Fatalf("got %#x, err %v; want %#x, err %v", got, err, tc.want, tc.err)
			}
		})
	}
}
