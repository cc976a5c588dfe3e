package ccwrap

import (
	"os"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/testutil"
)

// patchedEnv is libcare-patch-make's patched stage (the debug filter off,
// as the script exports it).
var patchedEnv = []string{"KPCC_DBGFILTER_ARGS=", "KPCC_APPEND_ARGS=-Wl,-q"}

// TestRefusals builds each case of fixtures/refuse as libcare-patch-make
// does (original stage, the patched file moved in, patched stage) and
// checks the patched compile refuses it with the file and the name of what
// cannot be patched, before any link.
func TestRefusals(t *testing.T) {
	needGensrc(t)
	tests := []struct {
		name    string
		src     string            // compiled as src.c
		replace map[string]string // file -> its patched version
		flags   []string
		want    []string
	}{
		{"too small", "tiny", map[string]string{"tiny.c": "tiny_patched.c"}, []string{"-O2"},
			[]string{"libcare-cc: too small function to patch: hook in tiny.c (1 byte)"}},
		{"changed data", "data", map[string]string{"data.c": "data_patched.c"}, []string{"-g", "-O2"},
			[]string{"FATAL! Variables limit (line", "don't match: data.c: the initial value of limit changed"}},
		{"removed variable", "removed", map[string]string{"removed.c": "removed_patched.c"}, []string{"-O2"},
			[]string{"FATAL! Variable spare was removed or changed? Patch requires adoptation: removed.c: spare is gone"}},
		{"struct layout", "layout", map[string]string{"shape.h": "shape_patched.h"}, []string{"-g", "-O2"},
			[]string{"libcare-cc: layout.c: struct shape changed its layout (size from 8 to 12 bytes, new member height at offset 4, " +
				"member width moved from offset 4 to 8) and the patched function width_of uses it; a struct layout change is not patchable"}},
		{"struct layout g3 dwarf-4", "layout", map[string]string{"shape.h": "shape_patched.h"}, []string{"-g3", "-gdwarf-4", "-O1"},
			[]string{"layout.c: struct shape changed its layout", "width_of uses it"}},
		// libcare-cc's default filter rewrites both assembly files before
		// kpatch_gensrc; the layouts are compared on copies made before.
		{"struct layout default filter", "layout", map[string]string{"shape.h": "shape_patched.h"}, []string{"-ggdb", "-O2"},
			[]string{"layout.c: struct shape changed its layout", "width_of uses it"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tc := newCCTest(t)
			tc.dir = testutil.CopyFixture(t, "refuse")
			args := append(append([]string{}, tt.flags...), "-c", tt.src+".c", "-o", tt.src+".o")
			tc.mustCC("original", []string{"KPCC_DBGFILTER_ARGS="}, args...)
			for file, patched := range tt.replace {
				testutil.WriteFile(t, tc.dir, file, tc.read(patched))
			}
			env := patchedEnv
			if strings.Contains(tt.name, "default filter") {
				env = nil
			}
			r := tc.cc("patched", env, args...)
			if r.code == 0 {
				t.Fatalf("patched compile succeeded, want a refusal\n%s", r.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr: got\n%s\nwant %q", r.stderr, w)
				}
			}
		})
	}
}

// TestLayoutUnchangedPasses: a change next to a struct whose layout stays
// is patched, with -g, and so is a fix that reads another member.
func TestLayoutUnchangedPasses(t *testing.T) {
	needGensrc(t)
	tc := newCCTest(t)
	tc.dir = testutil.CopyFixture(t, "refuse")
	args := []string{"-g", "-O2", "-c", "layout.c", "-o", "layout.o"}
	tc.mustCC("original", []string{"KPCC_DBGFILTER_ARGS="}, args...)
	src := strings.Replace(tc.read("layout.c"), "s->width * 3", "s->kind * 3", 1)
	src = strings.Replace(src, "x * 2", "x * 3", 1)
	testutil.WriteFile(t, tc.dir, "layout.c", src)
	tc.mustCC("patched", patchedEnv, args...)
	s := tc.read(".kpatch_layout.o.s")
	for _, fn := range []string{"width_of", "twice"} {
		if !strings.Contains(s, `.string "`+fn+`.kpatch"`) {
			t.Errorf(".kpatch_layout.o.s: got no patch of %s", fn)
		}
	}
	if _, err := os.Stat(tc.path("layout.o")); err != nil {
		t.Errorf("layout.o: %v", err)
	}
}
