package patchmake_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/testutil"
)

// TestUserGuide runs the openEuler user guide's script flow verbatim:
// diff -up foo.c bar.c > foo.patch; libcare-patch-make --clean foo.patch.
func TestUserGuide(t *testing.T) {
	patchMake(t)
	dir := fixture(t, "userguide")
	sh(t, dir, "diff -up foo.c bar.c > foo.patch || test $? = 1")
	before := snapshot(t, dir)

	r := runPM(t, dir, "--clean", "foo.patch")
	f := wantOnePatch(t, dir, r, "lpmake/foo")
	if err := fmtBanners(r.out, "BUILDING ORIGINAL CODE", "INSTALLING ORIGINAL OBJECTS INTO "+filepath.Join(dir, "lpmake"),
		"applying foo.patch...", "BUILDING PATCHED CODE", "MAKING PATCHES", "patch for "); err != nil {
		t.Errorf("%v\n%s", err, r.out)
	}
	if n := infoCount(t, f); n != 1 {
		t.Errorf("got %d changed functions, want 1 (print_hello)", n)
	}
	sameSnapshot(t, "after success", snapshot(t, dir), before)
	if _, err := os.Stat(filepath.Join(dir, ".lpmaketmp", "backup")); !os.IsNotExist(err) {
		t.Errorf("backup dir left behind: %v", err)
	}
	if hasSection(t, filepath.Join(dir, "lpmake", "foo"), ".kpatch.text") {
		t.Errorf("original binary has .kpatch.text")
	}
	liveCheck(t, dir, f)
}

// TestMultiFile patches two of three files of a project with a git-style
// a/ b/ diff; one binary, one patch carrying both functions.
func TestMultiFile(t *testing.T) {
	patchMake(t)
	dir := fixture(t, "multi")
	before := snapshot(t, dir)
	r := runPM(t, dir, "-j", "2", "multi.patch")
	f := wantOnePatch(t, dir, r, "lpmake/bin/prog")
	if n := infoCount(t, f); n != 2 {
		t.Errorf("got %d changed functions, want 2 (add, mul)", n)
	}
	sameSnapshot(t, "after success", snapshot(t, dir), before)

	// -u only remakes the patches from the existing builds; -i and -b show up.
	const id = "fix7"
	const bid = "0123456789abcdef0123456789abcdef01234567"
	r = runPM(t, dir, "-u", "-i", id, "-b", bid, "multi.patch")
	if r.code != 0 || strings.Contains(r.out, "BUILDING") {
		t.Fatalf("-u: exit %d, output:\n%s", r.code, r.out)
	}
	kp := filepath.Join(dir, "patchroot", bid+".kpatch")
	if got := r.patches()[filepath.Join(dir, "lpmake/bin/prog")]; got != kp {
		t.Errorf("got patch %q, want %q", got, kp)
	}
	b, err := os.ReadFile(kp)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b[8:16]), id+"\x00") || string(b[88:88+40]) != bid {
		t.Errorf("got id %q buildid %q, want %q %q", b[8:16], b[88:128], id, bid)
	}
}

// TestConfigureProbe builds a project whose makefile compiles and runs a
// conftest.c probe through libcare-cc (it must pass through untouched).
func TestConfigureProbe(t *testing.T) {
	patchMake(t)
	dir := fixture(t, "probe")
	r := runPM(t, dir, "--clean", "prog.patch")
	wantOnePatch(t, dir, r, "lpmake/prog")
	if out := mustRun(t, dir, filepath.Join(dir, "lpmake", "prog")); out != "answer 42\n" {
		t.Errorf("original prog: got %q, want %q (the probe failed under libcare-cc)", out, "answer 42\n")
	}
}

// TestGgdbO2 builds with -ggdb -O2 (debug info kept, optimised code).
func TestGgdbO2(t *testing.T) {
	patchMake(t)
	dir := fixture(t, "o2ggdb")
	before := snapshot(t, dir)
	r := runPM(t, dir, "prog.patch")
	wantOnePatch(t, dir, r, "lpmake/prog")
	sameSnapshot(t, "after success", snapshot(t, dir), before)
}

