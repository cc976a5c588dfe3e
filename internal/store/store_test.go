package store_test

import (
	"debug/elf"
	"encoding/binary"
	"errors"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/kpatch"
	"github.com/golibcare/golibcare/internal/store"
	"github.com/golibcare/golibcare/internal/testutil"
)

const bid = "c989537f4ab7d5bcb223f2cd5c4e370f8b23fd67"

// patchFile returns a .kpatch file with the given id for bid: an ELF
// header and one empty section header, the smallest image Decode accepts.
func patchFile(t *testing.T, id, buildID string) []byte {
	t.Helper()
	eh := elf.Header64{Type: uint16(elf.ET_REL), Machine: uint16(elf.EM_X86_64), Version: uint32(elf.EV_CURRENT),
		Shoff: 64, Ehsize: 64, Shentsize: 64, Shnum: 1}
	copy(eh.Ident[:], elf.ELFMAG)
	eh.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	eh.Ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	eh.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	img, _ := binary.Append(nil, binary.LittleEndian, eh)
	img, _ = binary.Append(img, binary.LittleEndian, elf.Section64{})
	b, err := kpatch.Encode(id, buildID, img, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func wantTree(t *testing.T, dir string, want ...string) {
	t.Helper()
	slices.Sort(want)
	if got := testutil.Tree(t, dir); !slices.Equal(got, want) {
		t.Errorf("storage:\ngot  %q\nwant %q", got, want)
	}
}

func wantLookup(t *testing.T, dir string, level int, wantErr error) {
	t.Helper()
	p, err := store.Lookup(dir, bid)
	switch {
	case wantErr != nil:
		if !errors.Is(err, wantErr) {
			t.Errorf("Lookup: got %v, want %v", err, wantErr)
		}
	case err != nil:
		t.Errorf("Lookup: %v", err)
	case p.Level != level:
		t.Errorf("Lookup: got level %d, want %d", p.Level, level)
	}
}

// TestLayout: the exact files Add, SetEnabled and Remove leave, and what
// Lookup (the server's and apply's reader) sees at each step.
func TestLayout(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "storage")
	s := store.New(dir)
	if _, err := s.Add(patchFile(t, "0000", bid), 0); err != nil {
		t.Fatal(err)
	}
	wantTree(t, dir, bid+".kpatch")
	wantLookup(t, dir, 0, nil)
	for _, l := range []int{2, 1} { // latest names the highest, whatever the order
		if _, err := s.Add(patchFile(t, "000"+string(rune('0'+l)), bid), l); err != nil {
			t.Fatal(err)
		}
	}
	full := []string{bid + ".kpatch", bid + "/", bid + "/1/", bid + "/1/kpatch.bin", bid + "/2/", bid + "/2/kpatch.bin", bid + "/latest -> 2"}
	wantTree(t, dir, full...)
	wantLookup(t, dir, 2, nil)

	must(t, s.SetEnabled(bid, 2, false))
	wantTree(t, dir, append(slices.Clone(full[:6]), bid+"/2/disabled", bid+"/latest -> 1")...)
	wantLookup(t, dir, 1, nil)
	must(t, s.SetEnabled(bid, 2, true))
	wantTree(t, dir, full...)

	must(t, s.SetEnabled(bid, 0, false))
	wantTree(t, dir, append(slices.Clone(full), bid+"/disabled")...)
	wantLookup(t, dir, 0, store.ErrDisabled)
	if ids, _ := store.BuildIDs(dir); len(ids) != 0 || !store.Disabled(dir, bid) {
		t.Errorf("disabled: BuildIDs %q, Disabled %v; want none, true", ids, store.Disabled(dir, bid))
	}
	must(t, s.SetEnabled(bid, 0, true))

	must(t, s.Remove(bid, 2))
	wantTree(t, dir, bid+".kpatch", bid+"/", bid+"/1/", bid+"/1/kpatch.bin", bid+"/latest -> 1")
	must(t, s.Remove(bid, 1))
	wantTree(t, dir, bid+".kpatch")
	must(t, s.Remove(bid, 0))
	wantTree(t, dir)
	if err := s.Remove(bid, 0); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Remove of nothing: got %v, want not exist", err)
	}
}

// TestList reports ids, levels and states.
func TestList(t *testing.T) {
	s := store.New(t.TempDir())
	for l, id := range []string{"flat", "lvl1", "lvl2"} {
		if _, err := s.Add(patchFile(t, id, bid), l); err != nil {
			t.Fatal(err)
		}
	}
	must(t, s.SetEnabled(bid, 2, false))
	got, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	var short []string
	for _, e := range got {
		short = append(short, strings.Join([]string{e.ID, map[bool]string{true: "latest"}[e.Latest], map[bool]string{true: "disabled"}[e.Disabled]}, ","))
	}
	want := []string{"flat,,", "lvl1,latest,", "lvl2,,disabled"}
	if !slices.Equal(short, want) {
		t.Errorf("List: got %q, want %q", short, want)
	}
}

// TestAddRefuses: a file that is not a patch, a Build-ID that is not one,
// and a Check failure leave storage as it was.
func TestAddRefuses(t *testing.T) {
	dir := t.TempDir()
	s := store.New(dir)
	tests := []struct {
		name string
		data []byte
	}{
		{"not a kpatch", []byte("#!/bin/sh\nrm -rf /\n")},
		{"path in build id", patchFile(t, "0001", "../../etc")},
		{"upper-case build id", patchFile(t, "0001", strings.ToUpper(bid))},
	}
	for _, tc := range tests {
		if _, err := s.Add(tc.data, 1); err == nil {
			t.Errorf("%s: Add succeeded, want an error", tc.name)
		}
	}
	s.Check = func(string) error { return errors.New("no") }
	if _, err := s.Add(patchFile(t, "0001", bid), 1); err == nil || !strings.Contains(err.Error(), "refused: no") {
		t.Errorf("Check refusal: got %v", err)
	}
	wantTree(t, dir)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
