package apply

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/kpatch"
)

var fastOpts = Options{Timeout: 20 * time.Millisecond}

// killedAt runs f with the fake's tracer killed before its n-th change
// (counting from 0); killed is false when f finished first.
func killedAt(p *fakeProc, n int, f func() error) (killed bool, err error) {
	p.budget = n
	defer func() {
		p.budget = -1
		if r := recover(); r != nil {
			if r != errKilled {
				panic(r)
			}
			killed = true
		}
	}()
	return false, f()
}

// state describes the patches of the fake as a later run sees them, and
// fails the test unless the code and the records agree: every applied
// patch's jump in place (or saved by the one above it), the original code
// without any, no pending region.
func state(t *testing.T, p *fakeProc, orig []byte) []string {
	t.Helper()
	snap, err := Discover(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Pending) > 0 {
		t.Fatalf("pending regions left: %+v", snap.Pending)
	}
	foo := uint64(progBase + fooVaddr)
	want := orig[fooVaddr : fooVaddr+5]
	var ids []string
	for _, a := range newestFirst(snap.Applied) {
		ids = append(ids, a.ID())
	}
	// Walk the chain from the oldest patch up: each saved the code below.
	for i := len(ids) - 1; i >= 0; i-- {
		a := newestFirst(snap.Applied)[i]
		u, err := readUndo(p, a)
		if err != nil || len(u.infos) != 1 {
			t.Fatalf("patch %s: infos %v, %v", a.ID(), u, err)
		}
		if !bytes.Equal(u.undo[:5], want) {
			t.Fatalf("patch %s saved % x, want % x", a.ID(), u.undo[:5], want)
		}
		want = hunk(u.infos[0])
	}
	if got := p.read(foo, 5); !bytes.Equal(got, want) {
		t.Fatalf("foo starts with % x, want % x (patches %v)", got, want, ids)
	}
	rest := p.read(progBase, imgSize)
	copy(rest[fooVaddr:], orig[fooVaddr:fooVaddr+5])
	if !bytes.Equal(rest, orig) {
		t.Fatalf("program bytes other than foo's first 5 changed")
	}
	if p.attached || p.stopped {
		t.Fatalf("got attached=%v stopped=%v, want detached and running", p.attached, p.stopped)
	}
	return ids
}

// leaked counts anonymous mappings outside every region: the one a run
// killed between its mmap and its header write leaves.
func leaked(t *testing.T, p *fakeProc) int {
	t.Helper()
	snap, _ := Discover(p)
	n := 0
outer:
	for _, m := range p.maps {
		if m.Inode != 0 || m.Path != "" {
			continue
		}
		for _, a := range append(snap.Applied, snap.Pending...) {
			if m.Start >= a.Start && m.End <= a.End() {
				continue outer
			}
		}
		n++
	}
	return n
}

// TestKillPatchEveryChange kills a patch before each of its changes to the
// target, then checks that the next run repairs the leftover (reporting
// it), that the process reads as not patched, and that unpatch and patch
// then work. Killed between the mmap and the header, the run leaves a
// zeroed mapping that only the region journal tells from the program's.
func TestKillPatchEveryChange(t *testing.T) {
	for _, journaled := range []bool{false, true} {
		opts := fastOpts
		if journaled {
			opts.JournalDir = t.TempDir()
		}
		testKillPatchEveryChange(t, opts)
	}
}

