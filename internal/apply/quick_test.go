package apply

import (
	"encoding/binary"
	"testing"

	"github.com/golibcare/golibcare/internal/unwind"
)

// TestQuickClear checks the shortcut of the safety check on a fake stack:
// it may only clear a thread none of whose stack words lead into a range,
// and never one that runs a signal handler (its frames may be on another
// stack).
func TestQuickClear(t *testing.T) {
	const (
		code  = 0x400000
		stack = 0x7ff000000000
		fn    = code + 0x100 // protected [fn, fn+0x40)
		other = code + 0x800
		tramp = code + 0xa00
	)
	text := make([]byte, 0x1000)
	// A handler's rt_sigframe on an alternate stack at [stack, +0x2000):
	// pretcode, uc_flags, uc_link, ss_sp, ss_flags, ss_size.
	sigframe := []uint64{tramp, 0, 0, stack, 0, 0x2000, other + 1}
	tests := []struct {
		name  string
		pc    uint64
		words []uint64
		size  int // stack mapping size
		want  bool
	}{
		{"clean", other, []uint64{other + 5, 42, stack + 0x100}, 0x1000, true},
		{"pc inside", fn + 3, nil, 0x1000, false},
		{"return address inside", other, []uint64{7, fn + 0x10}, 0x1000, false},
		{"return address just past the end", other, []uint64{fn + 0x40}, 0x1000, false},
		{"signal handler on an alternate stack", other, sigframe, 0x1000, false},
		{"signal handler on the stack", other, []uint64{tramp, 0, 0, stack + 0x10000, 0, 0x2000, other + 1}, 0x1000, true},
		{"alternate stack disabled", other, []uint64{tramp, 0, 0, stack, 2, 0x2000, other + 1}, 0x1000, true},
		{"too much stack", other, []uint64{other + 5}, maxQuickScan + 0x1000, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newFake()
			p.addMapping(code, text, "r-xp", "/bin/prog", 1)
			b := make([]byte, tt.size)
			for i, w := range tt.words {
				binary.LittleEndian.PutUint64(b[8*i:], w)
			}
			p.addMapping(stack, b, "rw-p", "[stack]", 0)
			s := &session{pid: p.pid, t: p, snap: &Snapshot{Maps: p.maps}}
			ms := s.modules()
			ranges := []protRange{{fn, fn + 0x40, "fn"}}
			got := s.quickClear(unwind.Regs{PC: tt.pc, SP: stack}, ranges, ms)
			if got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
