package inspect

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/golibcare/golibcare/internal/kpatch"
	"github.com/golibcare/golibcare/internal/signature"
)

// testdata/newfuncvar.kpatch is fixtures/newfuncvar's patch made by the
// guide's manual flow (gcc 12; the sed renamed patched_calls to
// orig.calls): tick replaced, bump and a variable added, printf imported.

func TestBytes(t *testing.T) {
	b, err := os.ReadFile("testdata/newfuncvar.kpatch")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Bytes(b)
	if err != nil {
		t.Fatal(err)
	}
	want := &Report{ID: "0001", BuildID: "5cbf652ea69fbbe50ff99678331d3c250e7c97ac", Size: len(b),
		BuildTime: r.BuildTime, Checksum: "ok",
		Replaced: []Func{{Name: "tick", OldSize: 44, NewSize: 58}},
		NewFuncs: []Func{{Name: "bump", NewSize: 29}},
		NewData:  []Data{{Name: "orig.calls.kpatch", Size: 4, Section: ".kpatch.data"}},
		Imports:  []string{"printf@GLIBC_2.2.5"}}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("got %+v, want %+v", r, want)
	}

	bad := append([]byte(nil), b...)
	bad[kpatch.HeaderSize+0x2aa+2] ^= 1 // in .kpatch.text
	if _, err := Bytes(bad); !errors.Is(err, kpatch.ErrChecksum) {
		t.Errorf("flipped byte: got %v, want ErrChecksum", err)
	}
	binary.LittleEndian.PutUint32(bad[144:], 0) // csum 0: unchecked, as upstream
	if r, err := Bytes(bad); err != nil || r.Checksum != "unchecked" {
		t.Errorf("csum 0: got %+v, %v; want unchecked", r, err)
	}
}

func TestDirAndSignature(t *testing.T) {
	b, _ := os.ReadFile("testdata/newfuncvar.kpatch")
	dir := t.TempDir()
	bid := "5cbf652ea69fbbe50ff99678331d3c250e7c97ac"
	for _, lv := range []string{"1", "2"} {
		os.MkdirAll(filepath.Join(dir, bid, lv), 0o755)
		os.WriteFile(filepath.Join(dir, bid, lv, "kpatch.bin"), b, 0o644)
	}
	os.Symlink("2", filepath.Join(dir, bid, "latest"))
	if _, err := signature.Generate(filepath.Join(dir, "k")); err != nil {
		t.Fatal(err)
	}
	signature.SignFile(filepath.Join(dir, "k"), filepath.Join(dir, bid, "2", "kpatch.bin"))
	keys, _ := signature.LoadKeys(dir)
	rs, err := Dir(dir, kpatch.DefaultMaxSize, keys)
	if err != nil || len(rs) != 2 {
		t.Fatalf("got %d reports, %v; want 2", len(rs), err)
	}
	if *rs[0].Level != 1 || rs[0].Latest || rs[0].Signature.Present {
		t.Errorf("level 1: got %+v, want not latest, unsigned", rs[0])
	}
	if *rs[1].Level != 2 || !rs[1].Latest || rs[1].Signature != (Signature{Present: true, Valid: true, Key: "k"}) {
		t.Errorf("level 2: got %+v, want latest, signed by k", rs[1])
	}
}

func FuzzBytes(f *testing.F) {
	b, err := os.ReadFile("testdata/newfuncvar.kpatch")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add(b[:kpatch.HeaderSize+64])
	// csum 0, so mutations of the ELF reach the parser.
	u := append([]byte(nil), b...)
	binary.LittleEndian.PutUint32(u[144:], 0)
	f.Add(u)
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Bytes(b)
		if (err != nil) != (r == nil) {
			t.Fatalf("got %v, %v", r, err)
		}
	})
}
