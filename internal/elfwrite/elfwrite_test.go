package elfwrite_test

import (
	"bytes"
	"debug/elf"
	"errors"
	"reflect"
	"testing"

	"github.com/golibcare/golibcare/internal/elfutil"
	"github.com/golibcare/golibcare/internal/elfwrite"
)

var wantSyms = []elf.Sym64{
	{},
	{Info: elf.ST_INFO(elf.STB_LOCAL, elf.STT_SECTION), Shndx: 1, Value: 0x1000},
	{Info: elf.ST_INFO(elf.STB_GLOBAL, elf.STT_FUNC), Shndx: 1, Value: 0x1004, Size: 4},
	{Info: elf.ST_INFO(elf.STB_GLOBAL, elf.STT_FUNC)},
}

var symNames = []string{"", "", "foo", "puts@GLIBC_2.2.5"}

var wantRelas = []elf.Rela64{
	{Off: 0x1001, Info: elf.R_INFO(3, uint32(elf.R_X86_64_PLT32)), Addend: -4},
	{Off: 0x1008, Info: elf.R_INFO(1, uint32(elf.R_X86_64_64)), Addend: 0x10},
}

// sample builds the File literal the round-trip tests compare against:
// .text, .bss, .rela.text, .symtab, .strtab, .shstrtab.
func sample(t testing.TB) *elfwrite.File {
	t.Helper()
	var shstr, str elfwrite.Strtab
	syms := make([]byte, len(wantSyms)*elfutil.Sym64Size)
	for i, s := range wantSyms {
		s.Name = str.Add(symNames[i])
		if err := elfutil.PutSym(syms, i, s); err != nil {
			t.Fatal(err)
		}
	}
	relas := make([]byte, len(wantRelas)*elfutil.Rela64Size)
	for i, r := range wantRelas {
		if err := elfutil.PutRela(relas, i, r); err != nil {
			t.Fatal(err)
		}
	}
	sec := func(name string, typ elf.SectionType, flags elf.SectionFlag, addr, align uint64, data []byte) elfwrite.Section {
		return elfwrite.Section{Name: name, Data: data, Header: elf.Section64{
			Name: shstr.Add(name), Type: uint32(typ), Flags: uint64(flags), Addr: addr, Addralign: align, Size: uint64(len(data)),
		}}
	}
	f := &elfwrite.File{Sections: []elfwrite.Section{
		{},
		sec(".text", elf.SHT_PROGBITS, elf.SHF_ALLOC|elf.SHF_EXECINSTR, 0x1000, 16, []byte{0xe8, 0, 0, 0, 0, 0xc3, 0x90, 0x90, 1, 2, 3, 4, 5, 6, 7, 8}),
		sec(".bss", elf.SHT_NOBITS, elf.SHF_ALLOC|elf.SHF_WRITE, 0x2000, 32, nil),
		sec(".rela.text", elf.SHT_RELA, elf.SHF_INFO_LINK, 0, 8, relas),
		sec(".symtab", elf.SHT_SYMTAB, 0, 0, 8, syms),
		sec(".strtab", elf.SHT_STRTAB, 0, 0, 1, str.Bytes()),
	}}
	f.Sections = append(f.Sections, sec(".shstrtab", elf.SHT_STRTAB, 0, 0, 1, nil))
	f.Sections[6].Data = shstr.Bytes()
	f.Sections[2].Header.Size = 0x40
	f.Sections[3].Header.Link, f.Sections[3].Header.Info, f.Sections[3].Header.Entsize = 4, 1, elfutil.Rela64Size
	f.Sections[4].Header.Link, f.Sections[4].Header.Info, f.Sections[4].Header.Entsize = 5, 2, elfutil.Sym64Size
	f.Header = elf.Header64{Type: uint16(elf.ET_DYN), Machine: uint16(elf.EM_X86_64), Version: 1, Entry: 0x1004, Shstrndx: 6}
	copy(f.Header.Ident[:], elf.ELFMAG)
	f.Header.Ident[elf.EI_CLASS], f.Header.Ident[elf.EI_DATA], f.Header.Ident[elf.EI_VERSION] = 2, 1, 1
	f.Layout()
	return f
}

