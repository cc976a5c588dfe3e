package patchmake

import (
	"bytes"
	"os"
	"testing"

	"github.com/sourcegraph/go-diff/diff"
)

// FuzzApply feeds arbitrary diffs and file contents to the parser and the
// applier: no panic, and err != nil ⇔ result == nil for both.
func FuzzApply(f *testing.F) {
	for _, s := range fixtureDiffs(f) {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, []byte("int add(int a, int b)\n{\n\treturn a + b;\n}\n"))
	}
	f.Add([]byte(hunk5), []byte(numbered(10, nil)))
	f.Fuzz(func(t *testing.T, diff, src []byte) {
		p, err := ParsePatch(diff)
		if (err != nil) != (p == nil) {
			t.Fatalf("ParsePatch: err %v, patch %v", err, p)
		}
		if p == nil {
			return
		}
		for _, fp := range p.Files {
			out, _, err := ApplyHunks("f", src, fp.Hunks)
			if (err != nil) != (out == nil) {
				t.Fatalf("ApplyHunks: err %v, out %q", err, out)
			}
		}
	})
}

// FuzzNormalize checks the front-end: no panic, err != nil ⇔ out == nil,
// its output normalizes to itself, and go-diff reads from it exactly the
// file sections it wrote, without error.
func FuzzNormalize(f *testing.F) {
	for _, s := range fixtureDiffs(f) {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n---x\n+++y\n@@ -5 +5 @@\n-a\n+b\n"))
	f.Add([]byte("diff --git a/f b/f\nnew file mode 100644\nindex 0000000..e69de29\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, files, err := normalize(in)
		if (err != nil) != (out == nil) {
			t.Fatalf("normalize: err %v, out %q", err, out)
		}
		if err != nil {
			return
		}
		again, files2, err := normalize(out)
		if err != nil || !bytes.Equal(again, out) || files2 != files {
			t.Fatalf("not idempotent: %v\n%q\n%q", err, out, again)
		}
		fds, err := diff.ParseMultiFileDiffOptions(out, diff.ParseOptions{KeepCR: true})
		if err != nil || len(fds) != files {
			t.Fatalf("go-diff: %v, %d files, want %d\n%q", err, len(fds), files, out)
		}
	})
}
