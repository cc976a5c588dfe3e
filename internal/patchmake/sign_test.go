package patchmake_test

import (
	"path/filepath"
	"testing"

	"github.com/golibcare/golibcare/internal/signature"
)

// TestSign: --sign writes PATCH.sig beside every patch, by the key given.
func TestSign(t *testing.T) {
	patchMake(t)
	dir := fixture(t, "rerun")
	keys := t.TempDir()
	if _, err := signature.Generate(filepath.Join(keys, "release")); err != nil {
		t.Fatal(err)
	}
	r := runPM(t, dir, "--sign", filepath.Join(keys, "release"), "fix1.patch")
	trusted, _ := signature.LoadKeys(keys)
	if len(r.patches()) == 0 {
		t.Fatalf("no patch written:\n%s", r.out)
	}
	for bin, kp := range r.patches() {
		if k, err := signature.VerifyFile(kp, trusted); err != nil || k.Name != "release" {
			t.Errorf("%s: %s: got %v, %v; want a signature by release", bin, kp, k, err)
		}
	}
}