func testKillPatchEveryChange(t *testing.T, opts Options) {
	journaled := opts.JournalDir != ""
	for _, base := range [][]string{nil, {"0001"}} {
		for n := 0; ; n++ {
			p := newTarget(t)
			orig := p.read(progBase, imgSize)
			for _, id := range base {
				applyTest(t, p, testPatch(t, id, allRelocs))
			}
			killed, err := killedAt(p, n, func() error {
				_, err := Patch(p, testPatch(t, "0002", allRelocs), opts)
				return err
			})
			if err != nil {
				t.Fatalf("base %v, killed at %d: patch: %v", base, n, err)
			}
			if !killed {
				if n < 4 {
					t.Fatalf("patch made only %d changes", n)
				}
				if got := state(t, p, orig); len(got) != len(base)+1 {
					t.Fatalf("finished patch: got patches %v", got)
				}
				break
			}
			line, err := Repair(p, opts)
			if err != nil {
				t.Fatalf("base %v, killed at %d: repair: %v", base, n, err)
			}
			// Killed before the mmap, nothing to see; between it and the
			// header, a zeroed mapping, removed when journaled.
			if nothing := n == 0 || n == 1 && !journaled; (line == "") != nothing {
				t.Errorf("base %v, journal %v, killed at %d: got repair line %q", base, journaled, n, line)
			}
			if l := leaked(t, p); l != map[bool]int{true: 1, false: 0}[n == 1 && !journaled] {
				t.Errorf("base %v, journal %v, killed at %d: %d leaked mappings", base, journaled, n, l)
			}
			if got := state(t, p, orig); len(got) != len(base) {
				t.Fatalf("base %v, killed at %d: got patches %v after repair, want %v", base, n, got, base)
			}
			if len(base) > 0 {
				if _, err := Unpatch(p, "", nil, opts); err != nil {
					t.Fatalf("killed at %d: unpatch after repair: %v", n, err)
				}
			}
			applyTest(t, p, testPatch(t, "0002", allRelocs))
			if got := state(t, p, orig); len(got) != 1 {
				t.Fatalf("killed at %d: got patches %v after repair and patch", n, got)
			}
		}
	}
}

// TestKillUnpatchEveryChange kills `unpatch` of one patch, and of two
// stacked ones (newest first), before each change: after repair every
// patch is either wholly applied or wholly gone, newest gone first.
func TestKillUnpatchEveryChange(t *testing.T) {
	for _, ids := range [][]string{{"0001"}, {"0001", "0002"}} {
		for n := 0; ; n++ {
			p := newTarget(t)
			orig := p.read(progBase, imgSize)
			for _, id := range ids {
				applyTest(t, p, testPatch(t, id, allRelocs))
			}
			killed, err := killedAt(p, n, func() error {
				_, err := Unpatch(p, "", nil, fastOpts)
				return err
			})
			if err != nil {
				t.Fatalf("%v, killed at %d: unpatch: %v", ids, n, err)
			}
			if !killed {
				if got := state(t, p, orig); len(got) != 0 {
					t.Fatalf("finished unpatch: got patches %v", got)
				}
				break
			}
			line, err := Repair(p, fastOpts)
			if err != nil {
				t.Fatalf("%v, killed at %d: repair: %v", ids, n, err)
			}
			got := state(t, p, orig)
			if !slicesPrefixOf(got, ids) {
				t.Fatalf("%v, killed at %d: got patches %v after repair", ids, n, got)
			}
			// Killed before its first change, or after its first restore.
			if (line == "") != (n == 0) && n <= 1 {
				t.Errorf("%v, killed at %d: got repair line %q with patches %v", ids, n, line, got)
			}
			if leaked(t, p) != 0 {
				t.Errorf("%v, killed at %d: leaked mappings", ids, n)
			}
			res, err := Unpatch(p, "", nil, fastOpts)
			if len(got) > 0 && (err != nil || res.Count != len(got)) {
				t.Fatalf("%v, killed at %d: unpatch after repair: %v, %v", ids, n, res, err)
			}
			state(t, p, orig)
		}
	}
}

// slicesPrefixOf reports whether got (newest first) is what is left of
// ids (oldest first) after removing some newest ones.
func slicesPrefixOf(got, ids []string) bool {
	if len(got) > len(ids) {
		return false
	}
	for i, id := range got {
		if ids[len(got)-1-i] != id {
			return false
		}
	}
	return true
}

