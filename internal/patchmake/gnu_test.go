package patchmake

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/testutil"
)

// TestLikePatch applies small diffs in the corners of patch(1)'s reading
// with Apply and, when it is installed, with patch(1), and wants the same
// tree from both; want is the tree patch(1) leaves (checked always).
func TestLikePatch(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		diff  string
		args  string // patch(1) options besides -p1
		want  map[string]string
	}{
		{name: "no newline: new side marked before removed lines",
			files: map[string]string{"f": "a\nc\n"},
			diff:  "--- a/f\n+++ b/f\n@@ -1,2 +1 @@\n+b\n\\ No newline at end of file\n-a\n-c\n",
			want:  map[string]string{"f": "b"}},
		{name: "no newline: old context line gains one",
			files: map[string]string{"f": "a"},
			diff:  "--- a/f\n+++ b/f\n@@ -1 +1,2 @@\n a\n\\ No newline at end of file\n+b\n",
			want:  map[string]string{"f": "a\nb\n"}},
		{name: "context lines with the space eaten",
			files: map[string]string{"f": "\tx\n\ny\na\n"},
			diff:  "--- a/f\n+++ b/f\n@@ -1,4 +1,4 @@\n\tx\n\n y\n-a\n+b\n",
			want:  map[string]string{"f": "\tx\n\ny\nb\n"}},
		{name: "trailing blank context chopped by an editor",
			files: map[string]string{"f": "a\nb\n\n\n"},
			diff:  "--- a/f\n+++ b/f\n@@ -1,4 +1,4 @@\n a\n-b\n+B\n",
			want:  map[string]string{"f": "a\nB\n\n\n"}},
		{name: "insert at line 0 of an existing file",
			files: map[string]string{"f": "old\n"},
			diff:  "--- a/f\n+++ b/f\n@@ -0,0 +1 @@\n+new\n",
			want:  map[string]string{"f": "new\nold\n"}},
		{name: "creation in new directories",
			files: map[string]string{"f": "x\n"},
			diff:  "--- /dev/null\n+++ b/d/e/n.c\n@@ -0,0 +1 @@\n+n\n",
			want:  map[string]string{"f": "x\n", "d/e/n.c": "n\n"}},
		{name: "emptied file without a deletion header stays",
			files: map[string]string{"f": "x\n", "g": "a\n"},
			diff:  "--- a/g\n+++ b/g\n@@ -1 +0,0 @@\n-a\n",
			want:  map[string]string{"f": "x\n", "g": ""}},
		{name: "deletion by an epoch date removes the emptied directory",
			files: map[string]string{"f": "x\n", "d/g": "a\n"},
			diff:  "--- a/d/g\t2024-01-01 10:00:00.000000000 +0100\n+++ b/d/g\t1970-01-01 01:00:00.000000000 +0100\n@@ -1 +0,0 @@\n-a\n",
			want:  map[string]string{"f": "x\n"}},
		{name: "hg dates are not read: an epoch one deletes nothing",
			files: map[string]string{"f": "x\n", "d/g": "a\n"},
			diff:  "--- a/d/g\tTue Nov 08 12:48:21 2022 +0300\n+++ b/d/g\tThu Jan 01 00:00:00 1970 +0000\n@@ -1 +0,0 @@\n-a\n",
			want:  map[string]string{"f": "x\n", "d/g": ""}},
		{name: "offset and fuzz",
			files: map[string]string{"f": numbered(20, map[int]string{2: "X\n"})},
			diff:  "--- a/f\n+++ b/f\n@@ -6,7 +6,7 @@\n l2\n l3\n l4\n-l5\n+FIVE\n l6\n l7\n l8\n",
			want:  map[string]string{"f": numbered(20, map[int]string{2: "X\n", 5: "FIVE\n"})}},
		{name: "same file twice in one diff",
			files: map[string]string{"f": "a\nb\nc\n"},
			diff:  "--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+A\n--- a/f\n+++ b/f\n@@ -3 +3 @@\n-c\n+C\n",
			want:  map[string]string{"f": "A\nb\nC\n"}},
		{name: "the shortest existing name wins",
			files: map[string]string{"lib/x.c": "1\n", "x.c": "1\n"},
			diff:  "--- lib/x.c\n+++ x.c\n@@ -1 +1 @@\n-1\n+2\n",
			args:  "-p0",
			want:  map[string]string{"lib/x.c": "1\n", "x.c": "2\n"}},
		{name: "binary files differ: skipped, the rest applied",
			files: map[string]string{"img.bin": "\x00\x01", "f": "a\n"},
			diff: "diff --git a/img.bin b/img.bin\nindex 1234567..89abcde 100644\nBinary files a/img.bin and b/img.bin differ\n" +
				"diff --git a/f b/f\nindex 1111111..2222222 100644\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n",
			want: map[string]string{"img.bin": "\x00\x01", "f": "b\n"}},
		{name: "git-quoted name with octal escapes",
			files: map[string]string{"é.c": "a\n"},
			diff:  "diff --git \"a/\\303\\251.c\" \"b/\\303\\251.c\"\nindex 1..2 100644\n--- \"a/\\303\\251.c\"\n+++ \"b/\\303\\251.c\"\n@@ -1 +1 @@\n-a\n+b\n",
			want:  map[string]string{"é.c": "b\n"}},
		{name: "name with a space, then a tab and a date",
			files: map[string]string{"my file.c": "a\n"},
			diff:  "--- a/my file.c\t2024-01-01 00:00:00.000000000 +0000\n+++ b/my file.c\t2024-01-02 00:00:00.000000000 +0000\n@@ -1 +1 @@\n-a\n+b\n",
			want:  map[string]string{"my file.c": "b\n"}},
		{name: "Index: when the other names are unusable at the level",
			files: map[string]string{"src/x.c": "1\n"},
			diff:  "Index: top/src/x.c\n--- x.c\n+++ x.c\n@@ -1 +1 @@\n-1\n+2\n",
			want:  map[string]string{"src/x.c": "2\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, _, err := applyDir(t, tt.files, tt.diff)
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			got := readTree(t, dir)
			if !equalMaps(got, tt.want) {
				t.Errorf("got tree %q, want %q", got, tt.want)
			}
			if !havePatch(t) {
				return
			}
			theirs := writeTree(t, tt.files)
			pf := filepath.Join(t.TempDir(), "p")
			testutil.WriteFile(t, filepath.Dir(pf), "p", tt.diff)
			args := append([]string{"-s", "-f", "--no-backup-if-mismatch", "-p1"}, strings.Fields(tt.args)...)
			cmd := exec.Command("patch", append(args, "-i", pf)...)
			cmd.Dir = theirs
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("patch(1): %v\n%s", err, out)
			}
			if want := readTree(t, theirs); !equalMaps(got, want) {
				t.Errorf("got tree %q, patch(1) made %q", got, want)
			}
			if dirs(t, dir) != dirs(t, theirs) {
				t.Errorf("got directories %q, patch(1) left %q", dirs(t, dir), dirs(t, theirs))
			}
		})
	}
}

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		testutil.WriteFile(t, dir, name, content)
	}
	return dir
}

