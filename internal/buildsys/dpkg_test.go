package buildsys

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDpkgCollect: the original install is every ELF file of the binary
// packages' trees, made executable (libraries too); the patched one, when
// make install cannot run, takes the same names from the build tree.
func TestDpkgCollect(t *testing.T) {
	elf, err := os.ReadFile("/bin/true")
	if err != nil {
		t.Skipf("skipping test: no /bin/true to copy: %v", err)
	}
	src := t.TempDir()
	write := func(rel string, b []byte, mode os.FileMode) {
		p := filepath.Join(src, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, mode); err != nil {
			t.Fatal(err)
		}
	}
	write("debian/control", []byte("Source: s\n\nPackage: a\nArchitecture: any\n\nPackage: liba1\n"), 0o644)
	write("debian/a/usr/bin/prog", elf, 0o755)
	write("debian/a/usr/share/doc/a/README", []byte("text"), 0o644)
	write("debian/a/DEBIAN/postinst", elf, 0o755)
	write("debian/liba1/usr/lib/liba.so.1", elf, 0o644)
	write("prog", append(append([]byte{}, elf...), 'p'), 0o755)
	write("sub/liba.so.1", append(append([]byte{}, elf...), 'l'), 0o755)
	s := &dpkgSys{c: Config{Tree: Tree{Src: src, Build: src}}}

	orig := t.TempDir()
	if err := s.collect(orig); err != nil {
		t.Fatal(err)
	}
	patched := t.TempDir()
	if err := s.collectBuilt(patched); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		dir, rel string
		size     int
	}{
		{orig, "usr/bin/prog", len(elf)}, {orig, "usr/lib/liba.so.1", len(elf)},
		{patched, "usr/bin/prog", len(elf) + 1}, {patched, "usr/lib/liba.so.1", len(elf) + 1},
	} {
		fi, err := os.Stat(filepath.Join(tt.dir, tt.rel))
		if err != nil {
			t.Errorf("%s: %v", tt.rel, err)
			continue
		}
		if fi.Mode()&0o111 == 0 || int(fi.Size()) != tt.size {
			t.Errorf("%s: mode %v size %d, want executable, %d bytes", tt.rel, fi.Mode(), fi.Size(), tt.size)
		}
	}
	for _, rel := range []string{"usr/share/doc/a/README", "DEBIAN/postinst"} {
		if _, err := os.Stat(filepath.Join(orig, rel)); err == nil {
			t.Errorf("%s was installed: only the packages' ELF files are", rel)
		}
	}
}
