package patchmake_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/golibcare/golibcare/internal/testutil"
)

// gitInit makes dir a git repository with every file committed and
// returns it, that commit and a function that commits every file again.
func gitInit(t *testing.T, dir string) (*git.Repository, string, func(msg string) string) {
	t.Helper()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	commit := func(msg string) string {
		if err := wt.AddGlob("."); err != nil {
			t.Fatal(err)
		}
		sig := &object.Signature{Name: "t", Email: "t@example.com", When: time.Unix(1700000000, 0)}
		h, err := wt.Commit(msg, &git.CommitOptions{Author: sig})
		if err != nil {
			t.Fatal(err)
		}
		return h.String()
	}
	return repo, commit("original"), commit
}

// gitStatus is `git status --porcelain` of the repository, by go-git.
func gitStatus(t *testing.T, repo *git.Repository) string {
	t.Helper()
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	st, err := wt.Status()
	if err != nil {
		t.Fatal(err)
	}
	if st.IsClean() {
		return ""
	}
	return st.String()
}

// TestTreeUntouched: in a git checkout, with the output outside it, a
// diff run and a --git run leave every file byte for byte (and git
// status clean); with the default output directory, only lpmake/ and
// patchroot/ appear (.lpmaketmp/ ignores itself).
func TestTreeUntouched(t *testing.T) {
	patchMake(t)
	dir := fixture(t, "rerun")
	repo, base, commit := gitInit(t, dir)
	before := treeHashes(t, dir, false)

	out := t.TempDir()
	r := runPM(t, dir, "-o", out, "fix1.patch")
	onlyTwo(t, r)
	sameHashes(t, "after a diff run", treeHashes(t, dir, false), before)
	if st := gitStatus(t, repo); st != "" {
		t.Errorf("git status after a diff run:\n%s", st)
	}

	fixed, err := os.ReadFile(filepath.Join(testutil.RepoRoot(t), "fixtures/patchmake/rerun/msg.c"))
	if err != nil {
		t.Fatal(err)
	}
	testutil.WriteFile(t, dir, "msg.c", strings.Replace(string(fixed), "unpatched", "fix one", 1))
	commit("fix one")
	testutil.WriteFile(t, dir, "msg.c", string(fixed))
	commit("back")
	before = treeHashes(t, dir, false)
	r = runPM(t, dir, "-o", t.TempDir(), "--git", base+"..HEAD~1")
	onlyTwo(t, r)
	sameHashes(t, "after a --git run", treeHashes(t, dir, false), before)
	if st := gitStatus(t, repo); st != "" {
		t.Errorf("git status after a --git run:\n%s", st)
	}

	r = runPM(t, dir, "fix1.patch")
	onlyTwo(t, r)
	sameHashes(t, "after a run into the tree", treeHashes(t, dir, true), before)
	if st := gitStatus(t, repo); !onlyOutputs(st) {
		t.Errorf("git status after a run into the tree: got\n%s\nwant only lpmake/ and patchroot/", st)
	}
}

// onlyTwo checks a run made the two patches of the rerun fixture.
func onlyTwo(t *testing.T, r result) {
	t.Helper()
	if r.code != 0 || len(r.patches()) != 2 {
		t.Fatalf("exit %d, patches %v, want 2:\n%s", r.code, r.patches(), r.out)
	}
}

// onlyOutputs reports whether every line of a status is an untracked
// file under lpmake/ or patchroot/.
func onlyOutputs(st string) bool {
	for _, l := range strings.Split(strings.TrimSpace(st), "\n") {
		l = strings.TrimSpace(l)
		if !strings.HasPrefix(l, "?? lpmake/") && !strings.HasPrefix(l, "?? patchroot/") {
			return false
		}
	}
	return true
}

// TestSecondFix: two runs in one tree and output directory with two
// fixes of one function; a process of the plain build shows the second
// fix, not the first. The install rule renames an existing binary to
// .old (as nginx's does): installs are fresh, so no .old shows up and no
// stale patched binary is paired with the original.
func TestSecondFix(t *testing.T) {
	patchMake(t)
	plain := plainBuild(t, "rerun", "make >/dev/null")
	dir := fixture(t, "rerun")
	onlyTwo(t, runPM(t, dir, "fix1.patch"))
	r := runPM(t, dir, "fix2.patch")
	onlyTwo(t, r)
	for _, d := range []string{"lpmake/bin", ".lpmaketmp/patched/bin"} {
		if _, err := os.Stat(filepath.Join(dir, d, "hello.old")); !os.IsNotExist(err) {
			t.Errorf("%s/hello.old exists (%v): an install saw an earlier run's binary", d, err)
		}
	}
	kp := r.patches()[filepath.Join(dir, "lpmake/bin/hello")]
	live(t, filepath.Join(plain, "hello"), kp, "unpatched / old state", "fix two / old state")
}