// dirs lists the directories under dir.
func dirs(t *testing.T, dir string) string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(out, " ")
}

func TestCheck(t *testing.T) {
	files := map[string]string{"a.c": "a\n", "b.c": "b\n", "sub/c.c": "c\n"}
	diff := "--- a/a.c\n+++ b/a.c\n@@ -1 +1 @@\n-a\n+A\n--- a/sub/c.c\n+++ b/sub/c.c\n@@ -1 +1 @@\n-c\n+C\n--- /dev/null\n+++ b/n.c\n@@ -0,0 +1 @@\n+n\n"
	dir := writeTree(t, files)
	p, err := ParsePatch([]byte(diff))
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Check(dir)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if want := "a.c sub/c.c n.c"; strings.Join(got, " ") != want {
		t.Errorf("got files %q, want %q", got, want)
	}
	if tree := readTree(t, dir); !equalMaps(tree, files) {
		t.Errorf("Check wrote: got tree %q", tree)
	}

	bad, err := ParsePatch([]byte("--- a/a.c\n+++ b/a.c\n@@ -1 +1 @@\n-A\n+AA\n--- a/b.c\n+++ b/b.c\n@@ -1 +1 @@\n-a\n+A\n@@ -1 +1 @@\n-q\n+Q\n"))
	if err != nil {
		t.Fatal(err)
	}
	bad.Name = "fix.patch"
	_, err = CheckSeries(dir, []*Patch{p, bad})
	var he *HunkError
	if !errors.As(err, &he) || he.File != "b.c" || he.Hunk != 1 {
		t.Fatalf("got error %v, want a HunkError for hunk #1 of b.c", err)
	}
	if want := "fix.patch: hunk #1 of b.c does not apply (at line 1)"; err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
}

// TestCheckSeriesDepends checks a series whose second patch needs the
// first one's result, in memory.
func TestCheckSeriesDepends(t *testing.T) {
	dir := writeTree(t, map[string]string{"a.c": "1\n"})
	p1, _ := ParsePatch([]byte("--- a/a.c\n+++ b/a.c\n@@ -1 +1 @@\n-1\n+2\n--- /dev/null\n+++ b/new/b.c\n@@ -0,0 +1 @@\n+b\n"))
	p2, _ := ParsePatch([]byte("--- a/a.c\n+++ b/a.c\n@@ -1 +1 @@\n-2\n+3\n--- a/new/b.c\n+++ b/new/b.c\n@@ -1 +1 @@\n-b\n+B\n"))
	files, err := CheckSeries(dir, []*Patch{p1, p2})
	if err != nil {
		t.Fatalf("CheckSeries: %v", err)
	}
	if got := strings.Join(files, " "); got != "a.c new/b.c" {
		t.Errorf("got %q, want %q", got, "a.c new/b.c")
	}
	if _, err := p2.Check(dir); err == nil {
		t.Errorf("the second patch alone applies, want an error")
	}
}

