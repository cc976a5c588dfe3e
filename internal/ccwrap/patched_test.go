package ccwrap

import (
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/golibcare/golibcare/internal/testutil"
)

// buildGensrc builds kpatch_gensrc once, failure included.
var buildGensrc = sync.OnceValues(func() (string, error) { return testutil.TryTool("kpatch_gensrc") })

// needGensrc builds kpatch_gensrc next to libcare-cc (so the KPATCH_PATH
// default finds it), skipping the test only when it does not build.
func needGensrc(t *testing.T) string {
	t.Helper()
	p, err := buildGensrc()
	if err != nil {
		if testutil.InCI() {
			t.Fatalf("kpatch_gensrc does not build: %v", err)
		}
		t.Skipf("skipping test: ./cmd/kpatch_gensrc does not build yet: %v", err)
	}
	return p
}

// patchFoo replaces foo.c by its patched version, as libcare-patch-make
// does between the stages.
func (tc *ccTest) patchFoo() {
	tc.t.Helper()
	b, err := os.ReadFile(tc.path("foo_patched.c"))
	if err != nil {
		tc.t.Fatal(err)
	}
	if err := os.WriteFile(tc.path("foo.c"), b, 0o644); err != nil {
		tc.t.Fatal(err)
	}
}

// original is the environment of libcare-patch-make's original stage.
var original = []string{"KPCC_DBGFILTER_ARGS="}

func TestPatchedCompile(t *testing.T) {
	tc := newCCTest(t)
	needGensrc(t)
	tc.mustCC("original", original, "-c", "foo.c", "-o", "foo.o")
	tc.patchFoo()
	tc.mustCC("patched", nil, "-c", "foo.c", "-o", "foo.o")
	tc.mustExist(".kpatch_foo.o.original.s", ".kpatch_foo.o.patched.s", ".kpatch_foo.o.s")
	s := tc.read(".kpatch_foo.o.s")
	if !strings.Contains(s, "kpatch begin") || !strings.Contains(s, "foo.kpatch") {
		t.Errorf(".kpatch_foo.o.s: got no kpatch begin / foo.kpatch in\n%s", s)
	}
	secs := tc.sections("foo.o")
	for _, want := range []string{".kpatch.text", ".kpatch.info", ".kpatch.strtab"} {
		if !secs[want] {
			t.Errorf("foo.o: got no %s section, want one", want)
		}
	}
}

func TestPatchedNewFile(t *testing.T) {
	tc := newCCTest(t)
	needGensrc(t)
	tc.mustCC("patched", nil, "-c", "sub/bar.c", "-o", "sub/bar.o")
	if !tc.sections("sub/bar.o")[".kpatch.text"] {
		t.Errorf("sub/bar.o: got no .kpatch.text, want the whole file as new code")
	}
}

func TestPatchedAsmOutput(t *testing.T) {
	tc := newCCTest(t)
	needGensrc(t)
	tc.mustCC("original", original, "-S", "foo.c")
	tc.patchFoo()
	tc.mustCC("patched", nil, "-S", "foo.c")
	if got, want := tc.read("foo.s"), tc.read(".kpatch_foo.s.s"); got != want {
		t.Errorf("foo.s: got a copy of something other than .kpatch_foo.s.s")
	}
}

// TestPatchedLink builds like libcare-patch-make: objects in both stages,
// then a link of objects only with KPCC_APPEND_ARGS=-Wl,-q, which must
// keep the relocations; the program still runs the original code.
func TestPatchedLink(t *testing.T) {
	tc := newCCTest(t)
	needGensrc(t)
	for _, src := range []string{"main", "foo", "sub/bar"} {
		tc.mustCC("original", original, "-D", mainName, "-c", src+".c", "-o", src+".o")
	}
	tc.patchFoo()
	patched := []string{"KPCC_APPEND_ARGS=-Wl,-q"}
	tc.mustCC("patched", patched, "-c", "foo.c", "-o", "foo.o")
	tc.mustCC("patched", patched, "-o", "prog", "main.o", "foo.o", "sub/bar.o")
	secs := tc.sections("prog")
	for _, want := range []string{".rela.text", ".kpatch.text"} {
		if !secs[want] {
			t.Errorf("prog: got no %s section, want one", want)
		}
	}
	tc.mustCC("patched", nil, "-o", "prog0", "main.o", "foo.o", "sub/bar.o")
	if tc.sections("prog0")[".rela.text"] {
		t.Errorf("prog0: got .rela.text without KPCC_APPEND_ARGS, want none")
	}
	out, err := exec.Command(tc.path("prog")).Output()
	if want := "main: foo(1)=2 counter=2\nbar=42\n"; err != nil || string(out) != want {
		t.Errorf("prog: got %q, %v, want %q (original code untouched)", out, err, want)
	}
}

func TestPatchedGensrcFailure(t *testing.T) {
	tc := newCCTest(t)
	gensrc := needGensrc(t)
	tc.mustCC("original", original, "-c", "foo.c")
	tc.patchFoo()
	bad := []string{"KPCC_DBGFILTER_ARGS=", "KPCC_PATCH_ARGS=--no-such-option"}
	r := tc.cc("patched", bad, "-c", "foo.c")
	want := tc.command(gensrc, nil, "--no-such-option", "-i", "a", "-i", "b", "-o", "c")
	if r.code == 0 || r.code != want.code {
		t.Errorf("exit status: got %d, want kpatch_gensrc's %d (non-zero)\n%s", r.code, want.code, r.stderr)
	}
}
