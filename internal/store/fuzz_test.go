package store

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLookup: whatever the Build-ID asked for and whatever the latest
// link names, Lookup does not panic and returns a patch or an error.
const fuzzBID = "c989537f4ab7d5bcb223f2cd5c4e370f8b23fd67"

func FuzzLookup(f *testing.F) {
	f.Add(fuzzBID, "2")
	f.Add(fuzzBID, "./2")
	f.Add("../x", "../../etc")
	f.Add("", "-1")
	f.Add(fuzzBID, "99999999999999999999999999999999")
	f.Fuzz(func(t *testing.T, id, target string) {
		dir := t.TempDir()
		if CheckBuildID(id) == nil {
			os.MkdirAll(filepath.Join(dir, id, "2"), 0o755)
			os.WriteFile(filepath.Join(dir, id, "2", levelFile), []byte("x"), 0o644)
			os.Symlink(target, filepath.Join(dir, id, latestLink))
		}
		p, err := Lookup(dir, id)
		if (err != nil) == (p != nil) {
			t.Fatalf("Lookup(%q) with latest -> %q: got %v, %v", id, target, p, err)
		}
		if p != nil && p.Level < 0 {
			t.Fatalf("negative level %d", p.Level)
		}
	})
}
