package patchmake_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/golibcare/golibcare/internal/kpatch"
	"github.com/golibcare/golibcare/internal/testutil"
)

// liveCheck patches a running lpmake/foo with the produced patch through
// libcare-ctl, when libcare-ctl builds: the user guide's last step.
func liveCheck(t *testing.T, dir string, f *kpatch.File) {
	t.Run("live", func(t *testing.T) {
		ctl, err := testutil.TryTool("libcare-ctl")
		if err != nil {
			t.Skipf("skipping: libcare-ctl does not build yet: %v", firstLine(err.Error()))
		}
		testutil.MustHavePtrace(t)
		cmd, out := testutil.StartTarget(t, filepath.Join(dir, "lpmake", "foo"))
		testutil.WaitOutput(t, out, "Hello world!", 10*time.Second)
		kp := filepath.Join(dir, "patchroot", f.Header.BuildIDString()+".kpatch")
		res, err := testutil.RunErr(dir, ctl, "patch", "-p", itoa(cmd.Process.Pid), kp)
		if err != nil {
			t.Fatalf("libcare-ctl patch: %v\n%s", err, res)
		}
		testutil.WaitOutput(t, out, "Hello world being patched!", 10*time.Second)
	})
}

func itoa(i int) string {
	s := ""
	for ; i > 0; i /= 10 {
		s = string(rune('0'+i%10)) + s
	}
	return s
}

// TestGitRange makes a repository with go-git (two commits) and builds the
// patch from the range, from outside the repository: the checkout is left
// exactly as it was.
func TestGitRange(t *testing.T) {
	patchMake(t)
	repoDir := fixture(t, "userguide")
	repo, err := git.PlainInit(repoDir, false)
	if err != nil {
		t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	commit := func(msg string) string {
		for _, f := range []string{"foo.c", "makefile"} {
			if _, err := wt.Add(f); err != nil {
				t.Fatal(err)
			}
		}
		sig := &object.Signature{Name: "t", Email: "t@example.com", When: time.Unix(1700000000, 0)}
		h, err := wt.Commit(msg, &git.CommitOptions{Author: sig})
		if err != nil {
			t.Fatal(err)
		}
		return h.String()
	}
	a := commit("original")
	bar, err := os.ReadFile(filepath.Join(repoDir, "bar.c"))
	if err != nil {
		t.Fatal(err)
	}
	testutil.WriteFile(t, repoDir, "foo.c", string(bar))
	b := commit("patched")
	before := snapshot(t, repoDir)

	for _, tt := range []struct{ name, rng string }{{"A..B", a + ".." + b}, {"B", "HEAD"}} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			r := runPM(t, dir, "--git", tt.rng, repoDir)
			wantOnePatch(t, dir, r, "lpmake/foo")
			if !strings.Contains(r.out, "applying "+a[:12]+".."+b[:12]+"...") {
				t.Errorf("no applying banner for the range:\n%s", r.out)
			}
			sameSnapshot(t, "repository", snapshot(t, repoDir), before)
		})
	}
}
