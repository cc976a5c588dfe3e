package pipeline

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/testutil"
)

// stackedSeeds are cheap seeds for TestStacked.
var stackedSeeds = []uint64{4, 5, 7}

// TestStacked applies two patches of one program with different ids, each
// made against the original (the second one a superset of the first), and
// checks the output after each step and after unpatching all of them.
func TestStacked(t *testing.T) {
	testutil.MustHaveGCC(t)
	testutil.MustHavePtrace(t)
	list := stackedSeeds
	if *nSeeds > 0 {
		list = seeds()
	}
	for _, seed := range list {
		fs := flagsOf(seed)
		t.Run(fmt.Sprintf("seed%d-%s", seed, fs.name), func(t *testing.T) {
			t.Parallel()
			stacked(t, seed, fs)
		})
	}
}

func stacked(t *testing.T, seed uint64, fs flagSet) {
	p := generate(seed)
	q1 := p.mutate()
	q2 := q1.clone()
	q2.seed = seed + 1<<32
	q2 = q2.mutate()
	q2.muts = q2.muts[len(q1.muts):]
	if q1.libcData || q2.libcData {
		t.Skip("mutation reads a shared library's variable (tested by TestLivePatch)")
	}
	t.Logf("patch 1: %s; patch 2 adds: %s", strings.Join(q1.muts, "; "), strings.Join(q2.muts, "; "))
	dir := t.TempDir()
	var bins []string
	var kps []string
	for i, q := range []*program{q1, q2} {
		sub := filepath.Join(dir, fmt.Sprint(i+1))
		if err := os.Mkdir(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		testutil.WriteFile(t, sub, "orig.c", p.source())
		testutil.WriteFile(t, sub, "patched.c", q.source())
		pb := testutil.BuildManualPatch(t, testutil.ManualOpts{Dir: sub, Orig: "orig.c", Patched: "patched.c",
			CFlags: fs.cflags, LDFlags: fs.ldflags, ID: fmt.Sprintf("stack%d", i+1)})
		testutil.Run(t, sub, "gcc", append(append(append([]string{}, fs.cflags...), "-o", "patched", "patched.c"), fs.ldflags...)...)
		bins = append(bins, pb.Binary)
		kps = append(kps, pb.Kpatch)
	}
	if a, b := testutil.MustBuildID(t, bins[0]), testutil.MustBuildID(t, bins[1]); a != b {
		t.Fatalf("the original built twice has Build-IDs %s and %s, want one", a, b)
	}
	want0 := &expected{bin: bins[0]}
	want1 := &expected{bin: filepath.Join(dir, "1", "patched")}
	want2 := &expected{bin: filepath.Join(dir, "2", "patched")}
	cmd, out := testutil.StartTarget(t, bins[0])
	pid := fmt.Sprint(cmd.Process.Pid)
	checkLines(t, out, 0, 3, want0, "before patching")
	for i, kp := range kps {
		r := testutil.MustCtl(t, "patch", "-p", pid, kp)
		if !strings.Contains(r.Stdout, "successfully applied") {
			t.Fatalf("patch %d: got %q, want a line with %q", i+1, r.Stdout, "successfully applied")
		}
		checkLines(t, out, out.Len(), 3, []*expected{want1, want2}[i], fmt.Sprintf("after patch %d", i+1))
	}
	r := testutil.MustCtl(t, "unpatch", "-p", pid, "-i", "stack2")
	if !strings.Contains(r.Stdout, "successfully cancelled") {
		t.Fatalf("unpatch stack2: got %q, want a line with %q", r.Stdout, "successfully cancelled")
	}
	checkLines(t, out, out.Len(), 3, want1, "after unpatching stack2")
	r = testutil.MustCtl(t, "unpatch", "-p", pid)
	if !strings.Contains(r.Stdout, "successfully cancelled") {
		t.Fatalf("unpatch: got %q, want a line with %q", r.Stdout, "successfully cancelled")
	}
	checkLines(t, out, out.Len(), 3, want0, "after unpatching all")
	testutil.CheckUntraced(t, cmd.Process.Pid)
}