func TestRoundTripDebugELF(t *testing.T) {
	want := sample(t)
	b, err := want.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	f, err := elfutil.SafeNewFile(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("debug/elf rejects the written file: %v", err)
	}
	if f.Type != elf.ET_DYN || f.Machine != elf.EM_X86_64 || f.Entry != 0x1004 {
		t.Errorf("got type %v machine %v entry %#x, want ET_DYN EM_X86_64 0x1004", f.Type, f.Machine, f.Entry)
	}
	if len(f.Sections) != len(want.Sections) {
		t.Fatalf("got %d sections, want %d", len(f.Sections), len(want.Sections))
	}
	for i, s := range f.Sections[1:] {
		w := want.Sections[i+1]
		if s.Name != w.Name || uint32(s.Type) != w.Header.Type || s.Addr != w.Header.Addr ||
			s.Offset != w.Header.Off || s.Size != w.Header.Size || s.Addralign != w.Header.Addralign {
			t.Errorf("section %d: got %s %v addr %#x off %#x size %#x, want %s addr %#x off %#x size %#x",
				i+1, s.Name, s.Type, s.Addr, s.Offset, s.Size, w.Name, w.Header.Addr, w.Header.Off, w.Header.Size)
		}
	}
	checkSymbols(t, f)
	checkRelocs(t, f)
}

func checkSymbols(t *testing.T, f *elf.File) {
	t.Helper()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	if len(syms) != len(wantSyms)-1 {
		t.Fatalf("got %d symbols, want %d", len(syms), len(wantSyms)-1)
	}
	for i, s := range syms {
		w := wantSyms[i+1]
		if s.Name != symNames[i+1] || s.Info != w.Info || s.Section != elf.SectionIndex(w.Shndx) || s.Value != w.Value || s.Size != w.Size {
			t.Errorf("symbol %d: got %+v, want %q %+v", i+1, s, symNames[i+1], w)
		}
	}
}

func checkRelocs(t *testing.T, f *elf.File) {
	t.Helper()
	data, err := f.Section(".rela.text").Data()
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range wantRelas {
		got, err := elfutil.Rela(data, i)
		if err != nil {
			t.Fatal(err)
		}
		if got != w {
			t.Errorf("rela %d: got %+v, want %+v", i, got, w)
		}
	}
}

func TestReadWriteIdempotent(t *testing.T) {
	want := sample(t)
	b, err := want.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	got, err := elfwrite.Read(bytes.Clone(b))
	if err != nil {
		t.Fatal(err)
	}
	for i := range got.Sections {
		if !reflect.DeepEqual(got.Sections[i].Header, want.Sections[i].Header) || got.Sections[i].Name != want.Sections[i].Name ||
			!bytes.Equal(got.Sections[i].Data, want.Sections[i].Data) {
			t.Errorf("section %d: got %+v, want %+v", i, got.Sections[i], want.Sections[i])
		}
	}
	b2, err := got.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, b2) {
		t.Errorf("read+write changed the file: %d bytes, want %d", len(b2), len(b))
	}
}

func TestProgramHeadersKept(t *testing.T) {
	f := sample(t)
	f.Progs = []elf.Prog64{{Type: uint32(elf.PT_LOAD), Flags: uint32(elf.PF_R | elf.PF_X), Off: 0, Vaddr: 0, Filesz: 0x100, Memsz: 0x100, Align: 0x1000}}
	f.Layout()
	b, err := f.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	ef, err := elfutil.SafeNewFile(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if len(ef.Progs) != 1 || ef.Progs[0].Type != elf.PT_LOAD || ef.Progs[0].Filesz != 0x100 {
		t.Errorf("got progs %+v, want one PT_LOAD of 0x100 bytes", ef.Progs)
	}
}

func TestReadErrors(t *testing.T) {
	good, err := sample(t).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	mutate := func(off int, v byte) []byte {
		b := bytes.Clone(good)
		b[off] = v
		return b
	}
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, elfwrite.ErrNotELF},
		{"text", []byte("#!/bin/sh\necho this is not an elf file at all, not even close to one\n"), elfwrite.ErrNotELF},
		{"truncated", good[:len(good)-10], elfutil.ErrOutOfBounds},
		{"class32", mutate(elf.EI_CLASS, 1), nil},
		{"bigendian", mutate(elf.EI_DATA, 2), nil},
		{"shstrndx", mutate(62, 40), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := elfwrite.Read(tt.in)
			if err == nil || f != nil {
				t.Fatalf("got %v, %v; want an error", f, err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestBytesSizeMismatch(t *testing.T) {
	f := sample(t)
	f.Sections[1].Data = f.Sections[1].Data[:4]
	if _, err := f.Bytes(); err == nil {
		t.Errorf("got no error for data shorter than sh_size")
	}
}

func FuzzRead(f *testing.F) {
	b, err := sample(f).Bytes()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(elf.ELFMAG))
	f.Fuzz(func(t *testing.T, b []byte) {
		ef, err := elfwrite.Read(b)
		if (err != nil) != (ef == nil) {
			t.Fatalf("got file %v and error %v", ef != nil, err)
		}
		if ef != nil {
			ef.Bytes() // must not panic; errors are fine
		}
	})
}
