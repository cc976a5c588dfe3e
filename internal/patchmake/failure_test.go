package patchmake_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/testutil"
)

// ccState is what a run must leave alone: where `cc` on PATH leads and the
// mtimes of the link and its target.
type ccState struct {
	target           string
	linkMtime, mtime time.Time
}

func systemCC(t *testing.T) ccState {
	t.Helper()
	target := strings.TrimSpace(sh(t, t.TempDir(), "readlink -f \"$(command -v cc)\""))
	link := strings.TrimSpace(sh(t, t.TempDir(), "command -v cc"))
	li, err := os.Lstat(link)
	if err != nil {
		t.Fatal(err)
	}
	ti, err := os.Stat(target)
	if err != nil {
		t.Fatal(err)
	}
	return ccState{target: target, linkMtime: li.ModTime(), mtime: ti.ModTime()}
}

// TestFailedBuildLeavesSystemAlone: the patched build fails half way (a
// syntax error in the patch); the system cc, and every source, are as
// before, and the error names make's status.
func TestFailedBuildLeavesSystemAlone(t *testing.T) {
	patchMake(t)
	dir := fixture(t, "userguide")
	testutil.WriteFile(t, dir, "broken.patch", "--- foo.c\n+++ foo.c\n@@ -5,3 +5,3 @@\n {\n-\tprintf(\"Hello world!\\n\");\n+\tprintf(\"Hello world!\\n\") syntax error;\n }\n")
	cc := systemCC(t)
	before := snapshot(t, dir)
	r := runPM(t, dir, "broken.patch")
	if r.code != 1 {
		t.Fatalf("got exit %d, want 1\n%s", r.code, r.out)
	}
	if !strings.Contains(r.out, "building of the patched code failed: make exited with status 2") {
		t.Errorf("output does not name make's failure:\n%s", r.out)
	}
	if got := systemCC(t); got != cc {
		t.Errorf("system cc changed: got %+v, want %+v", got, cc)
	}
	sameSnapshot(t, "after failure", snapshot(t, dir), before)
}

// TestHunkRejectRestores: the second of two patches does not apply; the
// first one's change is undone and the error names the hunk.
func TestHunkRejectRestores(t *testing.T) {
	patchMake(t)
	dir := fixture(t, "multi")
	testutil.WriteFile(t, dir, "bad.patch", "--- a/main.c\n+++ b/main.c\n@@ -40,3 +40,3 @@\n x\n-y\n+z\n w\n")
	before := snapshot(t, dir)
	r := runPM(t, dir, "multi.patch", "bad.patch")
	if r.code != 1 {
		t.Fatalf("got exit %d, want 1\n%s", r.code, r.out)
	}
	if want := "bad.patch: hunk #1 of main.c does not apply (at line 40)"; !strings.Contains(r.out, want) {
		t.Errorf("output lacks %q:\n%s", want, r.out)
	}
	sameSnapshot(t, "after failure", snapshot(t, dir), before)
}

// TestSIGTERMStopsBuild sends SIGTERM while the patched build runs a slow
// rule: make and its children stop, exit status 143, and the user's tree
// is as before (the build ran in a copy).
func TestSIGTERMStopsBuild(t *testing.T) {
	dir, pidFile := slowProject(t)
	before := treeHashes(t, dir, true)
	cmd, out, pid := startSlow(t, dir, pidFile)
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("libcare-patch-make did not exit after SIGTERM\n%s", out.String())
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 143 {
		t.Errorf("got %v, want exit status 143\n%s", err, out.String())
	}
	sameHashes(t, "after SIGTERM", treeHashes(t, dir, true), before)
	if !poll(10*time.Second, func() bool { return syscall.Kill(pid, 0) != nil }) {
		syscall.Kill(pid, syscall.SIGKILL)
		t.Errorf("the slow rule's shell %d survived SIGTERM", pid)
	}
}

// slowProject is the user guide project whose patched build sleeps after
// compiling, writing the sleeping shell's pid to the file it returns
// (outside the tree: the build runs in a copy); it does not sleep once
// that file holds a pid.
func slowProject(t *testing.T) (dir, pidFile string) {
	patchMake(t)
	dir = fixture(t, "userguide")
	mk := "all: foo\nfoo: foo.c\n\t$(CC) -o $@ $<\n\tif [ \"$$KPATCH_STAGE\" = patched ] && [ ! -s \"$$SLOW_PID\" ]; then echo $$$$ > $$SLOW_PID; sleep 60; fi\n" +
		"clean:\n\trm -f foo\ninstall: foo\n\tmkdir $(DESTDIR) || :\n\tcp foo $(DESTDIR)\n"
	testutil.WriteFile(t, dir, "makefile", mk)
	sh(t, dir, "diff -up foo.c bar.c > foo.patch || test $? = 1")
	return dir, filepath.Join(t.TempDir(), "slow.pid")
}

