package apply

import (
	"fmt"

	"github.com/golibcare/golibcare/internal/procfs"
	"github.com/golibcare/golibcare/internal/unwind"
)

// Memory is the address space of a target process.
type Memory interface {
	ReadAt(p []byte, addr int64) (int, error)
	WriteAt(p []byte, addr int64) (int, error)
}

// Host is a process before it is attached: a read-only view used to find
// its objects and patches without disturbing it.
type Host interface {
	Memory
	Pid() int
	Maps() ([]procfs.Mapping, error)
	// Attach seizes every thread; they keep running.
	Attach() (Target, error)
}

// Target is an attached process (internal/ptrace semantics).
type Target interface {
	Memory
	Tids() []int
	Stop() error
	Resume() error
	Detach() error
	Regs(tid int) (unwind.Regs, error)
	// AllRegs returns the registers of every thread (all stopped).
	AllRegs() (map[int]unwind.Regs, error)
	Syscall(stub, nr uint64, args ...uint64) (uint64, error)
	Call(stub, fn uint64, args ...uint64) (uint64, error)
	// Batch runs f with the target's requests served directly (ptrace:
	// on its tracer thread).
	Batch(f func() error) error
}

// Linux x86_64 syscall numbers and flags (asm/unistd_64.h, asm-generic/mman*.h).
const (
	_SYS_mmap      = 9
	_SYS_mprotect  = 10
	_SYS_munmap    = 11
	_PROT_READ     = 0x1
	_PROT_WRITE    = 0x2
	_PROT_EXEC     = 0x4
	_MAP_PRIVATE   = 0x02
	_MAP_ANONYMOUS = 0x20
	// _MAP_FIXED_NOREPLACE (Linux 4.17) fails with EEXIST instead of
	// replacing a mapping the target created after we read its maps; older
	// kernels treat it as a hint, which readRegion's address check catches.
	_MAP_FIXED_NOREPLACE = 0x100000
)

func readFull(m Memory, addr uint64, n int) ([]byte, error) {
	b := make([]byte, n)
	got, err := m.ReadAt(b, int64(addr))
	if got == n {
		return b, nil
	}
	if err == nil {
		err = fmt.Errorf("short read (%d of %d bytes)", got, n)
	}
	return nil, fmt.Errorf("read %d bytes at %#x: %w", n, addr, err)
}

func writeFull(m Memory, addr uint64, b []byte) error {
	beforeChange()
	got, err := m.WriteAt(b, int64(addr))
	if got == len(b) {
		return nil
	}
	if err == nil {
		err = fmt.Errorf("short write (%d of %d bytes)", got, len(b))
	}
	return fmt.Errorf("write %d bytes at %#x: %w", len(b), addr, err)
}
