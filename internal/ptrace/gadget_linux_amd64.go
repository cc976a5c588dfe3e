package ptrace

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/golibcare/golibcare/internal/procfs"
)

// ErrNoSafeGadget is returned by Syscall and Call when the target offers
// no way to run code that survives our death: no `syscall; ret` or no
// rt_sigreturn sequence in its code (a static binary without libc), or a
// thread with a shadow stack. We refuse rather than write code into the
// target's text: see the package doc.
var ErrNoSafeGadget = errors.New("no safe way to run code in the target")

var (
	// syscallRet is `syscall; ret`, as at the end of most glibc syscall
	// wrappers (getpid...).
	syscallRet = []byte{0x0f, 0x05, 0xc3}
	// sigreturnSeqs load rt_sigreturn's number and make the call: glibc's
	// and musl's __restore_rt (`mov $15,%rax`), and the shorter
	// `mov $15,%eax` form.
	sigreturnSeqs = [][]byte{
		{0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05},
		{0xb8, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05},
	}
)

// maxScan bounds the bytes of one executable mapping read while looking
// for gadgets; libc's text is under 2 MiB.
const maxScan = 64 << 20

// scanChunk is how much of a mapping one read brings in.
const scanChunk = 64 << 10

// gadgets are two instruction sequences in the target's own code that
// remote code runs through. Any occurrence of the bytes works: the CPU
// decodes from where we jump.
type gadgets struct {
	syscall  uint64 // syscall; ret
	restorer uint64 // mov $15,%rax; syscall
}

// gadgetsLocked returns the process's gadgets, looking for them once and
// checking on each stop that their bytes are still there (a library may
// be unloaded while the target runs). hint is an address whose mapping is
// searched first. Must be called via p.do.
func (p *Process) gadgetsLocked(hint uint64) (gadgets, error) {
	if p.gadgets.syscall != 0 && (p.gadgetsChecked || p.gadgetsValid()) {
		p.gadgetsChecked = true
		return p.gadgets, nil
	}
	maps, err := procfs.ReadMaps(p.pid)
	if err != nil {
		return gadgets{}, p.errorf("find gadgets", 0, 0, err)
	}
	g := gadgets{}
	for _, m := range scanOrder(maps, hint) {
		if g.syscall != 0 && g.restorer != 0 {
			break
		}
		p.scanMapping(m, &g)
	}
	if g.syscall == 0 || g.restorer == 0 {
		return gadgets{}, p.errorf("find gadgets", 0, 0, fmt.Errorf("%w: no `syscall; ret` or no rt_sigreturn sequence in any executable mapping", ErrNoSafeGadget))
	}
	p.gadgets, p.gadgetsChecked = g, true
	return g, nil
}

// gadgetsValid re-reads the cached gadgets. Must be called via p.do.
func (p *Process) gadgetsValid() bool {
	b := make([]byte, len(sigreturnSeqs[0]))
	if n, _ := p.mem.ReadAt(b[:len(syscallRet)], int64(p.gadgets.syscall)); n != len(syscallRet) || !bytes.Equal(b[:n], syscallRet) {
		return false
	}
	n, _ := p.mem.ReadAt(b, int64(p.gadgets.restorer))
	for _, seq := range sigreturnSeqs {
		if bytes.HasPrefix(b[:n], seq) {
			return true
		}
	}
	return false
}

// scanOrder lists the executable mappings to search: the one holding
// hint, libc's, other files', the vDSO last (its code has `syscall; ret`
// in clock_gettime's fallback but no rt_sigreturn on x86_64).
func scanOrder(maps []procfs.Mapping, hint uint64) []procfs.Mapping {
	rank := func(m procfs.Mapping) int {
		base := filepath.Base(m.Path)
		switch {
		case m.Start <= hint && hint < m.End:
			return 0
		case strings.HasPrefix(base, "libc.so") || strings.HasPrefix(base, "libc-"):
			return 1
		case strings.HasPrefix(m.Path, "/"):
			return 2
		}
		return 3
	}
	var ms []procfs.Mapping
	for _, m := range maps {
		if m.Exec() && m.Read() && m.Path != "[vsyscall]" {
			ms = append(ms, m)
		}
	}
	slices.SortStableFunc(ms, func(a, b procfs.Mapping) int { return rank(a) - rank(b) })
	return ms
}

// scanMapping fills the gadgets still missing from m's bytes.
// Must be called via p.do.
func (p *Process) scanMapping(m procfs.Mapping, g *gadgets) {
	// Read in chunks and stop once the preferred sequences are found:
	// libc's gadgets lie in its first few hundred KiB, and reading the
	// whole text (about 1.5 MiB) cost every call that much memory, with
	// the target stopped. The results are those of one read of the whole
	// mapping: the first `syscall; ret`, and the first of the first
	// sigreturn sequence found.
	const overlap = 8 // the longest sequence less one byte
	buf := make([]byte, scanChunk+overlap)
	restorers := make([]uint64, len(sigreturnSeqs))
	size := min(m.Size(), maxScan)
	for off := uint64(0); off < size; off += scanChunk {
		b := buf[:min(scanChunk+overlap, size-off)]
		n, _ := p.mem.ReadAt(b, int64(m.Start+off))
		b = b[:n]
		if g.syscall == 0 {
			if i := bytes.Index(b, syscallRet); i >= 0 {
				g.syscall = m.Start + off + uint64(i)
			}
		}
		for k, seq := range sigreturnSeqs {
			if restorers[k] == 0 {
				if i := bytes.Index(b, seq); i >= 0 {
					restorers[k] = m.Start + off + uint64(i)
				}
			}
		}
		if n < len(b) || (g.syscall != 0 && (g.restorer != 0 || restorers[0] != 0)) {
			break
		}
	}
	for _, r := range restorers {
		if g.restorer == 0 && r != 0 {
			g.restorer = r
		}
	}
}
