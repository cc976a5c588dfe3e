package patchmake

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// numbered returns "l1\n".."ln\n" with line k replaced by repl[k].
func numbered(n int, repl map[int]string) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if s, ok := repl[i]; ok {
			b.WriteString(s)
		} else {
			b.WriteString("l")
			b.WriteString(itoa(i))
			b.WriteString("\n")
		}
	}
	return b.String()
}

func itoa(i int) string {
	const d = "0123456789"
	if i < 10 {
		return d[i : i+1]
	}
	return itoa(i/10) + d[i%10:i%10+1]
}

const hunk5 = `--- a/f.c
+++ b/f.c
@@ -2,7 +2,7 @@
 l2
 l3
 l4
-l5
+FIVE
 l6
 l7
 l8
`

func TestApplyHunks(t *testing.T) {
	tests := []struct {
		name, src, diff, want, note, err string
	}{
		{name: "exact", src: numbered(10, nil), diff: hunk5,
			want: numbered(10, map[int]string{5: "FIVE\n"})},
		{name: "offset", src: "x\ny\nz\n" + numbered(10, nil), diff: hunk5,
			want: "x\ny\nz\n" + numbered(10, map[int]string{5: "FIVE\n"}), note: "Hunk #1 succeeded at 5 (offset 3 lines)."},
		{name: "offset back", src: strings.TrimPrefix(numbered(10, nil), "l1\n"), diff: hunk5,
			want: strings.TrimPrefix(numbered(10, map[int]string{5: "FIVE\n"}), "l1\n"), note: "offset -1 line"},
		{name: "fuzz 1", src: numbered(10, map[int]string{2: "CHANGED\n", 8: "CHANGED\n"}), diff: hunk5,
			want: numbered(10, map[int]string{2: "CHANGED\n", 5: "FIVE\n", 8: "CHANGED\n"}), note: "fuzz 1"},
		{name: "fuzz 2", src: numbered(10, map[int]string{3: "C\n", 7: "C\n"}), diff: hunk5,
			want: numbered(10, map[int]string{3: "C\n", 5: "FIVE\n", 7: "C\n"}), note: "fuzz 2"},
		{name: "reject", src: numbered(10, map[int]string{5: "other\n"}), diff: hunk5,
			err: "hunk #1 of f.c does not apply (at line 2)"},
		{name: "reject beyond fuzz", src: numbered(10, map[int]string{4: "C\n"}), diff: hunk5,
			err: "hunk #1 of f.c does not apply (at line 2)"},
		{name: "second hunk rejected", src: numbered(50, nil), diff: "--- f.c\n+++ f.c\n@@ -1,2 +1,2 @@\n-l1\n+one\n l2\n@@ -40,2 +40,2 @@\n l40\n-nope\n+x\n",
			err: "hunk #2 of f.c does not apply (at line 40)"},
		{name: "two hunks shift", src: numbered(30, nil),
			diff: "--- f.c\n+++ f.c\n@@ -1,2 +1,3 @@\n l1\n+new\n l2\n@@ -20,3 +21,2 @@\n l20\n-l21\n l22\n",
			want: strings.Replace(strings.Replace(numbered(30, nil), "l1\n", "l1\nnew\n", 1), "l21\n", "", 1)},
		{name: "no newline at end", src: "a\nb", diff: "--- f\n+++ f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n",
			want: "a\nc"},
		{name: "add newline at end", src: "a\nb", diff: "--- f\n+++ f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n",
			want: "a\nb\n"},
		{name: "insert only", src: "a\nb\n", diff: "--- f\n+++ f\n@@ -1,0 +2,1 @@\n+x\n",
			want: "a\nx\nb\n"},
		{name: "crlf", src: "a\r\nb\r\nc\r\n", diff: "--- f\n+++ f\n@@ -1,3 +1,3 @@\n a\r\n-b\r\n+B\r\n c\r\n",
			want: "a\r\nB\r\nc\r\n"},
		{name: "trailing blank lines", src: numbered(10, nil), diff: hunk5 + "\n\n",
			want: numbered(10, map[int]string{5: "FIVE\n"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePatch([]byte(tt.diff))
			if err != nil {
				t.Fatalf("ParsePatch: %v", err)
			}
			out, notes, err := ApplyHunks("f.c", []byte(tt.src), p.Files[0].Hunks)
			if tt.err != "" {
				var he *HunkError
				if err == nil || err.Error() != tt.err || !errors.As(err, &he) {
					t.Fatalf("got error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ApplyHunks: %v", err)
			}
			if string(out) != tt.want {
				t.Errorf("got %q, want %q", out, tt.want)
			}
			if got := strings.Join(notes, "\n"); !strings.Contains(got, tt.note) || (tt.note == "" && got != "") {
				t.Errorf("got notes %q, want %q", got, tt.note)
			}
		})
	}
}

// applyDir writes files into a temp dir, applies diff there and returns the
// dir, the Sources and the error.
func applyDir(t *testing.T, files map[string]string, diff string) (string, *Sources, error) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, err := ParsePatch([]byte(diff))
	if err != nil {
		t.Fatalf("ParsePatch: %v", err)
	}
	src := NewSources(filepath.Join(t.TempDir(), "backup"))
	return dir, src, p.Apply(dir, src, io.Discard)
}

func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	got := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		got[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestPatchApply(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		diff  string
		want  map[string]string
		err   string
	}{
		{name: "user guide foo.c bar.c form",
			files: map[string]string{"foo.c": "int main(void)\n{\n\treturn 0;\n}\n", "bar.c": "int main(void)\n{\n\treturn 1;\n}\n"},
			diff:  "--- foo.c\t2026-01-01 00:00:00.000000000 +0000\n+++ bar.c\t2026-01-01 00:00:00.000000000 +0000\n@@ -1,4 +1,4 @@\n int main(void)\n {\n-\treturn 0;\n+\treturn 1;\n }\n",
			want:  map[string]string{"foo.c": "int main(void)\n{\n\treturn 1;\n}\n", "bar.c": "int main(void)\n{\n\treturn 1;\n}\n"}},
		{name: "p1 prefixes",
			files: map[string]string{"src/a.c": "x\n"},
			diff:  "diff --git a/src/a.c b/src/a.c\nindex 1..2 100644\n--- a/src/a.c\n+++ b/src/a.c\n@@ -1 +1 @@\n-x\n+y\n",
			want:  map[string]string{"src/a.c": "y\n"}},
		{name: "p0 when a dir named a exists",
			files: map[string]string{"a/b.c": "x\n"},
			diff:  "--- a/b.c\n+++ a/b.c\n@@ -1 +1 @@\n-x\n+y\n",
			want:  map[string]string{"a/b.c": "y\n"}},
		{name: "new file",
			files: map[string]string{"a.c": "x\n"},
			diff:  "diff --git a/sub/n.c b/sub/n.c\nnew file mode 100644\nindex 0000000..1\n--- /dev/null\n+++ b/sub/n.c\n@@ -0,0 +1,2 @@\n+int n;\n+int m;\n",
			want:  map[string]string{"a.c": "x\n", "sub/n.c": "int n;\nint m;\n"}},
		{name: "deleted file",
			files: map[string]string{"a.c": "x\n", "d.c": "1\n2\n"},
			diff:  "--- a/d.c\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-1\n-2\n",
			want:  map[string]string{"a.c": "x\n"}},
		{name: "multiple files",
			files: map[string]string{"a.c": "a\n", "b.c": "b\n", "c.c": "c\n"},
			diff:  "--- a/a.c\n+++ b/a.c\n@@ -1 +1 @@\n-a\n+A\n--- a/c.c\n+++ b/c.c\n@@ -1 +1 @@\n-c\n+C\n",
			want:  map[string]string{"a.c": "A\n", "b.c": "b\n", "c.c": "C\n"}},
		{name: "missing file",
			files: map[string]string{"a.c": "a\n"},
			diff:  "--- a/zz.c\n+++ b/zz.c\n@@ -1 +1 @@\n-a\n+A\n",
			err:   "can't find file to patch: a/zz.c (tried a/zz.c, b/zz.c, zz.c)"},
		{name: "escaping name is stripped until it is inside",
			files: map[string]string{"a.c": "a\n"},
			diff:  "--- ../../x/a.c\n+++ ../../x/a.c\n@@ -1 +1 @@\n-a\n+A\n",
			want:  map[string]string{"a.c": "A\n"}},
		{name: "absolute name outside the tree",
			files: map[string]string{"a.c": "a\n"},
			diff:  "--- /etc/passwd\n+++ /etc/passwd\n@@ -1 +1 @@\n-a\n+A\n",
			err:   "can't find file to patch: /etc/passwd (tried etc/passwd, passwd)"},
		{name: "only unusable names",
			files: map[string]string{"a.c": "a\n"},
			diff:  "--- ..\n+++ /\n@@ -1 +1 @@\n-a\n+A\n",
			err:   "..: no usable file name in the diff"},
		{name: "second file rejected leaves all untouched",
			files: map[string]string{"a.c": "a\n", "b.c": "b\n"},
			diff:  "--- a/a.c\n+++ b/a.c\n@@ -1 +1 @@\n-a\n+A\n--- a/b.c\n+++ b/b.c\n@@ -1 +1 @@\n-q\n+Q\n",
			err:   "hunk #1 of b.c does not apply (at line 1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, src, err := applyDir(t, tt.files, tt.diff)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("got error %v, want %q", err, tt.err)
				}
				if got := readTree(t, dir); !equalMaps(got, tt.files) {
					t.Errorf("after failure got tree %q, want %q", got, tt.files)
				}
				return
			}
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if got := readTree(t, dir); !equalMaps(got, tt.want) {
				t.Errorf("got tree %q, want %q", got, tt.want)
			}
			if err := src.Restore(); err != nil {
				t.Fatalf("Restore: %v", err)
			}
			if got := readTree(t, dir); !equalMaps(got, tt.files) {
				t.Errorf("after Restore got tree %q, want %q", got, tt.files)
			}
		})
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestRecoverSources(t *testing.T) {
	files := map[string]string{"a.c": "a\n", "b.c": "b\n"}
	dir, src, err := applyDir(t, files, "--- a/a.c\n+++ b/a.c\n@@ -1 +1 @@\n-a\n+A\n--- /dev/null\n+++ b/new/n.c\n@@ -0,0 +1 @@\n+n\n")
	if err != nil {
		t.Fatal(err)
	}
	// applyDir's Sources is dropped as if the process died; recover from disk.
	backup := src.backupDir
	n, err := RecoverSources(backup, io.Discard)
	if err != nil {
		t.Fatalf("RecoverSources: %v", err)
	}
	if n != 3 { // a.c, the new dir, new/n.c
		t.Errorf("got %d restored, want 3", n)
	}
	if got := readTree(t, dir); !equalMaps(got, files) {
		t.Errorf("got tree %q, want %q", got, files)
	}
	if _, err := os.Stat(backup); !os.IsNotExist(err) {
		t.Errorf("backup dir still there: %v", err)
	}
}
