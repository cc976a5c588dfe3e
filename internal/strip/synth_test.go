package strip_test

import (
	"debug/elf"
	"encoding/binary"
	"testing"

	"github.com/golibcare/golibcare/internal/elfutil"
	"github.com/golibcare/golibcare/internal/elfwrite"
)

// Section indices of the synthetic patched binary built by synth.
const (
	synText = 1 + iota
	synKText
	synKInfo
	synRela
	synSymtab
	synStrtab
	synShstrtab
)

// Symbol indices of the synthetic binary.
const (
	symKText = 1 + iota
	symFoo
	symTLS
	symPuts
)

type synthInfo struct {
	daddr uint64
	dlen  uint32
}

type synthOpts struct {
	infos   []synthInfo
	relType elf.SectionType // SHT_RELA (default) or SHT_REL
	relas   []elf.Rela64
}

// synth builds a small ET_DYN shaped like a patched binary linked with
// -Wl,-q: .text, .kpatch.text, .kpatch.info, .rela.kpatch.text and the
// symbol tables, for tests and fuzz seeds that need no gcc.
func synth(t testing.TB, o synthOpts) []byte {
	t.Helper()
	var shstr, str elfwrite.Strtab
	syms := []elf.Sym64{
		{},
		{Info: elf.ST_INFO(elf.STB_LOCAL, elf.STT_SECTION), Shndx: synKText, Value: 0x2000},
		{Name: str.Add("foo"), Info: elf.ST_INFO(elf.STB_GLOBAL, elf.STT_FUNC), Shndx: synText, Value: 0x1010, Size: 16},
		{Name: str.Add("tls_var"), Info: elf.ST_INFO(elf.STB_GLOBAL, elf.STT_TLS), Shndx: synText, Value: 8, Size: 4},
		{Name: str.Add("puts@GLIBC_2.2.5"), Info: elf.ST_INFO(elf.STB_GLOBAL, elf.STT_FUNC)},
	}
	symData := make([]byte, len(syms)*elfutil.Sym64Size)
	for i, s := range syms {
		must(t, elfutil.PutSym(symData, i, s))
	}
	info := make([]byte, 48*len(o.infos))
	for i, in := range o.infos {
		binary.LittleEndian.PutUint64(info[48*i:], in.daddr)
		binary.LittleEndian.PutUint64(info[48*i+8:], 0x2000)
		binary.LittleEndian.PutUint32(info[48*i+16:], in.dlen)
		binary.LittleEndian.PutUint32(info[48*i+20:], 8)
	}
	relData := make([]byte, len(o.relas)*elfutil.Rela64Size)
	for i, r := range o.relas {
		must(t, elfutil.PutRela(relData, i, r))
	}
	relType := o.relType
	if relType == 0 {
		relType = elf.SHT_RELA
	}
	sec := func(name string, typ elf.SectionType, flags elf.SectionFlag, addr, align uint64, data []byte) elfwrite.Section {
		return elfwrite.Section{Name: name, Data: data, Header: elf.Section64{
			Name: shstr.Add(name), Type: uint32(typ), Flags: uint64(flags), Addr: addr, Addralign: align, Size: uint64(len(data)),
		}}
	}
	text := make([]byte, 0x40)
	ktext := []byte{0x48, 0x8b, 0x05, 0, 0, 0, 0, 0xc3}
	f := &elfwrite.File{Sections: []elfwrite.Section{
		{},
		sec(".text", elf.SHT_PROGBITS, elf.SHF_ALLOC|elf.SHF_EXECINSTR, 0x1000, 16, text),
		sec(".kpatch.text", elf.SHT_PROGBITS, elf.SHF_ALLOC|elf.SHF_EXECINSTR, 0x2000, 1, ktext),
		sec(".kpatch.info", elf.SHT_PROGBITS, elf.SHF_ALLOC, 0x3000, 1, info),
		sec(".rela.kpatch.text", relType, elf.SHF_INFO_LINK, 0, 8, relData),
		sec(".symtab", elf.SHT_SYMTAB, 0, 0, 8, symData),
		sec(".strtab", elf.SHT_STRTAB, 0, 0, 1, str.Bytes()),
		sec(".shstrtab", elf.SHT_STRTAB, 0, 0, 1, nil),
	}}
	f.Sections[synShstrtab].Data = shstr.Bytes()
	h := &f.Sections[synRela].Header
	h.Link, h.Info, h.Entsize = synSymtab, synKText, elfutil.Rela64Size
	h = &f.Sections[synSymtab].Header
	h.Link, h.Info, h.Entsize = synStrtab, symFoo, elfutil.Sym64Size
	f.Header = elf.Header64{Type: uint16(elf.ET_DYN), Machine: uint16(elf.EM_X86_64), Version: 1, Entry: 0x1000, Shstrndx: synShstrtab}
	copy(f.Header.Ident[:], elf.ELFMAG)
	f.Header.Ident[elf.EI_CLASS], f.Header.Ident[elf.EI_DATA], f.Header.Ident[elf.EI_VERSION] = 2, 1, 1
	f.Layout()
	b, err := f.Bytes()
	must(t, err)
	return b
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// goodSynth is a synthetic binary every pass accepts.
func goodSynth(t testing.TB) []byte {
	return synth(t, synthOpts{
		infos: []synthInfo{{daddr: 0x1010, dlen: 16}, {}},
		relas: []elf.Rela64{
			{Off: 0x2003, Info: elf.R_INFO(symFoo, uint32(elf.R_X86_64_REX_GOTPCRELX)), Addend: -4},
			{Off: 0x2003, Info: elf.R_INFO(symPuts, uint32(elf.R_X86_64_PLT32)), Addend: -4},
			{Off: 0x2003, Info: elf.R_INFO(symKText, uint32(elf.R_X86_64_PC32)), Addend: 4},
		},
	})
}
