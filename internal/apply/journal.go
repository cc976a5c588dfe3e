package apply

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/golibcare/golibcare/internal/procfs"
)

// DefaultJournalDir is where libcare-ctl keeps region journals.
const DefaultJournalDir = "/run/golibcare/regions"

// JournalDirEnv names another journal directory (tests keep theirs in a
// temporary directory, not in the host's /run).
const JournalDirEnv = "GOLIBCARE_JOURNAL_DIR"

// JournalDir is the journal directory of this run: $GOLIBCARE_JOURNAL_DIR,
// else DefaultJournalDir.
func JournalDir() string {
	if d := os.Getenv(JournalDirEnv); d != "" {
		return d
	}
	return DefaultJournalDir
}

// maxJournalEntries bounds what a journal file is trusted with: a run maps
// one region per patched object.
const maxJournalEntries = 256

// The region journal closes the window record.go leaves open: once a
// remote mmap is set up on a thread, the thread runs it even if we die
// (ptrace.Syscall), and until pendingMagic is written the zeroed region
// it maps reads as nothing of ours. So the address and size go into a
// file of the tool's host, keyed by pid and start time, before the mmap;
// a later run that finds exactly that anonymous mapping there, all zero,
// unmaps it (repair.go). The first address of each region is noted before
// the stop (noteRegions), out of the frozen time. The file is removed
// when a patch run ends and when a repair has removed the orphans. Without a directory (Options.
// JournalDir empty, or not writable), nothing is journaled.
type journal struct{ path string }

func openJournal(dir string, pid int) journal {
	if dir == "" {
		return journal{}
	}
	return journal{filepath.Join(dir, fmt.Sprintf("%d-%d", pid, startTime(pid)))}
}

// startTime returns the start time of pid (/proc/PID/stat field 22), 0
// when unknown: a journal of a dead process must not name mappings of a
// new one with its pid.
func startTime(pid int) uint64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	var st uint64
	if len(f) > 19 {
		fmt.Sscan(f[19], &st)
	}
	return st
}

// entry is one region the journal names, with the protection it is mapped
// with as /proc/PID/maps spells it.
type entry struct {
	span
	perms string
}

// note records that a region of size bytes may be mapped at addr with
// perms.
func (jr journal) note(addr, size uint64, perms string) error {
	if jr.path == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(jr.path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(jr.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(f, "%#x %#x %s\n", addr, size, perms)
	if e := f.Close(); err == nil {
		err = e
	}
	return err
}

// drop removes the entry for addr (an mmap that failed there).
func (jr journal) drop(addr uint64) error {
	if jr.path == "" {
		return nil
	}
	var keep bytes.Buffer
	for _, e := range jr.entries() {
		if e.start != addr {
			fmt.Fprintf(&keep, "%#x %#x %s\n", e.start, e.size(), e.perms)
		}
	}
	if keep.Len() == 0 {
		return jr.clear()
	}
	tmp := jr.path + ".tmp"
	if err := os.WriteFile(tmp, keep.Bytes(), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, jr.path)
}

// entries returns the regions the journal names; malformed lines are
// skipped.
func (jr journal) entries() []entry {
	if jr.path == "" {
		return nil
	}
	f, err := os.Open(jr.path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []entry
	sc := bufio.NewScanner(f)
	for sc.Scan() && len(out) < maxJournalEntries {
		var addr, size uint64
		var perms string
		if _, err := fmt.Sscanf(sc.Text(), "0x%x 0x%x %s", &addr, &size, &perms); err == nil && size > 0 && addr+size > addr {
			out = append(out, entry{span{addr, addr + size}, perms})
		}
	}
	return out
}

func (jr journal) clear() error {
	if jr.path == "" {
		return nil
	}
	if err := os.Remove(jr.path); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}

// prune removes the journals of processes that are gone (a target that
// died with a journal left).
func (jr journal) prune() {
	if jr.path == "" {
		return
	}
	dir := filepath.Dir(jr.path)
	names, _ := os.ReadDir(dir)
	for _, e := range names {
		var pid int
		var st uint64
		if n, _ := fmt.Sscanf(e.Name(), "%d-%d", &pid, &st); n == 2 && fmt.Sprintf("%d-%d", pid, st) == e.Name() && startTime(pid) != st {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// maxOrphanCheck bounds the bytes of an orphan read to see that they are
// all zero.
const maxOrphanCheck = 1 << 20

// orphans returns the journaled regions still mapped as a killed run's
// mmap left them: exactly that anonymous mapping, with that protection,
// all zero (no run of ours wrote it: a region of ours starts with a
// magic).
func (jr journal) orphans(mem Memory, maps []procfs.Mapping) []span {
	var out []span
	for _, e := range jr.entries() {
		for _, m := range maps {
			if m.Start != e.start || m.End != roundUp(e.end, pageSize) || m.Perms != e.perms || m.Inode != 0 || m.Path != "" {
				continue
			}
			b, err := readFull(mem, m.Start, int(min(m.Size(), maxOrphanCheck)))
			if err == nil && allZero(b) {
				out = append(out, span{m.Start, m.End})
			}
		}
	}
	return out
}