func TestHunkErrorReasons(t *testing.T) {
	tests := []struct{ name, src, diff, reason string }{
		{"LF diff on a CRLF file", "a\r\nb\r\n", "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n", "different line endings"},
		{"already applied", "a\nc\n", "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n", "the reversed hunk applies: the patch seems already applied"},
		{"plain mismatch", "a\nq\n", "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePatch([]byte(tt.diff))
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = ApplyHunks("f", []byte(tt.src), p.Files[0].Hunks)
			var he *HunkError
			if !errors.As(err, &he) || he.Reason != tt.reason {
				t.Fatalf("got %v, want a HunkError with reason %q", err, tt.reason)
			}
		})
	}
}

func TestStripLevel(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		diff  string
		strip int
		log   string
		err   string
	}{
		{name: "p1 when it fits",
			files: map[string]string{"x.c": "1\n", "a/x.c": "1\n"},
			diff:  "--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-1\n+2\n", log: "patching file x.c\n"},
		{name: "p2 found",
			files: map[string]string{"x.c": "1\n"},
			diff:  "--- w/src/x.c\n+++ w/src/x.c\n@@ -1 +1 @@\n-1\n+2\n", log: "using -p2"},
		{name: "ambiguous",
			files: map[string]string{"a/b/c.c": "1\n", "c.c": "1\n"},
			diff:  "--- a/b/c.c\n+++ a/b/c.c\n@@ -1 +1 @@\n-1\n+2\n",
			err:   "cannot choose the strip level: every file is found with -p0 (a/b/c.c) and with -p2 (c.c)"},
		{name: "given level",
			files: map[string]string{"a/b/c.c": "1\n", "c.c": "1\n"},
			diff:  "--- a/b/c.c\n+++ a/b/c.c\n@@ -1 +1 @@\n-1\n+2\n", strip: 2, log: "patching file c.c\n"},
		{name: "given level that does not fit",
			files: map[string]string{"c.c": "1\n"},
			diff:  "--- a/b/c.c\n+++ a/b/c.c\n@@ -1 +1 @@\n-1\n+2\n", strip: 1,
			err: "can't find file to patch: a/b/c.c (tried b/c.c at -p1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeTree(t, tt.files)
			p, err := ParsePatch([]byte(tt.diff))
			if err != nil {
				t.Fatal(err)
			}
			if tt.strip != 0 {
				p.Strip = tt.strip
			}
			var log strings.Builder
			err = p.Apply(dir, NewSources(t.TempDir()), &log)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if !strings.Contains(log.String(), tt.log) {
				t.Errorf("got log %q, want %q", log.String(), tt.log)
			}
		})
	}
}

func TestReadSeries(t *testing.T) {
	dir := t.TempDir()
	testutil.WriteFile(t, dir, "patches/series", "# comment\n\none.patch\ntwo.patch -p0 # trailing\nthree.patch -p 2 -R\n/abs/four.patch\n")
	got, err := ReadSeries(FindSeries(dir))
	if err != nil {
		t.Fatal(err)
	}
	pd := filepath.Join(dir, "patches")
	want := []SeriesEntry{
		{Path: filepath.Join(pd, "one.patch"), PatchOpts: DefaultPatchOpts},
		{Path: filepath.Join(pd, "two.patch"), PatchOpts: PatchOpts{Strip: 0}},
		{Path: filepath.Join(pd, "three.patch"), PatchOpts: PatchOpts{Strip: 2, Reverse: true}},
		{Path: "/abs/four.patch", PatchOpts: DefaultPatchOpts},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d entries %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	for _, bad := range []string{"x.patch --fuzz=3\n", "x.patch -px\n", "# nothing\n"} {
		testutil.WriteFile(t, dir, "series", bad)
		if _, err := ReadSeries(filepath.Join(dir, "series")); err == nil {
			t.Errorf("series %q: no error", bad)
		}
	}
	if FindSeries(t.TempDir()) != "" {
		t.Errorf("FindSeries found a series in an empty dir")
	}
}

func TestReverse(t *testing.T) {
	files := map[string]string{"f": "a\nb\n"}
	dir := writeTree(t, files)
	p, err := ParsePatch([]byte("--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-x\n+b\n"))
	if err != nil {
		t.Fatal(err)
	}
	p.Reverse()
	if err := p.Apply(dir, NewSources(t.TempDir()), io.Discard); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if got := readTree(t, dir)["f"]; got != "a\nx\n" {
		t.Errorf("got %q, want %q", got, "a\nx\n")
	}
}