// startSlow starts libcare-patch-make in dir and waits until the patched
// build sleeps, with foo.c patched in the copy and not in the tree; it
// returns the sleeping shell's pid.
func startSlow(t *testing.T, dir, pidFile string) (*exec.Cmd, *testutil.Output, int) {
	t.Helper()
	origFoo := mustRead(t, filepath.Join(dir, "foo.c"))
	cmd := exec.Command(patchMake(t), "foo.patch")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SLOW_PID="+pidFile)
	out := &testutil.Output{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	if !poll(60*time.Second, func() bool { return fileExists(pidFile) }) {
		t.Fatalf("the slow rule never started\n%s", out.String())
	}
	pid := readPid(t, pidFile)
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	if mustRead(t, filepath.Join(dir, ".lpmaketmp/work/src/foo.c")) == origFoo {
		t.Fatalf("foo.c is not patched in the copy during the patched build")
	}
	if mustRead(t, filepath.Join(dir, "foo.c")) != origFoo {
		t.Fatalf("foo.c of the tree is patched during the patched build")
	}
	return cmd, out, pid
}

// TestKilledRun: libcare-patch-make dies with SIGKILL mid-build; the tree
// was never written, and the next run works, reusing the original build
// the killed run had finished.
func TestKilledRun(t *testing.T) {
	dir, pidFile := slowProject(t)
	before := treeHashes(t, dir, true)
	cmd, _, pid := startSlow(t, dir, pidFile)
	cmd.Process.Kill()
	cmd.Wait()
	if pgid, err := syscall.Getpgid(pid); err == nil {
		syscall.Kill(-pgid, syscall.SIGKILL) // the orphaned make and its rule
	}
	sameHashes(t, "after SIGKILL", treeHashes(t, dir, true), before)
	r := runPMEnv(t, dir, []string{"SLOW_PID=" + pidFile}, "foo.patch")
	if !strings.Contains(r.out, "REUSING THE ORIGINAL BUILD") {
		t.Errorf("the second run did not reuse the original build:\n%s", r.out)
	}
	wantOnePatch(t, dir, r, "lpmake/foo") // the pid file is there: no sleep this time
	sameHashes(t, "after the second run", treeHashes(t, dir, true), before)
}

// poll calls cond until it is true or the deadline passes.
func poll(d time.Duration, cond func() bool) bool {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return cond()
		case <-tick.C:
		}
	}
	return true
}

func fileExists(p string) bool {
	b, err := os.ReadFile(p)
	return err == nil && len(bytes.TrimSpace(b)) > 0
}

func readPid(t *testing.T, p string) int {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	for _, c := range strings.TrimSpace(string(b)) {
		pid = pid*10 + int(c-'0')
	}
	return pid
}

// TestGensrcRefusal: changing an initialised global is refused by
// kpatch_gensrc inside make; the error repeats its FATAL line.
func TestGensrcRefusal(t *testing.T) {
	patchMake(t)
	dir := fixture(t, "userguide")
	src := strings.Replace(mustRead(t, filepath.Join(dir, "foo.c")), "void print_hello", "int limit = 5;\n\nvoid print_hello", 1)
	testutil.WriteFile(t, dir, "foo.c", src)
	testutil.WriteFile(t, dir, "var.patch", "--- a/foo.c\n+++ b/foo.c\n@@ -3,3 +3,3 @@\n \n-int limit = 5;\n+int limit = 6;\n \n")
	before := snapshot(t, dir)
	r := runPM(t, dir, "var.patch")
	if r.code != 1 {
		t.Fatalf("got exit %d, want 1\n%s", r.code, r.out)
	}
	if want := "kpatch_gensrc refused the change: FATAL! "; !strings.Contains(r.out, want) {
		t.Errorf("output lacks %q:\n%s", want, r.out)
	}
	sameSnapshot(t, "after failure", snapshot(t, dir), before)
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
