package patchmake_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/testutil"
)

// deployed builds the plainbuild fixture with plain make and cflags, as
// the user deploys it, moves the binary out of the tree and cleans the
// tree; it returns the tree and the binary.
func deployed(t *testing.T, cflags string) (dir, bin string) {
	t.Helper()
	dir = fixture(t, "plainbuild")
	env := buildEnv(map[string]string{"CFLAGS": cflags})
	plainMake(t, dir, env)
	bin = filepath.Join(t.TempDir(), "foo")
	if err := os.Rename(filepath.Join(dir, "foo"), bin); err != nil {
		t.Fatal(err)
	}
	plainMake(t, dir, env, "clean")
	return dir, bin
}

// TestTargetMismatch: a build whose binary is not the deployed one is
// refused after the original stage and before the diff is applied, with
// both Build-IDs and the cause on the first line; the tree is unchanged.
func TestTargetMismatch(t *testing.T) {
	patchMake(t)
	for _, tt := range []struct {
		name, deployedFlags, buildFlags string
		cause                           []string
	}{
		{"O1 against O2", "-g -O2", "-g -O1", []string{"compile options differ", "-O1", "-O2", ".text (size"}},
		{"g missing", "-g -O2", "-O2", []string{"-g: the target has debug sections", "the build has none"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir, bin := deployed(t, tt.deployedFlags)
			before := treeHashes(t, dir, true)
			r := runPMEnv(t, dir, []string{"CFLAGS=" + tt.buildFlags}, "--target", bin, "greet.patch")
			if r.code == 0 {
				t.Fatalf("libcare-patch-make succeeded, want a refusal:\n%s", r.out)
			}
			if strings.Contains(r.out, "BUILDING PATCHED CODE") || strings.Contains(r.out, "applying ") {
				t.Errorf("got past the Build-ID check:\n%s", r.out)
			}
			first := errorLine(t, r.out)
			want := []string{testutil.MustBuildID(t, bin), bin, "likely cause"}
			if origs := findUnder(t, dir, "lpmake", "foo"); len(origs) == 1 {
				want = append(want, testutil.MustBuildID(t, origs[0]))
			} else {
				t.Errorf("got original-stage binaries %q, want one", origs)
			}
			for _, w := range append(want, tt.cause...) {
				if !strings.Contains(first, w) {
					t.Errorf("first error line lacks %q:\n%s", w, first)
				}
			}
			sameHashes(t, "tree after the refusal", treeHashes(t, dir, true), before)
		})
	}
}

// errorLine is the line of out that starts the refusal.
func errorLine(t *testing.T, out string) string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "does not match the target") {
			return l
		}
	}
	t.Fatalf("no refusal line in the output:\n%s", out)
	return ""
}

// TestTargetPID: --pid of a process started from the plain build makes
// the patch for its executable (and says so in patchroot/<ID>.target),
// and the patch applies to that process.
func TestTargetPID(t *testing.T) {
	patchMake(t)
	testutil.MustHavePtrace(t)
	dir, bin := deployed(t, "-g -O2")
	cmd, out := testutil.StartTarget(t, bin)
	testutil.WaitOutput(t, out, "Hello world!\n", 10*time.Second)
	pid := fmt.Sprint(cmd.Process.Pid)
	r := runPMEnv(t, dir, []string{"CFLAGS=-g -O2"}, "--pid", pid, "greet.patch")
	kp, _ := onePatch(t, dir, r)
	id := testutil.MustBuildID(t, bin)
	if filepath.Base(kp) != id+".kpatch" {
		t.Errorf("got patch %s, want %s.kpatch", kp, id)
	}
	b, err := os.ReadFile(strings.TrimSuffix(kp, ".kpatch") + ".target")
	if err != nil {
		t.Fatal(err)
	}
	if first, _, _ := strings.Cut(string(b), "\n"); first != bin {
		t.Errorf("target file names %q, want %q", first, bin)
	}
	if !strings.Contains(string(b), "from --pid "+pid) {
		t.Errorf("target file %q does not say --pid %s", b, pid)
	}
	testutil.MustCtl(t, "patch", "-p", pid, kp)
	waitAfter(t, out, out.Len(), "Hello world being patched!")
	testutil.MustCtl(t, "unpatch", "-p", pid)
	waitAfter(t, out, out.Len(), "Hello world!")
}
