package server

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

const (
	bidA = "c989537f4ab7d5bcb223f2cd5c4e370f8b23fd67"
	bidB = "0123456789abcdef0123456789abcdef01234567"
	bidC = "fedcba9876543210fedcba9876543210fedcba98"
)

// makeStorage lays out a storage directory:
//
//	A: A.kpatch and A/{1,2}/kpatch.bin with latest -> 2 (the level wins)
//	B: B.kpatch only
//	C: C/latest -> 1 but no kpatch.bin (ignored)
func makeStorage(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write := func(rel string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(rel), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := func(target, rel string) {
		if err := os.Symlink(target, filepath.Join(dir, rel)); err != nil {
			t.Fatal(err)
		}
	}
	write(bidA + ".kpatch")
	write(bidA + "/1/kpatch.bin")
	write(bidA + "/2/kpatch.bin")
	link("2", bidA+"/latest")
	write(bidB + ".kpatch")
	write(bidC + "/1/description")
	link("1", bidC+"/latest")
	write("README")
	return dir
}

func TestLookup(t *testing.T) {
	dir := makeStorage(t)
	tests := []struct {
		name, bid, path string
		level           int
		missing         bool
	}{
		{"level link", bidA, bidA + "/latest/kpatch.bin", 2, false},
		{"plain file", bidB, bidB + ".kpatch", 0, false},
		{"level without kpatch.bin", bidC, "", 0, true},
		{"absent", "00", "", 0, true},
		{"path escape", "../x", "", 0, true},
		{"empty", "", "", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Lookup(dir, tt.bid)
			if tt.missing {
				if !errors.Is(err, fs.ErrNotExist) {
					t.Fatalf("got %v, %v, want fs.ErrNotExist", p, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(dir, tt.path); p.Path != want || p.Level != tt.level {
				t.Errorf("got %s level %d, want %s level %d", p.Path, p.Level, want, tt.level)
			}
		})
	}
}

func TestLookupLevelChange(t *testing.T) {
	dir := makeStorage(t)
	latest := filepath.Join(dir, bidA, "latest")
	if err := os.Remove(latest); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("./1", latest); err != nil {
		t.Fatal(err)
	}
	p, err := Lookup(dir, bidA)
	if err != nil {
		t.Fatal(err)
	}
	if p.Level != 1 {
		t.Errorf("got level %d, want 1", p.Level)
	}
	os.Remove(latest)
	os.Symlink("two", latest)
	if p, err := Lookup(dir, bidA); err != nil || p.Level != 0 || filepath.Base(p.Path) != bidA+".kpatch" {
		t.Errorf("dangling latest: got %+v, %v, want the plain .kpatch file", p, err)
	}
	if err := os.MkdirAll(filepath.Join(dir, bidA, "two"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, bidA, "two", "kpatch.bin"), nil, 0o644)
	if p, err := Lookup(dir, bidA); err == nil {
		t.Errorf("latest -> two: got %+v, want an error", p)
	}
}

func TestBuildIDs(t *testing.T) {
	got, err := BuildIDs(makeStorage(t))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	want := []string{bidB, bidA}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
