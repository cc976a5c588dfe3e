//go:build linux && amd64

package ctl_test

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/testutil"
)

func readMaps(t *testing.T, pid int) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDryRun runs patch --dry-run on a program that never leaves the
// function the patch replaces: the report names it and the thread, and the
// code bytes and the maps are as before; the real patch then applies a
// patch that a dry run of unpatch leaves in place.
func TestDryRun(t *testing.T) {
	dir := testutil.CopyFixture(t, "ctl")
	spin := buildPatch(t, dir, testutil.ManualOpts{Orig: "spin.c", Patched: "spin.patched.c"})
	tg := startTarget(t, spin.Binary)
	tg.wait(t, "spin ")
	text, maps := testutil.ProcessText(t, tg.pid, spin.Binary), readMaps(t, tg.pid)

	r := testutil.MustCtl(t, "patch", "--dry-run", "-p", tg.p(), spin.Kpatch)
	wantLines(t, r.Stdout, fmt.Sprintf("dry run: thread %d is inside spin: the run would wait for it up to 3s", tg.pid))
	for _, s := range []string{"dry run: would apply patch 0001 (level 0) of spin at 0x", "dry run:   spin 0x", fmt.Sprintf("dry run: pid %d left as it was", tg.pid)} {
		if !strings.Contains(r.Stdout, s) {
			t.Errorf("got\n%s\nwant %q", r.Stdout, s)
		}
	}
	if got := readMaps(t, tg.pid); got != maps {
		t.Errorf("maps after the dry run:\n%s\nwant\n%s", got, maps)
	}
	untouched(t, tg, text, "spin ")

	foo := buildPatch(t, dir, testutil.ManualOpts{Orig: "foo.c", Patched: "bar.c"})
	fg := startTarget(t, foo.Binary)
	fg.wait(t, "Hello world!\n")
	text, maps = testutil.ProcessText(t, fg.pid, foo.Binary), readMaps(t, fg.pid)
	r = testutil.MustCtl(t, "patch", "--dry-run", "-p", fg.p(), foo.Kpatch)
	wantLines(t, r.Stdout, "dry run: no thread is inside a function to change")
	if !strings.Contains(r.Stdout, "dry run:   import printf") && !strings.Contains(r.Stdout, "dry run:   import puts") {
		t.Errorf("got\n%s\nwant an import of printf or puts", r.Stdout)
	}
	if got := readMaps(t, fg.pid); got != maps {
		t.Errorf("maps after the dry run:\n%s\nwant\n%s", got, maps)
	}
	untouched(t, fg, text, "Hello world!\n")

	testutil.MustCtl(t, "patch", "-p", fg.p(), foo.Kpatch)
	fg.skip()
	fg.wait(t, "Hello world being patched!\n")
	patched, maps := testutil.ProcessText(t, fg.pid, foo.Binary), readMaps(t, fg.pid)
	r = testutil.MustCtl(t, "unpatch", "--dry-run", "-p", fg.p())
	if !strings.Contains(r.Stdout, "dry run: would cancel patch 0001 (level 0) of foo at 0x") {
		t.Errorf("unpatch --dry-run: got\n%s\nwant a would-cancel line", r.Stdout)
	}
	if got := testutil.ProcessText(t, fg.pid, foo.Binary); !reflect.DeepEqual(got, patched) || readMaps(t, fg.pid) != maps {
		t.Errorf("unpatch --dry-run changed the code or the maps")
	}
	fg.skip()
	fg.wait(t, "Hello world being patched!\n")
	testutil.CheckUntraced(t, fg.pid)
}
