package e2e

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/kpatch"
	"github.com/golibcare/golibcare/internal/testutil"
)

// checkKpatch checks a .kpatch file against facts §1: the header, and the
// embedded ELF conventions every loader relies on.
func checkKpatch(t *testing.T, path, origPath, wantID string, wantNames []string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := kpatch.Decode(b)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	h := f.Header
	if got := h.IDString(); got != wantID {
		t.Errorf("got patch id %q, want %q", got, wantID)
	}
	if got, want := h.BuildIDString(), testutil.MustBuildID(t, origPath); got != want {
		t.Errorf("got build id %q, want %q", got, want)
	}
	if int(h.TotalSize) != len(b) || h.KpatchOffset != kpatch.HeaderSize || h.RelOffset != kpatch.HeaderSize ||
		(h.TotalSize-kpatch.HeaderSize)%16 != 0 || h.BuildTime == 0 {
		t.Errorf("got total_size %d (file %d), kpatch_offset %d, rel_offset %d, build_time %d",
			h.TotalSize, len(b), h.KpatchOffset, h.RelOffset, h.BuildTime)
	}
	ef, err := elf.NewFile(bytes.NewReader(f.ELF))
	if err != nil {
		t.Fatalf("embedded ELF: %v", err)
	}
	orig, err := elf.Open(origPath)
	if err != nil {
		t.Fatal(err)
	}
	defer orig.Close()
	checkELFHeader(t, ef)
	checkSections(t, ef, orig)
	checkInfo(t, ef, wantNames)
	checkSymbolsAndRelocs(t, ef)
}

func checkELFHeader(t *testing.T, ef *elf.File) {
	t.Helper()
	if ef.Type != elf.ET_REL || ef.Machine != elf.EM_X86_64 || ef.Entry != 0 || len(ef.Progs) != 0 {
		t.Errorf("got type %v machine %v entry %#x %d phdrs, want ET_REL EM_X86_64 0 0",
			ef.Type, ef.Machine, ef.Entry, len(ef.Progs))
	}
}

func kept(name string) bool {
	return strings.Contains(name, "kpatch") || name == ".symtab" || name == ".strtab" || name == ".shstrtab"
}

func checkSections(t *testing.T, ef, orig *elf.File) {
	t.Helper()
	for _, need := range []string{".kpatch.text", ".kpatch.info", ".kpatch.strtab", ".rela.kpatch.text", ".rela.kpatch.info", ".symtab"} {
		if s := ef.Section(need); s == nil || s.Type == elf.SHT_NOBITS {
			t.Errorf("section %s missing or without contents", need)
		}
	}
	for _, s := range ef.Sections[1:] {
		if kept(s.Name) {
			continue
		}
		if s.Type != elf.SHT_NOBITS {
			t.Errorf("section %s: got type %v, want SHT_NOBITS", s.Name, s.Type)
		}
		if o := orig.Section(s.Name); o != nil && o.Flags&elf.SHF_ALLOC != 0 && s.Addr != o.Addr {
			t.Errorf("section %s: got addr %#x, want the original's %#x", s.Name, s.Addr, o.Addr)
		}
	}
}

func checkInfo(t *testing.T, ef *elf.File, wantNames []string) {
	t.Helper()
	s := ef.Section(".kpatch.info")
	data, err := s.Data()
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < kpatch.InfoTerminatorSize || (len(data)-kpatch.InfoTerminatorSize)%kpatch.InfoSize != 0 {
		t.Fatalf(".kpatch.info: got %d bytes, want n*48 + 24", len(data))
	}
	if tail := data[len(data)-kpatch.InfoTerminatorSize:]; !bytes.Equal(tail, make([]byte, kpatch.InfoTerminatorSize)) {
		t.Errorf(".kpatch.info: got terminator % x, want zeros", tail)
	}
	n := (len(data) - kpatch.InfoTerminatorSize) / kpatch.InfoSize
	if n != len(wantNames) {
		t.Errorf(".kpatch.info: got %d records, want %d", n, len(wantNames))
	}
	strs, err := ef.Section(".kpatch.strtab").Data()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range bytes.Split(strs, []byte{0}) {
		if len(s) > 0 {
			names = append(names, string(s))
		}
	}
	for _, w := range wantNames {
		if !slices.Contains(names, w) {
			t.Errorf(".kpatch.strtab: got %q, want it to hold %q", names, w)
		}
	}
}

// checkSymbolsAndRelocs checks that symbols and relocations are
// section-relative (undo-link) and that no PLT32 relocation is left.
func checkSymbolsAndRelocs(t *testing.T, ef *elf.File) {
	t.Helper()
	syms, err := ef.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	for _, sym := range syms {
		st := elf.ST_TYPE(sym.Info)
		if sym.Section == elf.SHN_UNDEF || sym.Section >= elf.SHN_LORESERVE || st == elf.STT_TLS || st == elf.STT_SECTION {
			continue
		}
		if sec := ef.Sections[sym.Section]; sec.Addr != 0 && sym.Value > sec.Size {
			t.Errorf("symbol %s: value %#x beyond its section %s (size %#x): not section-relative",
				sym.Name, sym.Value, sec.Name, sec.Size)
		}
	}
	for _, rs := range ef.Sections {
		if rs.Type == elf.SHT_REL {
			t.Errorf("section %s: SHT_REL, want SHT_RELA only", rs.Name)
		}
		if rs.Type != elf.SHT_RELA {
			continue
		}
		target := ef.Sections[rs.Info]
		data, err := rs.Data()
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+24 <= len(data); i += 24 {
			var r elf.Rela64
			binary.Decode(data[i:], binary.LittleEndian, &r)
			if r.Off >= target.Size {
				t.Errorf("%s[%d]: offset %#x beyond %s (size %#x)", rs.Name, i/24, r.Off, target.Name, target.Size)
			}
			if typ := elf.R_X86_64(elf.R_TYPE64(r.Info)); typ == elf.R_X86_64_PLT32 {
				t.Errorf("%s[%d]: R_X86_64_PLT32 left, want PC32", rs.Name, i/24)
			}
		}
	}
}