// TestRepairRunsOnPatch: a leftover is repaired by patch, unpatch and
// Repair alike, and reported in one line.
func TestRepairRunsOnPatch(t *testing.T) {
	run := map[string]func(p *fakeProc, o Options) error{
		"patch": func(p *fakeProc, o Options) error {
			_, err := Patch(p, testPatch(t, "0002", allRelocs), o)
			return err
		},
		"unpatch": func(p *fakeProc, o Options) error {
			_, err := Unpatch(p, "", nil, o)
			if errors.Is(err, ErrNoPatch) {
				err = nil
			}
			return err
		},
		"repair": func(p *fakeProc, o Options) error {
			line, err := Repair(p, o)
			o.Logf("pid %d: repaired: %s", p.pid, line)
			return err
		},
	}
	for name, f := range run {
		t.Run(name, func(t *testing.T) {
			p := newTarget(t)
			orig := p.read(progBase, imgSize)
			// Killed once the jump is written, before the record.
			killed, err := killedAt(p, 7, func() error {
				_, err := Patch(p, testPatch(t, "0001", allRelocs), fastOpts)
				return err
			})
			if !killed || err != nil {
				t.Fatalf("got killed=%v, %v", killed, err)
			}
			if got := p.read(progBase+fooVaddr, 1); got[0] != 0xe9 {
				t.Fatalf("killed run left % x at foo, want its jump", got)
			}
			var lines []string
			opts := fastOpts
			opts.Logf = func(format string, args ...any) {
				if l := fmt.Sprintf(format, args...); strings.Contains(l, "repaired") {
					lines = append(lines, l)
				}
			}
			if err := f(p, opts); err != nil {
				t.Fatal(err)
			}
			want := "pid 100: repaired: rolled back the unfinished patch 0001 of prog (1 jump(s) restored, region "
			if len(lines) != 1 || !strings.HasPrefix(lines[0], want) {
				t.Errorf("got lines %q, want one starting %q", lines, want)
			}
			ids := state(t, p, orig)
			if wantN := map[bool]int{true: 1, false: 0}[name == "patch"]; len(ids) != wantN {
				t.Errorf("got patches %v, want %d", ids, wantN)
			}
		})
	}
}

// TestRepairLeavesForeignCode: a record whose function was changed by
// someone else is not a leftover: nothing is removed, unpatch refuses.
func TestRepairLeavesForeignCode(t *testing.T) {
	p := newTarget(t)
	applyTest(t, p, testPatch(t, "0001", allRelocs))
	p.mem[progBase][fooVaddr] = 0xcc
	line, err := Repair(p, fastOpts)
	if err != nil || line != "" {
		t.Fatalf("got %q, %v; want nothing repaired", line, err)
	}
	snap, _ := Discover(p)
	if len(snap.Applied) != 1 {
		t.Fatalf("got %d patches, want the record kept", len(snap.Applied))
	}
	if _, err := Unpatch(p, "", nil, fastOpts); err == nil || !strings.Contains(err.Error(), "changed by someone else") {
		t.Fatalf("got %v, want a refusal", err)
	}
}

// TestPendingHeader: the pending marker is not a record for upstream's
// rule (first 7 bytes KPATCH1) nor for DecodeHeader.
func TestPendingHeader(t *testing.T) {
	h := kpatch.Header{KpatchTotalMemSz: 0x3000}
	copy(h.Magic[:], kpatch.Magic)
	b := pendingHeader(h)
	if string(b[:7]) == recordMagic {
		t.Fatalf("pending header starts with %q", b[:7])
	}
	if _, err := kpatch.DecodeHeader(b); err == nil {
		t.Fatalf("pending header decodes as a record")
	}
	if kpatch.Magic[:7] != recordMagic {
		t.Fatalf("record magic %q is not the start of %q", recordMagic, kpatch.Magic)
	}
}

// FuzzRepairPlan feeds arbitrary bytes as a region (record or pending,
// r-x or rw-) to Discover, Info and planRepair: the target's memory is
// input we do not control. No panic, and every fix is for a region found.
func FuzzRepairPlan(f *testing.F) {
	p := newTarget(f)
	applyTest(f, p, testPatch(f, "0001", allRelocs))
	snap, err := Discover(p)
	if err != nil || len(snap.Applied) != 1 {
		f.Fatalf("seed: %v, %d patches", err, len(snap.Applied))
	}
	a := snap.Applied[0]
	region := p.read(a.Start, int(a.Header.KpatchTotalMemSz))
	f.Add(region, true)
	pending := append([]byte(nil), region...)
	copy(pending, pendingMagic)
	f.Add(pending, false)
	f.Add([]byte(pendingMagic), false)
	f.Fuzz(func(t *testing.T, b []byte, exec bool) {
		if len(b) > 1<<16 {
			return
		}
		p := newTarget(t)
		perms := "rw-p"
		if exec {
			perms = "r-xp"
		}
		start := uint64(progBase - 0x100000)
		p.addMapping(start, b, perms, "", 0)
		snap, err := Discover(p)
		if err != nil {
			t.Fatal(err)
		}
		Info(p)
		fixes, _ := planRepair(p, snap)
		for _, fx := range fixes {
			if fx.r.a.Start != start {
				t.Errorf("fix for a region at %#x, want %#x", fx.r.a.Start, start)
			}
		}
	})
}
