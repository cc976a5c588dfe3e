package apply

import (
	"encoding/binary"
	"sync"

	"github.com/golibcare/golibcare/internal/unwind"
)

// maxQuickScan bounds the stack read by quickClear; a thread with more
// live stack is unwound.
const maxQuickScan = 32 << 10

var quickBufs = sync.Pool{New: func() any { return new([maxQuickScan]byte) }}

// quickClear reports whether a thread cannot be busy, from one read of its
// live stack and no unwinding: its pc is outside every range and no
// aligned word from sp to the end of the stack's mapping (where the
// scanning fallback of checkThread stops too) points into one. Every
// return address of the thread is such a word, unless it runs a signal
// handler on an alternate stack: then the interrupted frames are on
// another stack, and the thread is unwound.
func (s *session) quickClear(regs unwind.Regs, ranges []protRange, ms moduleSet) bool {
	size := ms.scanSize(regs.SP)
	if findRange(ranges, regs.PC) != nil || size > maxQuickScan || regs.SP%8 != 0 {
		return false
	}
	buf := quickBufs.Get().(*[maxQuickScan]byte)
	defer quickBufs.Put(buf)
	if n, _ := s.t.ReadAt(buf[:size], int64(regs.SP)); n != size {
		return false
	}
	words := size / 8
	for i := range words {
		w := binary.LittleEndian.Uint64(buf[8*i:])
		if findRange(ranges, w-1) != nil || findRange(ranges, w) != nil {
			return false
		}
		if i+5 < words && onAltStack(buf[8*i:8*i+48], regs.SP) {
			return false
		}
	}
	return true
}

// onAltStack reports whether b, read at some word of the stack, looks like
// the start of a struct rt_sigframe (pretcode, then the ucontext's
// uc_flags, uc_link and uc_stack; kernel arch/x86/include/asm/sigframe.h)
// whose saved sigaltstack holds sp: the thread then runs a signal handler
// on its alternate stack. Data that merely looks like it only costs an
// unwind.
func onAltStack(b []byte, sp uint64) bool {
	const ssDisable = 2 // SS_DISABLE: no alternate stack
	ssSP := binary.LittleEndian.Uint64(b[24:])
	flags := binary.LittleEndian.Uint32(b[32:])
	ssSize := binary.LittleEndian.Uint64(b[40:])
	return flags&ssDisable == 0 && ssSize != 0 && sp >= ssSP && sp-ssSP < ssSize
}
