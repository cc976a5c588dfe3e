package server

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/golibcare/golibcare/internal/elfutil"
)

func TestFastBuildID(t *testing.T) {
	libc, _ := filepath.Glob("/lib/x86_64-linux-gnu/libc.so.6")
	// Not a Go binary: Go links its GNU build-id note outside PT_NOTE, where
	// neither libcare-ctl nor fastBuildID look.
	for _, p := range append([]string{"/bin/true", "/bin/sh"}, libc...) {
		t.Run(filepath.Base(p), func(t *testing.T) {
			want, werr := elfutil.BuildID(p)
			got, err := fastBuildID(p)
			if (err != nil) != (werr != nil) || got != want {
				t.Errorf("got %q, %v, want %q, %v", got, err, want, werr)
			}
		})
	}
	if _, err := fastBuildID("/etc/passwd"); err == nil {
		t.Errorf("/etc/passwd: got nil error, want one")
	}
}

func FuzzFastBuildID(f *testing.F) {
	if b, err := os.ReadFile("/bin/true"); err == nil {
		f.Add(b[:min(len(b), 4096)])
	}
	f.Add([]byte("\x7fELF"))
	path := filepath.Join(f.TempDir(), "elf")
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		id, err := fastBuildID(path)
		if (err != nil) != (id == "") {
			t.Fatalf("got %q and %v: want exactly one", id, err)
		}
	})
}
