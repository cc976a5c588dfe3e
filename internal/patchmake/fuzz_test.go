package patchmake

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzApply feeds arbitrary diffs and file contents to the parser and the
// applier: no panic, and err != nil ⇔ result == nil for both.
func FuzzApply(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.patch")
	for _, s := range seeds {
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
