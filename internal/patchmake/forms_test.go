package patchmake

import (
	"flag"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/golibcare/golibcare/internal/testutil"
)

var update = flag.Bool("update", false, "rewrite fixtures/patchmake/forms/*/want with patch(1)'s result")

// formsDir holds one directory per diff form: tree/ (the sources), the
// patches and a quilt series file naming them (series or patches/series),
// gnu-args (extra patch(1) options, optional) and want/ (patch(1)'s result).
const formsDir = "patchmake/forms"

var patchErr = sync.OnceValue(func() error {
	_, err := exec.LookPath("patch")
	return err
})

// havePatch reports whether patch(1) is there to compare with; under CI it
// must be (scripts/deps.sh installs it).
func havePatch(t *testing.T) bool {
	t.Helper()
	err := patchErr()
	if err != nil && testutil.InCI() {
		t.Fatalf("patch(1) unavailable under CI: %v", err)
	}
	return err == nil
}

// TestForms applies every form with Apply and with patch(1), and checks
// that the results are the same bytes (and exec bits, and directories), that
// they match want/, that Check lists exactly the files that changed, and
// that Restore brings the tree back.
func TestForms(t *testing.T) {
	root := filepath.Join(testutil.RepoRoot(t), "fixtures", formsDir)
	ents, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		n++
		t.Run(e.Name(), func(t *testing.T) { testForm(t, filepath.Join(root, e.Name())) })
	}
	if n < 10 {
		t.Fatalf("got %d forms in %s, want at least 10", n, root)
	}
}

func testForm(t *testing.T, dir string) {
	name := filepath.Base(dir)
	series := FindSeries(dir)
	entries, err := ReadSeries(series)
	if err != nil {
		t.Fatal(err)
	}
	patches, err := ReadSeriesPatches(entries)
	if err != nil {
		t.Fatal(err)
	}
	orig := testutil.CopyFixture(t, filepath.Join(formsDir, name, "tree"))
	before := treeState(t, orig)
	touched, err := CheckSeries(orig, patches)
	if err != nil {
		t.Fatalf("CheckSeries: %v", err)
	}
	sameState(t, "after Check, the tree", treeState(t, orig), before)

	ours := testutil.CopyFixture(t, filepath.Join(formsDir, name, "tree"))
	src := NewSources(filepath.Join(t.TempDir(), "backup"))
	for _, p := range patches {
		if err := p.Apply(ours, src, io.Discard); err != nil {
			t.Fatalf("Apply %s: %v", p.Name, err)
		}
	}
	got := treeState(t, ours)
	if havePatch(t) {
		theirs := gnuPatch(t, dir, entries)
		sameState(t, "against patch(1)", got, treeState(t, theirs))
		if *update {
			writeWant(t, dir, theirs)
		}
	}
	want := treeState(t, testutil.CopyFixture(t, filepath.Join(formsDir, name, "want")))
	sameState(t, "against want/", execBitsOnly(got), execBitsOnly(want))
	if got, want := sortedCopy(touched), changedFiles(before, got); !slices.Equal(got, want) {
		t.Errorf("Check touches %q, want %q", got, want)
	}
	if err := src.Restore(); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	sameState(t, "after Restore", treeState(t, ours), before)
}

// gnuPatch applies the series with patch(1) to a fresh copy of the tree.
func gnuPatch(t *testing.T, dir string, entries []SeriesEntry) string {
	t.Helper()
	theirs := testutil.CopyFixture(t, filepath.Join(formsDir, filepath.Base(dir), "tree"))
	extra, _ := os.ReadFile(filepath.Join(dir, "gnu-args"))
	for _, e := range entries {
		args := []string{"-s", "-f", "--no-backup-if-mismatch", "-p1"}
		if e.Strip >= 0 {
			args = append(args, "-p"+itoa(e.Strip))
		}
		if e.Reverse {
			args = append(args, "-R")
		}
		args = append(args, strings.Fields(string(extra))...)
		args = append(args, "-i", e.Path)
		cmd := exec.Command("patch", args...)
		cmd.Dir = theirs
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("patch %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	return theirs
}

// treeState maps every path under dir to its kind, exec bit and content.
func treeState(t *testing.T, dir string) map[string]string {
	t.Helper()
	st := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			st[rel+"/"] = "dir"
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		st[rel] = fi.Mode().Perm().String() + "\n" + string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// execBitsOnly keeps of each mode only what git stores, the owner's exec
// bit (want/ is a git checkout).
func execBitsOnly(st map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range st {
		if perm, content, ok := strings.Cut(v, "\n"); ok {
			exec := "-"
			if perm[3] == 'x' {
				exec = "x"
			}
			v = exec + "\n" + content
		}
		out[k] = v
	}
	return out
}

func sameState(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if g, ok := got[k]; !ok {
			t.Errorf("%s: %s missing", what, k)
		} else if g != v {
			t.Errorf("%s: %s differs:\ngot  %q\nwant %q", what, k, g, v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: unexpected %s", what, k)
		}
	}
}

// changedFiles lists the files whose state differs between two trees.
func changedFiles(before, after map[string]string) []string {
	var out []string
	for k, v := range before {
		if !strings.HasSuffix(k, "/") && after[k] != v {
			out = append(out, k)
		}
	}
	for k := range after {
		if _, ok := before[k]; !ok && !strings.HasSuffix(k, "/") {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func sortedCopy(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// writeWant replaces dir/want with the tree in from.
func writeWant(t *testing.T, dir, from string) {
	t.Helper()
	want := filepath.Join(dir, "want")
	if err := os.RemoveAll(want); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", "-a", from, want).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v\n%s", err, out)
	}
}
