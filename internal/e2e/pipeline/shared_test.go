package pipeline

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/testutil"
)

// sharedSeeds are cheap seeds for TestSharedLib; 55 adds a global
// variable, which -fPIC code reads through the GOT; 11 is -fno-plt.
var sharedSeeds = []uint64{1, 2, 11, 55}

// TestSharedLib builds each generated program as a shared library (main
// becomes lib_main, called by a tiny program), patches the library in the
// running process and compares the output with the patched program's.
func TestSharedLib(t *testing.T) {
	testutil.MustHaveGCC(t)
	testutil.MustHavePtrace(t)
	list := sharedSeeds
	if *nSeeds > 0 {
		list = seeds()
	}
	for _, seed := range list {
		fs := flagsOf(seed)
		t.Run(fmt.Sprintf("seed%d-%s", seed, fs.name), func(t *testing.T) {
			t.Parallel()
			sharedLib(t, seed, fs)
		})
	}
}

// libFlags drops the executable-only options of a flag set; TLS in a
// library uses the initial-exec model (general-dynamic is refused).
func libFlags(fs flagSet) []string {
	out := []string{"-ftls-model=initial-exec"}
	for _, f := range fs.cflags {
		if f != "-fno-pie" {
			out = append(out, f)
		}
	}
	return slices.Compact(out)
}

func sharedLib(t *testing.T, seed uint64, fs flagSet) {
	p := generate(seed)
	q := p.mutate()
	t.Logf("mutations: %s", strings.Join(q.muts, "; "))
	dir := t.TempDir()
	toLib := func(s string) string {
		return strings.Replace(s, "int main(int argc, char **argv)", "int lib_main(int argc, char **argv)", 1)
	}
	testutil.WriteFile(t, dir, "lib.c", toLib(p.source()))
	testutil.WriteFile(t, dir, "libpatched.c", toLib(q.source()))
	testutil.WriteFile(t, dir, "orig.c", p.source())
	testutil.WriteFile(t, dir, "patched.c", q.source())
	testutil.WriteFile(t, dir, "main.c", "int lib_main(int argc, char **argv);\nint main(int argc, char **argv)\n{\n\treturn lib_main(argc, argv);\n}\n")
	cflags := libFlags(fs)
	pb := testutil.BuildManualPatch(t, testutil.ManualOpts{Dir: dir, Orig: "lib.c", Patched: "libpatched.c",
		CFlags: cflags, Shared: true, Out: "prog"})
	checkLayout(t, pb.Binary, pb.Binary+".patched")
	testutil.Run(t, dir, "gcc", "-o", "main", "main.c", "-L.", "-lprog", "-Wl,-rpath,"+dir)
	for _, v := range []string{"orig", "patched"} {
		testutil.Run(t, dir, "gcc", append(append([]string{}, fs.cflags...), append([]string{"-o", v, v + ".c"}, fs.ldflags...)...)...)
	}
	want0 := &expected{bin: filepath.Join(dir, "orig")}
	want1 := &expected{bin: filepath.Join(dir, "patched")}
	cmd, out := testutil.StartTarget(t, filepath.Join(dir, "main"))
	pid := fmt.Sprint(cmd.Process.Pid)
	checkLines(t, out, 0, 3, want0, "before patching")
	patchCycle(t, out, pid, pb.Kpatch, want0, want1)
	testutil.CheckUntraced(t, cmd.Process.Pid)
}
