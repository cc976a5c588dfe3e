//go:build debpatches

package patchmake

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDebianPatches is a manual check (scripts/debian-patches.sh), never
// run by CI: every patch of the Debian source trees named in $DEBIAN_TREES
// (unpacked upstream source with debian/ beside it) is parsed and checked
// in series order, then applied in order to one copy of the tree by Apply
// and to another by patch(1), and the two copies must be the same bytes.
func TestDebianPatches(t *testing.T) {
	trees := strings.Fields(os.Getenv("DEBIAN_TREES"))
	if len(trees) == 0 {
		t.Skip("DEBIAN_TREES not set")
	}
	for _, tree := range trees {
		t.Run(filepath.Base(tree), func(t *testing.T) {
			entries, err := ReadSeries(filepath.Join(tree, "debian", "patches", "series"))
			if err != nil {
				t.Fatal(err)
			}
			var patches []*Patch
			for _, e := range entries {
				p, err := ReadPatchFile(e.Path, e.PatchOpts)
				if err != nil {
					t.Errorf("parse: %v", err)
					continue
				}
				patches = append(patches, p)
			}
			files, err := CheckSeries(tree, patches)
			if err != nil {
				t.Errorf("check: %v", err)
			}
			t.Logf("%d patches, %d parse, series check ok: %v, %d files touched", len(entries), len(patches), err == nil, len(files))
			ours, theirs := copyTree(t, tree), copyTree(t, tree)
			src := NewSources(t.TempDir())
			for i, p := range patches {
				if err := p.Apply(ours, src, io.Discard); err != nil {
					t.Fatalf("apply %s: %v", p.Name, err)
				}
				cmd := exec.Command("patch", "-p1", "-s", "-f", "--no-backup-if-mismatch", "-i", entries[i].Path)
				cmd.Dir = theirs
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("patch(1) %s: %v\n%s", p.Name, err, out)
				}
			}
			if got, want := readTree(t, ours), readTree(t, theirs); !equalMaps(got, want) {
				for k := range want {
					if got[k] != want[k] {
						t.Errorf("%s differs from patch(1)'s", k)
					}
				}
				for k := range got {
					if _, ok := want[k]; !ok {
						t.Errorf("%s exists only in ours", k)
					}
				}
			}
		})
	}
}

func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	if out, err := exec.Command("cp", "-a", src+"/.", dst).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v\n%s", err, out)
	}
	return dst
}
