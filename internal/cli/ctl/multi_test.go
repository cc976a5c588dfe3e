//go:build linux && amd64

package ctl_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/testutil"
)

// TestSharedDir patches a program and its shared library together through
// a storage directory (<bid>.kpatch and <bid>/latest/kpatch.bin with a
// level), then removes both.
func TestSharedDir(t *testing.T) {
	dir := testutil.CopyFixture(t, "ctl")
	lib := buildPatch(t, dir, testutil.ManualOpts{Orig: "lib.c", Patched: "lib.patched.c", Out: "shared", Shared: true})
	prog := buildPatch(t, dir, testutil.ManualOpts{Orig: "shmain.c", Patched: "shmain.patched.c",
		LDFlags: []string{"-L" + dir, "-lshared", "-Wl,-rpath," + dir}})
	store := filepath.Join(dir, "store")
	level := filepath.Join(store, lib.BuildID, "3")
	for _, d := range []string{store, level} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	copyFile(t, prog.Kpatch, filepath.Join(store, prog.BuildID+".kpatch"))
	copyFile(t, lib.Kpatch, filepath.Join(level, "kpatch.bin"))
	if err := os.Symlink("3", filepath.Join(store, lib.BuildID, "latest")); err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(dir, "hook.log")
	hook := fmt.Sprintf("#!/bin/sh\necho \"$0 $1\" >> %s\n", marker)
	for _, h := range []string{"before", "after"} {
		if err := os.WriteFile(filepath.Join(store, h), []byte(hook), 0o755); err != nil {
			t.Fatal(err)
		}
	}

	tg := startTarget(t, prog.Binary)
	tg.wait(t, "lib tick")
	libText := testutil.ProcessText(t, tg.pid, lib.Binary)
	r := testutil.MustCtl(t, "patch", "-p", tg.p(), store)
	wantLines(t, r.Stdout, fmt.Sprintf("2 patch hunk(s) have been successfully applied to PID '%d'", tg.pid))
	tg.skip()
	tg.wait(t, "main patched")
	tg.wait(t, "lib patched")
	if b, _ := os.ReadFile(marker); strings.Count(string(b), fmt.Sprintf(" %d\n", tg.pid)) != 2 {
		t.Errorf("got hook log %q, want before and after run with the pid", b)
	}

	pi := info(t, tg.pid)
	levels := map[string]uint32{}
	for _, o := range pi.Objects {
		for _, p := range o.Patches {
			levels[o.Name] = p.Level
		}
	}
	if want := map[string]uint32{"shmain": 0, "libshared.so": 3}; !reflect.DeepEqual(levels, want) {
		t.Errorf("got levels %v, want %v", levels, want)
	}

	r = testutil.MustCtl(t, "unpatch", "-p", tg.p(), "libshared.so")
	wantLines(t, r.Stdout, fmt.Sprintf("1 patch hunk(s) were successfully cancelled from PID '%d'", tg.pid))
	tg.skip()
	tg.wait(t, "lib tick")
	if got := testutil.ProcessText(t, tg.pid, lib.Binary); !reflect.DeepEqual(got, libText) {
		t.Errorf("library text differs after unpatch")
	}
	tg.wait(t, "main patched")
	testutil.MustCtl(t, "unpatch", "-p", tg.p(), "-i", "0001", prog.BuildID)
	tg.skip()
	tg.wait(t, "main tick")
	if r := testutil.MustCtl(t, "info", "-p", tg.p()); r.Stdout != "" {
		t.Errorf("info after unpatch: got %q, want nothing", r.Stdout)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestStacked applies two patches with different ids to one function:
// info lists both, unpatch without -i removes both, newest first.
func TestStacked(t *testing.T) {
	dir := testutil.CopyFixture(t, "ctl")
	a := buildPatch(t, dir, testutil.ManualOpts{Orig: "foo.c", Patched: "bar.c", ID: "p1"})
	sub := filepath.Join(dir, "second")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"foo.c", "bar2.c"} {
		copyFile(t, filepath.Join(dir, f), filepath.Join(sub, f))
	}
	b := buildPatch(t, sub, testutil.ManualOpts{Orig: "foo.c", Patched: "bar2.c", ID: "p2"})
	if a.BuildID != b.BuildID {
		t.Fatalf("got Build-IDs %s and %s, want the same program", a.BuildID, b.BuildID)
	}
	tg := startTarget(t, a.Binary)
	tg.wait(t, "Hello world!\n")
	text := testutil.ProcessText(t, tg.pid, a.Binary)
	testutil.MustCtl(t, "patch", "-p", tg.p(), a.Kpatch)
	tg.skip()
	tg.wait(t, "Hello world being patched!\n")
	testutil.MustCtl(t, "patch", "-p", tg.p(), b.Kpatch)
	tg.skip()
	tg.wait(t, "Hello world patched twice!\n")

	r := testutil.MustCtl(t, "info", "-p", tg.p())
	wantLines(t, r.Stdout, "Applied patch number:     2", "Patch id:                 p1", "Patch id:                 p2")
	r = testutil.Ctl(t, "unpatch", "-p", tg.p(), "-i", "p1")
	oneLineError(t, r, "patch p1 of foo is under patch p2")

	r = testutil.MustCtl(t, "unpatch", "-p", tg.p())
	wantLines(t, r.Stdout, fmt.Sprintf("2 patch hunk(s) were successfully cancelled from PID '%d'", tg.pid))
	tg.skip()
	tg.wait(t, "Hello world!\n")
	if got := testutil.ProcessText(t, tg.pid, a.Binary); !reflect.DeepEqual(got, text) {
		t.Errorf("text after unpatching both differs from the original")
	}
	if n := testutil.AnonExec(t, tg.pid); n != 0 {
		t.Errorf("got %d anonymous executable mappings, want 0", n)
	}
}

// TestCycles patches and unpatches 20 times a function that 4 threads
// call in a tight loop, checking every counter advances in each state.
func TestCycles(t *testing.T) {
	dir := testutil.CopyFixture(t, "ctl")
	pb := buildPatch(t, dir, testutil.ManualOpts{Orig: "cycles.c", Patched: "cycles.patched.c", LDFlags: []string{"-pthread"}})
	tg := startTarget(t, pb.Binary)
	tg.wait(t, "orig")
	text := testutil.ProcessText(t, tg.pid, pb.Binary)
	for i := 0; i < 20; i++ {
		testutil.MustCtl(t, "patch", "-p", tg.p(), pb.Kpatch)
		waitAdvance(t, tg, 5) // the patched counters
		testutil.MustCtl(t, "unpatch", "-p", tg.p())
		waitAdvance(t, tg, 0) // the original counters
		if got := testutil.ProcessText(t, tg.pid, pb.Binary); !reflect.DeepEqual(got, text) {
			t.Fatalf("cycle %d: text differs after unpatch", i)
		}
	}
	testutil.CheckUntraced(t, tg.pid)
}

// waitAdvance waits until the four counters starting at field first+1 of
// the fixture's status line have all grown.
func waitAdvance(t *testing.T, tg *target, first int) {
	t.Helper()
	tg.skip()
	var start []string
	for try := 0; try < 2000; try++ {
		tg.wait(t, "\n")
		lines := strings.Split(strings.TrimSpace(tg.out.String()), "\n")
		f := strings.Fields(lines[len(lines)-1])
		if len(f) != 10 {
			continue
		}
		cur := f[first+1 : first+5]
		if start == nil {
			start = cur
			continue
		}
		grown := true
		for k := range cur {
			if len(cur[k]) < len(start[k]) || len(cur[k]) == len(start[k]) && cur[k] <= start[k] {
				grown = false
			}
		}
		if grown {
			return
		}
	}
	t.Fatalf("counters %v did not all advance", start)
}

// TestSharedTLS patches a library function using an initial-exec __thread
// variable of the library (GOTTPOFF through the original's GOT slot), with
// the library's .kpatch file given directly.
func TestSharedTLS(t *testing.T) {
	dir := testutil.CopyFixture(t, "ctl")
	lib := buildPatch(t, dir, testutil.ManualOpts{Orig: "libtls.c", Patched: "libtls.patched.c", Out: "tls", Shared: true})
	bin := filepath.Join(dir, "tlsmain")
	testutil.Run(t, dir, "gcc", "-o", bin, "tlsmain.c", "-L"+dir, "-ltls", "-Wl,-rpath,"+dir)
	tg := startTarget(t, bin)
	tg.wait(t, "libtls 3\n")
	testutil.MustCtl(t, "patch", "-p", tg.p(), lib.Kpatch)
	tg.skip()
	tg.wait(t, "libtls patched ")
	out := tg.out.String()
	var n int
	if _, err := fmt.Sscanf(out[strings.LastIndex(out, "libtls patched "):], "libtls patched %d", &n); err != nil || n < 1003 {
		t.Errorf("got %q, want the thread's counter continued (+1000 per call)", out[strings.LastIndex(out, "libtls patched "):])
	}
	testutil.MustCtl(t, "unpatch", "-p", tg.p(), "-i", "0001")
	tg.skip()
	tg.wait(t, "libtls ")
}
