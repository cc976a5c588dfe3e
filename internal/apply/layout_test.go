package apply

import (
	"bytes"
	"debug/elf"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/golibcare/golibcare/internal/kpatch"
	"github.com/golibcare/golibcare/internal/procfs"
)

func TestComputeLayout(t *testing.T) {
	tests := []struct {
		name                       string
		elfSize                    uint64
		imports                    int
		infoOff, infoSize, dataOff uint64
		want                       layout
	}{
		// facts §8.9c (verified with the C tool): 4000-byte ELF, no imports.
		{"upstream example", 4000, 0, 0x100, 72, 0,
			layout{elfOffset: 0x1000, userInfo: 0x1100, userUndo: 0x2000, totalMemSz: 0x3000, ninfo: 1, codeSize: 0x3000}},
		{"imports and data", 0x2345, 3, 0x80, 2*48 + 24, 0x2000,
			layout{jmpOffset: 504, elfOffset: 0x1000, userInfo: 0x1080, userUndo: 0x3380, totalMemSz: 0x4000, ninfo: 2, codeSize: 0x3000}},
		{"jump table past a page", 100, 250, 0x40, 48, 0,
			layout{jmpOffset: 504, elfOffset: 0x2000, userInfo: 0x2040, userUndo: 0x2080, totalMemSz: 0x3000, ninfo: 1, codeSize: 0x3000}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := computeLayout(tc.elfSize, tc.imports, tc.infoOff, tc.infoSize, tc.dataOff)
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestJumpTableAndHunk(t *testing.T) {
	got := jumpTable([]uint64{0x1122334455667788})
	want := []byte{32, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0x25, 0x02, 0x00, 0x00, 0x00, 0x90, 0x90, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11}
	if !bytes.Equal(got, want) {
		t.Errorf("got jump table % x, want % x", got, want)
	}
	h := hunk(kpatch.Info{Daddr: 0x401000, Saddr: 0x400000})
	if want := []byte{0xe9, 0xfb, 0xef, 0xff, 0xff}; !bytes.Equal(h, want) {
		t.Errorf("got hunk % x, want % x", h, want)
	}
}

func TestRegionCandidates(t *testing.T) {
	maps := []procfs.Mapping{
		{Start: 0x10000000, End: 0x10010000},         // object
		{Start: 0x10013000, End: 0x10020000},         // 0x3000 gap: hole of 0x1000
		{Start: 0x20000000, End: 0x20001000},         // far right
		{Start: 0x7fff00000000, End: 0x7fff00021000}, // stack
	}
	holes := findHoles(maps)
	tests := []struct {
		name         string
		lo, hi, size uint64
		want         []uint64
	}{
		{"small fits in the gap", 0x10000000, 0x10010000, 0x1000,
			[]uint64{0x10011000, 0xfffe000, 0x10021000, 0x20002000}},
		{"bigger skips the gap", 0x10000000, 0x10010000, 0x3000,
			[]uint64{0xfffc000, 0x10021000, 0x20002000}},
		{"nothing within 2 GiB", 0x7fff00000000, 0x7fff00021000, 0x1000, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := regionCandidates(holes, tc.lo, tc.hi, tc.size)
			if len(got) > len(tc.want) {
				got = got[:len(tc.want)]
			}
			if len(got) != len(tc.want) || len(got) > 0 && !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#x, want %#x", got, tc.want)
			}
		})
	}
	busy := reserve(holes, 0x10021000, 0x3000)
	if got := regionCandidates(busy, 0x10000000, 0x10010000, 0x3000); got[0] == 0x10021000 {
		t.Errorf("got reserved address %#x again", got[0])
	}
}

func TestSourceDir(t *testing.T) {
	p := newTarget(t)
	_ = p
	src := testPatch(t, "0002", allRelocs)
	raw := append(src.file.File.Header.Encode(), src.file.File.ELF...)
	dir := t.TempDir()
	bid := src.file.File.Header.BuildIDString()
	if err := os.MkdirAll(filepath.Join(dir, bid, "7"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, bid, "7", "kpatch.bin"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("7", filepath.Join(dir, bid, "latest")); err != nil {
		t.Fatal(err)
	}
	s, err := OpenSource(dir)
	if err != nil {
		t.Fatal(err)
	}
	pf, err := s.Lookup(bid)
	if err != nil || pf == nil || pf.Level != 7 || pf.File.Header.IDString() != "0002" {
		t.Fatalf("got %+v, %v; want level 7 patch 0002", pf, err)
	}
	if pf, err := s.Lookup("ffff"); pf != nil || err != nil {
		t.Errorf("got %+v, %v for an unknown Build-ID, want nothing", pf, err)
	}
	bad := filepath.Join(dir, "bad.kpatch")
	if err := os.WriteFile(bad, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenSource(bad); !errors.Is(err, kpatch.ErrBadMagic) {
		t.Errorf("got %v, want ErrBadMagic", err)
	}
}

// FuzzParseRelObj: the patch ELF parser never panics, and err != nil
// exactly when no object is returned.
func FuzzParseRelObj(f *testing.F) {
	f.Add(relObject(nil, nil))
	f.Add(patchELF(allRelocs))
	f.Add(patchELF(allRelocs, twoHunks))
	f.Add(relObject([]relSec{{name: ".kpatch.info", data: make([]byte, 72)}}, []relSym{{name: "x", shndx: 1}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := parseRelObj(b)
		if (err != nil) != (r == nil) {
			t.Fatalf("got %v and %v", r, err)
		}
		if r != nil {
			_ = r.relocate(&relocEnv{kpta: 0x10000, lay: r.layout(len(r.imports())), real: map[int]uint64{}, slot: map[int]uint64{}})
		}
	})
}

// TestLookupVersion: "memcpy@GLIBC_2.2.5" picks the compat symbol, a bare
// name the default version, like the dynamic linker.
func TestLookupVersion(t *testing.T) {
	strtab := []byte("\x00memcpy\x00GLIBC_2.2.5\x00GLIBC_2.14\x00")
	sym := func(v uint64) elf.Sym64 {
		return elf.Sym64{Name: 1, Info: byte(elf.STB_GLOBAL)<<4 | byte(elf.STT_FUNC), Shndx: 12, Value: v}
	}
	o := &Object{LoadOffset: 0x1000, VMAs: []procfs.Mapping{{Start: 0x1000, End: 0x2000}},
		dyn: &dynSymbols{
			syms:    []elf.Sym64{{}, sym(0x100), sym(0x200)},
			strtab:  strtab,
			versym:  []uint16{0, 0x8002, 3}, // hidden compat 2.2.5, default 2.14
			verdefs: map[uint16]string{2: "GLIBC_2.2.5", 3: "GLIBC_2.14"},
		}}
	tests := []struct {
		name, version string
		want          uint64
	}{
		{"memcpy", "GLIBC_2.2.5", 0x1100},
		{"memcpy", "GLIBC_2.14", 0x1200},
		{"memcpy", "", 0x1200},
	}
	for _, tc := range tests {
		got, ok, err := o.lookup(nil, tc.name, tc.version)
		if err != nil || !ok || got.addr != tc.want {
			t.Errorf("%s@%s: got %#x %v %v, want %#x", tc.name, tc.version, got.addr, ok, err, tc.want)
		}
	}
	if name, ver := splitVersion("fwrite@@GLIBC_2.2.5"); name != "fwrite" || ver != "GLIBC_2.2.5" {
		t.Errorf("got %q %q, want fwrite GLIBC_2.2.5", name, ver)
	}
}

// TestGNUHashCount sizes .dynsym from a DT_GNU_HASH table: 2 buckets,
// symbols 3..6 with the chain of bucket 1 ending at symbol 6.
func TestGNUHashCount(t *testing.T) {
	p := newFake()
	b := make([]byte, 64)
	put32(b, 0, 2)  // nbuckets
	put32(b, 4, 3)  // symoffset
	put32(b, 8, 1)  // bloom words
	put32(b, 24, 3) // bucket 0 → symbol 3
	put32(b, 28, 5) // bucket 1 → symbol 5
	// chains for symbols 3..6: the low bit ends a chain
	put32(b, 32, 0x10)
	put32(b, 36, 0x21)
	put32(b, 40, 0x30)
	put32(b, 44, 0x41)
	p.addMapping(0x10000, b, "r--p", "", 0)
	n, err := gnuHashCount(p, 0x10000)
	if err != nil || n != 7 {
		t.Errorf("got %d, %v; want 7", n, err)
	}
}