// TestNoBinaryChanged: a diff that only changes a comment produces no
// patch; the run fails and says why.
func TestNoBinaryChanged(t *testing.T) {
	patchMake(t)
	dir := fixture(t, "userguide")
	testutil.WriteFile(t, dir, "comment.patch", "--- a/foo.c\n+++ b/foo.c\n@@ -1,3 +1,4 @@\n+/* just a comment */\n #include <stdio.h>\n #include <unistd.h>\n \n")
	before := snapshot(t, dir)
	r := runPM(t, dir, "comment.patch")
	if r.code == 0 {
		t.Fatalf("got exit 0, want failure\n%s", r.out)
	}
	if !strings.Contains(r.out, "no patch produced: no binary changed") {
		t.Errorf("output does not say why:\n%s", r.out)
	}
	sameSnapshot(t, "after failure", snapshot(t, dir), before)
}

// TestLayoutOverrides: ./lpmakefile wins over the makefile, -d names the
// install variable, LPMAKE_ORIGINAL_DIR and LPMAKE_PATCHROOT move the
// outputs.
func TestLayoutOverrides(t *testing.T) {
	patchMake(t)
	dir := fixture(t, "userguide")
	mk := strings.ReplaceAll(mustRead(t, filepath.Join(dir, "makefile")), "DESTDIR", "ROOT")
	testutil.WriteFile(t, dir, "lpmakefile", mk)
	testutil.WriteFile(t, dir, "makefile", "all install clean:\n\t@echo wrong makefile; false\n")
	sh(t, dir, "diff -up foo.c bar.c > foo.patch || test $? = 1")
	env := []string{"LPMAKE_ORIGINAL_DIR=" + filepath.Join(dir, "orig"), "LPMAKE_PATCHROOT=" + filepath.Join(dir, "roots")}
	r := runPMEnv(t, dir, env, "-d", "ROOT", "foo.patch")
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s", r.code, r.out)
	}
	orig := filepath.Join(dir, "orig", "foo")
	id := testutil.MustBuildID(t, orig)
	if got, want := r.patches()[orig], filepath.Join(dir, "roots", id+".kpatch"); got != want {
		t.Errorf("got patch %q, want %q\n%s", got, want, r.out)
	}
}

// TestCXX builds C++ through CXX (the g++ link to libcare-cc in the
// private compiler dir picks the C++ driver).
func TestCXX(t *testing.T) {
	patchMake(t)
	if _, err := exec.LookPath("g++"); err != nil {
		t.Skipf("skipping test: g++ unavailable: %v", err)
	}
	dir := fixture(t, "cxx")
	r := runPM(t, dir, "cxx.patch")
	wantOnePatch(t, dir, r, "lpmake/hello")
	if out := mustRun(t, dir, filepath.Join(dir, "lpmake", "hello")); out != "Hello 1\n" {
		t.Errorf("original hello: got %q, want %q", out, "Hello 1\n")
	}
}

// TestSrcDir: -s applies the patches inside SRCDIR while make runs in the
// current directory.
func TestSrcDir(t *testing.T) {
	patchMake(t)
	dir := fixture(t, "userguide")
	sh(t, dir, "mkdir src && mv foo.c bar.c src/ && (cd src && diff -up foo.c bar.c > ../foo.patch || test $? = 1)")
	testutil.WriteFile(t, dir, "makefile", strings.ReplaceAll(mustRead(t, filepath.Join(dir, "makefile")), "foo.c", "src/foo.c"))
	before := snapshot(t, dir)
	r := runPM(t, dir, "-s", "src", "foo.patch")
	wantOnePatch(t, dir, r, "lpmake/foo")
	sameSnapshot(t, "after success", snapshot(t, dir), before)
}
