package patchmake_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/testutil"
)

// treeHashes maps every entry under dir (slash path) to its type, mode and
// content hash, skipping lpmake/, patchroot/ and .lpmaketmp/ at the top
// when outputs is true (the default output directory is the tree).
func treeHashes(t *testing.T, dir string, outputs bool) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		if outputs && (rel == "lpmake" || rel == "patchroot" || rel == ".lpmaketmp") {
			return filepath.SkipDir
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case fi.IsDir():
			m[rel] = fmt.Sprintf("dir %o", fi.Mode().Perm())
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			m[rel] = "link " + target
			return err
		default:
			b, err := os.ReadFile(p)
			sum := sha256.Sum256(b)
			m[rel] = fmt.Sprintf("file %o %s", fi.Mode().Perm(), hex.EncodeToString(sum[:]))
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// sameHashes fails for every entry added, removed or changed.
func sameHashes(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if g, ok := got[k]; !ok {
			t.Errorf("%s: %s was removed", what, k)
		} else if g != v {
			t.Errorf("%s: %s changed: got %s, want %s", what, k, g, v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: %s was added", what, k)
		}
	}
}

// plainBuild copies fixture name and builds it the way a user would
// without libcare (script runs in the copy); it returns the copy.
func plainBuild(t *testing.T, name, script string) string {
	t.Helper()
	dir := fixture(t, name)
	sh(t, dir, script)
	return dir
}

// live starts bin (a plain build's binary), waits for its unpatched line,
// applies the patch kp with libcare-ctl, waits for fixed, unpatches and
// waits for unpatched again: the whole user-guide cycle on a real process.
func live(t *testing.T, bin, kp, unpatched, fixed string) {
	t.Helper()
	testutil.MustHavePtrace(t)
	if got, want := kpatchBuildID(t, kp), testutil.MustBuildID(t, bin); got != want {
		// Where this fails with -g builds, libcare-cc's original stage is
		// not yet the user's build bit for bit.
		t.Fatalf("patch %s is for Build-ID %s, the plain build %s has %s", kp, got, bin, want)
	}
	cmd, out := testutil.StartTarget(t, bin)
	testutil.WaitOutput(t, out, unpatched+"\n", 10*time.Second)
	pid := fmt.Sprint(cmd.Process.Pid)
	testutil.MustCtl(t, "patch", "-p", pid, kp)
	waitAfter(t, out, out.Len(), fixed)
	testutil.MustCtl(t, "unpatch", "-p", pid)
	waitAfter(t, out, out.Len(), unpatched)
	testutil.CheckUntraced(t, cmd.Process.Pid)
}

// waitAfter waits until the output past mark holds line.
func waitAfter(t *testing.T, out *testutil.Output, mark int, line string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if s := out.String(); strings.Contains(s[mark:], line+"\n") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("got output %q, want %q after byte %d", out.String(), line, mark)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func kpatchBuildID(t *testing.T, kp string) string {
	t.Helper()
	b, err := os.ReadFile(kp)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 128 {
		t.Fatalf("%s: %d bytes, too short for a header", kp, len(b))
	}
	return strings.TrimRight(string(b[88:128]), "\x00")
}

// onlyPatch checks a successful run made exactly one patch for orig
// (relative to out) and returns the patch's path.
func onlyPatch(t *testing.T, r result, out, orig string) string {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("libcare-patch-make exited %d:\n%s", r.code, r.out)
	}
	got := r.patches()
	kp, ok := got[filepath.Join(out, orig)]
	if !ok || len(got) != 1 {
		t.Fatalf("got patches %v, want one for %s\n%s", got, filepath.Join(out, orig), r.out)
	}
	return kp
}

// countingCC writes a compiler wrapper that logs every call to the real
// gcc and returns its path and the log's; KPCCREAL names it.
func countingCC(t *testing.T) (cc, log string) {
	t.Helper()
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	log = filepath.Join(dir, "cc.log")
	cc = testutil.WriteFile(t, dir, "countcc", "#!/bin/sh\necho \"$*\" >> "+log+"\nexec "+gcc+" \"$@\"\n")
	if err := os.Chmod(cc, 0o755); err != nil {
		t.Fatal(err)
	}
	return cc, log
}

// compiles returns the compiles of a C source (-c or -S; the original
// stage compiles to objects, the patched one to assembly) logged since the
// log was last truncated, and truncates it.
func compiles(t *testing.T, log string) []string {
	t.Helper()
	b, err := os.ReadFile(log)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if isCompile(strings.Fields(l)) {
			out = append(out, l)
		}
	}
	if err := os.WriteFile(log, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// isCompile reports whether argv compiles a C source (to an object or to
// assembly); links and assembler runs are not compiles.
func isCompile(argv []string) bool {
	var stop, source bool
	for _, a := range argv {
		stop = stop || a == "-c" || a == "-S"
		source = source || strings.HasSuffix(a, ".c")
	}
	return stop && source
}
