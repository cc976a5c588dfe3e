package startup

import (
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/golibcare/golibcare/internal/procfs"
	"github.com/golibcare/golibcare/internal/ptrace"
)

// maxStackScan bounds the live stack read to judge whether a process ran
// past its entry point; ld.so and constructors use a few KiB.
const maxStackScan = 64 << 10

// shortEntryTimeout is the wait for the entry point when the process seems
// to have passed it already: a wrong guess only delays the patch a little.
const shortEntryTimeout = 20 * time.Millisecond

// entryTimeout picks the wait for the entry point. After the entry point,
// _start has called __libc_start_main, so the live stack (from rsp up to
// the initial stack pointer) holds a return address into the program's
// code; before it, only ld.so and library constructors have frames there.
// Waiting the full EntryTimeout for a breakpoint that will never be hit
// would hold a process that is already running for a second.
func entryTimeout(p *ptrace.Process, rsp, entry uint64) time.Duration {
	pid := p.Pid()
	top, err := startStack(pid)
	if err != nil || top <= rsp || top-rsp > maxStackScan {
		return EntryTimeout
	}
	lo, hi, ok := exeText(pid)
	if !ok {
		return EntryTimeout
	}
	b := make([]byte, top-rsp)
	if n, err := p.ReadAt(b, int64(rsp)); err != nil || n != len(b) {
		return EntryTimeout
	}
	for i := 0; i+8 <= len(b); i += 8 {
		// The entry address itself is what ld.so's frames keep (in a
		// saved register) to jump to; a return address is never it.
		if v := binary.LittleEndian.Uint64(b[i:]); v >= lo && v < hi && v != entry {
			return shortEntryTimeout
		}
	}
	return EntryTimeout
}

// startStack returns the initial stack pointer (field 28 of
// /proc/pid/stat, after the parenthesised command name).
func startStack(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	i := strings.LastIndexByte(string(b), ')')
	f := strings.Fields(string(b[i+1:]))
	if i < 0 || len(f) < 26 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	return strconv.ParseUint(f[25], 10, 64)
}

// exeText returns the range of the program's executable mappings.
func exeText(pid int) (lo, hi uint64, ok bool) {
	exe, err := procfs.Exe(pid)
	if err != nil {
		return 0, 0, false
	}
	maps, err := procfs.ReadMaps(pid)
	if err != nil {
		return 0, 0, false
	}
	for _, m := range maps {
		if m.Exec() && strings.TrimSuffix(m.Path, " (deleted)") == exe {
			if !ok || m.Start < lo {
				lo = m.Start
			}
			hi = max(hi, m.End)
			ok = true
		}
	}
	return lo, hi, ok
}
