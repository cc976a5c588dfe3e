package apply

import (
	"os"
	"path/filepath"
	"testing"
)

// TestJournalOrphans: only a journaled mapping with exactly the
// journaled extent and protection, anonymous and all zero, is an orphan; a mapping of
// the program at a journaled address is left alone.
func TestJournalOrphans(t *testing.T) {
	p := newTarget(t)
	const a, b, c, d, e = 0x10000000, 0x20000000, 0x30000000, 0x40000000, 0x60000000
	p.addMapping(a, make([]byte, 2*pageSize), "r-xp", "", 0) // ours, zeroed
	p.addMapping(b, []byte{1}, "r-xp", "", 0)                // written: not ours
	p.addMapping(c, make([]byte, 3*pageSize), "r-xp", "", 0) // other extent
	p.addMapping(d, make([]byte, pageSize), "r-xp", "/lib/x", 5)
	p.addMapping(e, make([]byte, pageSize), "rw-p", "", 0) // other protection
	jr := openJournal(t.TempDir(), p.pid)
	for _, s := range []span{{a, a + 2*pageSize - 100}, {b, b + pageSize}, {c, c + pageSize}, {d, d + pageSize}, {e, e + pageSize}, {0x50000000, 0x50001000}} {
		if err := jr.note(s.start, s.size(), "r-xp"); err != nil {
			t.Fatal(err)
		}
	}
	got := jr.orphans(p, p.maps)
	if len(got) != 1 || got[0] != (span{a, a + 2*pageSize}) {
		t.Errorf("got orphans %v, want only %#x", got, a)
	}
	if err := jr.drop(a); err != nil {
		t.Fatal(err)
	}
	if got := jr.orphans(p, p.maps); len(got) != 0 {
		t.Errorf("got orphans %v after drop", got)
	}
	if len(jr.entries()) != 5 {
		t.Errorf("got entries %v, want 5", jr.entries())
	}
	if err := jr.clear(); err != nil || len(jr.entries()) != 0 {
		t.Errorf("clear: %v, entries %v", err, jr.entries())
	}
}

// TestJournalStale: prune removes the journals of processes that are gone
// (no such pid, or another start time), not those of live ones.
func TestJournalStale(t *testing.T) {
	dir := t.TempDir()
	self := openJournal(dir, os.Getpid())
	stale := filepath.Join(dir, "2147483646-1")
	other := filepath.Join(dir, filepath.Base(openJournal(dir, os.Getppid()).path))
	for _, f := range []string{self.path, stale, other} {
		if err := os.WriteFile(f, []byte("0x1000 0x1000\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	self.prune()
	for f, want := range map[string]bool{self.path: true, stale: false, other: true} {
		if _, err := os.Stat(f); (err == nil) != want {
			t.Errorf("%s: exists %v, want %v", filepath.Base(f), err == nil, want)
		}
	}
}

// FuzzJournalEntries: whatever a journal file holds, entries are bounded
// in number and each is a non-empty range that does not wrap.
func FuzzJournalEntries(f *testing.F) {
	f.Add([]byte("0x7f0000001000 0x3000 r-xp\n"))
	f.Add([]byte("0x1000 0x0 r-xp\n0xffffffffffffffff 0x2 rw-p\nbad\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		jr := journal{filepath.Join(dir, "j")}
		if err := os.WriteFile(jr.path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		es := jr.entries()
		if len(es) > maxJournalEntries {
			t.Fatalf("%d entries", len(es))
		}
		for _, e := range es {
			if e.end <= e.start {
				t.Fatalf("entry %+v", e)
			}
		}
	})
}