// TestTwoOutputsOneTarget: with -b, both changed binaries would write the
// same patch file; the run fails naming both and writes neither.
func TestTwoOutputsOneTarget(t *testing.T) {
	patchMake(t)
	dir := fixture(t, "rerun")
	const bid = "0123456789abcdef0123456789abcdef01234567"
	r := runPM(t, dir, "-b", bid, "fix1.patch")
	if r.code == 0 {
		t.Fatalf("got exit 0, want a failure:\n%s", r.out)
	}
	for _, want := range []string{filepath.Join(dir, "lpmake/bin/hello"), filepath.Join(dir, "lpmake/bin/tool"),
		"both make the patch " + filepath.Join(dir, "patchroot", bid+".kpatch")} {
		if !strings.Contains(r.out, want) {
			t.Errorf("output lacks %q:\n%s", want, r.out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "patchroot", bid+".kpatch")); !os.IsNotExist(err) {
		t.Errorf("the patch file was written (%v)", err)
	}
}

// TestReuse: a second run against the same tree with another diff
// compiles only the translation unit that diff touches (counted by a
// compiler wrapper) and its patch applies to a process of the plain
// build; --no-cache compiles everything again.
func TestReuse(t *testing.T) {
	patchMake(t)
	cc, log := countingCC(t)
	env := []string{"KPCCREAL=" + cc}
	plain := plainBuild(t, "rerun", "make >/dev/null")
	dir := fixture(t, "rerun")
	out := t.TempDir()
	run := func(args ...string) result {
		return runPMEnv(t, dir, env, append([]string{"-o", out}, args...)...)
	}
	r := run("-v", "fix1.patch")
	onlyTwo(t, r)
	if got := compiles(t, log); len(got) != 5 {
		t.Errorf("first run: got %d compiles, want 5 (4 units, msg.c patched):\n%s", len(got), strings.Join(got, "\n"))
	}
	// msg.c's patched compile ran beside its original one, not after.
	if !strings.Contains(r.out, "reusing .kpatch_msg.o.patched.s.spec (speculative compile)") {
		t.Errorf("the patched stage did not reuse the speculative compile of msg.c:\n%s", r.out)
	}

	r = run("state.patch")
	kp := onlyPatch(t, r, out, "lpmake/bin/hello")
	if got := compiles(t, log); len(got) != 1 || !strings.Contains(got[0], "state.c") {
		t.Errorf("second run: got compiles %q, want only state.c's", got)
	}
	if !strings.Contains(r.out, "REUSING THE ORIGINAL BUILD") {
		t.Errorf("second run does not say it reuses the original build:\n%s", r.out)
	}
	live(t, filepath.Join(plain, "hello"), kp, "unpatched / old state", "unpatched / new state")

	onlyPatch(t, run("--no-cache", "state.patch"), out, "lpmake/bin/hello")
	if got := compiles(t, log); len(got) != 5 {
		t.Errorf("--no-cache: got %d compiles, want 5:\n%s", len(got), strings.Join(got, "\n"))
	}
}

// TestHunkRefusedFirst: a hunk that does not apply stops the run before
// anything is compiled, naming the file and the hunk.
func TestHunkRefusedFirst(t *testing.T) {
	patchMake(t)
	cc, log := countingCC(t)
	dir := fixture(t, "rerun")
	testutil.WriteFile(t, dir, "bad.patch", "--- a/state.c\n+++ b/state.c\n@@ -2,3 +2,3 @@\n {\n-\treturn \"no such state\";\n+\treturn \"new state\";\n }\n")
	out := t.TempDir()
	r := runPMEnv(t, dir, []string{"KPCCREAL=" + cc}, "-o", out, "fix1.patch", "bad.patch")
	if r.code != 1 {
		t.Fatalf("got exit %d, want 1:\n%s", r.code, r.out)
	}
	if want := "bad.patch: hunk #1 of state.c does not apply (at line 2)"; !strings.Contains(r.out, want) {
		t.Errorf("output lacks %q:\n%s", want, r.out)
	}
	if got := compiles(t, log); len(got) != 0 {
		t.Errorf("got compiles before the refusal: %q", got)
	}
	filepath.Walk(out, func(p string, fi os.FileInfo, err error) error {
		if err == nil && strings.HasSuffix(p, ".o") {
			t.Errorf("an object was built before the refusal: %s", p)
		}
		return nil
	})
}

// TestRefusedDirs: the run will not empty a foreign directory named by
// LPMAKE_ORIGINAL_DIR, and -s must stay inside the tree it copies.
func TestRefusedDirs(t *testing.T) {
	patchMake(t)
	dir := fixture(t, "rerun")
	foreign := t.TempDir()
	testutil.WriteFile(t, foreign, "keep.txt", "user data\n")
	r := runPMEnv(t, dir, []string{"LPMAKE_ORIGINAL_DIR=" + foreign}, "-o", t.TempDir(), "fix1.patch")
	if r.code == 0 || !strings.Contains(r.out, "will not empty "+foreign) {
		t.Errorf("got exit %d, want a refusal to empty %s:\n%s", r.code, foreign, r.out)
	}
	if got := mustRead(t, filepath.Join(foreign, "keep.txt")); got != "user data\n" {
		t.Errorf("keep.txt: got %q", got)
	}
	r = runPM(t, dir, "-s", "..", "fix1.patch")
	if r.code == 0 || !strings.Contains(r.out, "is outside the tree") {
		t.Errorf("-s ..: got exit %d, want a refusal:\n%s", r.code, r.out)
	}
}
