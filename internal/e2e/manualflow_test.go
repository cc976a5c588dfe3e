package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/testutil"
)

// TestGuideManualFlowVerbatim runs the user guide's manual commands as a
// shell script with the project's tools first on PATH.
func TestGuideManualFlowVerbatim(t *testing.T) {
	testutil.MustHaveGCC(t)
	for _, tool := range []string{"kpatch_gensrc", "kpatch_strip", "kpatch_make"} {
		testutil.Tool(t, tool)
	}
	dir := testutil.CopyFixture(t, "guide")
	script, err := os.ReadFile(filepath.Join(dir, "manual.sh"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := "set -e; export PATH=" + testutil.ToolDir() + ":$PATH\n" + strings.ReplaceAll(string(script), " ; ", " && ")
	testutil.Run(t, dir, "bash", "-c", cmd)
	checkKpatch(t, filepath.Join(dir, "foo.kpatch"), filepath.Join(dir, "foo"), "0001", []string{"print_hello.kpatch"})
}

func TestManualFlowVariants(t *testing.T) {
	noinline := func(s string) string {
		return strings.Replace(s, "void print_hello(void)", "__attribute__((noinline)) void print_hello(void)", 1)
	}
	for _, tc := range []struct {
		name    string
		fixture string
		orig    string
		patched string
		cflags  []string
		edit    func(string) string
		want    []string
	}{
		{name: "O0", fixture: "guide", orig: "foo.c", patched: "bar.c", want: []string{"print_hello.kpatch"}},
		{name: "O2 noinline", fixture: "guide", orig: "foo.c", patched: "bar.c", cflags: []string{"-O2"},
			edit: noinline, want: []string{"print_hello.kpatch"}},
		{name: "O2 main in text.startup", fixture: "guide", orig: "foo.c", patched: "bar.c", cflags: []string{"-O2"},
			want: []string{"print_hello.kpatch", "main.kpatch"}},
		{name: "function sections", fixture: "guide", orig: "foo.c", patched: "bar.c",
			cflags: []string{"-ffunction-sections"}, want: []string{"print_hello.kpatch"}},
		{name: "no pie", fixture: "guide", orig: "foo.c", patched: "bar.c",
			cflags: []string{"-fno-pie", "-no-pie"}, want: []string{"print_hello.kpatch"}},
		{name: "new function and variable", fixture: "newfuncvar", orig: "orig.c", patched: "patched.c",
			want: []string{"tick.kpatch", "bump"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := testutil.CopyFixture(t, tc.fixture)
			if tc.edit != nil {
				for _, f := range []string{tc.orig, tc.patched} {
					p := filepath.Join(dir, f)
					b, err := os.ReadFile(p)
					if err != nil {
						t.Fatal(err)
					}
					testutil.WriteFile(t, dir, f, tc.edit(string(b)))
				}
			}
			pb := testutil.BuildManualPatch(t, testutil.ManualOpts{Dir: dir, Orig: tc.orig, Patched: tc.patched, CFlags: tc.cflags})
			checkKpatch(t, pb.Kpatch, pb.Binary, "0001", tc.want)
		})
	}
}
