package ptrace

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"

	"golang.org/x/sys/unix"
)

// cpuid executes the CPUID instruction (cpuid_amd64.s); tracer and target
// run on the same CPUs.
func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)

const (
	// fxsaveSize is the legacy FXSAVE area (struct fxregs_state).
	fxsaveSize = 512
	// xsaveHeaderEnd is the end of the XSAVE header: the size of a frame
	// with x87 and SSE state only (kernel xstate_calculate_size).
	xsaveHeaderEnd = 576
	// swBytesOff is where struct _fpx_sw_bytes sits in the FXSAVE area
	// (fxregs_state.sw_reserved).
	swBytesOff = 464
	// xfeatureXTileData is the one dynamically enabled user feature
	// (asm/fpu/xstate.h XFEATURE_MASK_USER_DYNAMIC): a thread has it only
	// after arch_prctl(ARCH_REQ_XCOMP_PERM), so the signal frame of a
	// thread in general leaves it out.
	xfeatureXTileData = 1 << 18
	// maxXStateLen bounds the register set read; AMX makes it ~11 KiB.
	maxXStateLen = 64 << 10
	// Signal frame magic numbers (asm/sigcontext.h).
	fpXStateMagic1 = 0x46505853
	fpXStateMagic2 = 0x46505845
)

// fpuLayout says how to read a thread's FPU state and how to lay it out in
// a signal frame; it is the same for every thread of a process.
type fpuLayout struct {
	nt       uintptr // _NT_X86_XSTATE, or _NT_PRFPREG without XSAVE
	size     int     // bytes the register set holds (the kernel's max user size)
	sigSize  int     // xstate_size of a signal frame: the default user size
	features uint64  // xfeatures of a signal frame: the default user features
}

// xsave reports whether the layout is an XSAVE image.
func (l *fpuLayout) xsave() bool { return l.nt == _NT_X86_XSTATE }

// fpLen is the size of the FPU area of a signal frame, FP_XSTATE_MAGIC2
// included.
func (l *fpuLayout) fpLen() int {
	if l.xsave() {
		return l.sigSize + 4
	}
	return fxsaveSize
}

// probeFPU reads the FPU register set of a stopped thread once to learn
// the layout. The sizes mirror the kernel's: the signal frame holds the
// default features (fpu_user_cfg.default_features), as large as the end
// of the highest one in the uncompacted format (init_xstate_size).
func probeFPU(tid int) (*fpuLayout, error) {
	buf := make([]byte, maxXStateLen)
	n, err := getRegset(tid, _NT_X86_XSTATE, buf)
	if errors.Is(err, unix.ENODEV) || errors.Is(err, unix.EINVAL) {
		return &fpuLayout{nt: _NT_PRFPREG, size: fxsaveSize, sigSize: fxsaveSize}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read xstate: %w", err)
	}
	if n < xsaveHeaderEnd {
		return nil, fmt.Errorf("xstate of %d bytes, want at least %d", n, xsaveHeaderEnd)
	}
	// ptrace puts the user XCR0 in the first word of sw_reserved
	// (arch/x86/kernel/ptrace.c xstate_fx_sw_bytes).
	features := binary.LittleEndian.Uint64(buf[swBytesOff:]) &^ xfeatureXTileData
	size := xsaveHeaderEnd
	if top := 63 - bits.LeadingZeros64(features); top > 1 {
		sz, off, _, _ := cpuid(0xd, uint32(top))
		size = int(off + sz)
	}
	if size > n {
		return nil, fmt.Errorf("xstate of %d bytes, want at least %d", n, size)
	}
	return &fpuLayout{nt: _NT_X86_XSTATE, size: n, sigSize: size, features: features}, nil
}

// readFPU reads the FPU state of a stopped thread.
func readFPU(tid int, l *fpuLayout) ([]byte, error) {
	buf := make([]byte, l.size)
	n, err := getRegset(tid, l.nt, buf)
	if err != nil {
		return nil, err
	}
	if n != l.size {
		return nil, fmt.Errorf("FPU state of %d bytes, want %d", n, l.size)
	}
	return buf, nil
}
