package apply

import (
	"debug/elf"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/kpatch"
)

// Section indexes of testPatch's ELF (relObject puts .symtab after them).
const (
	secText = 1 + iota
	secKText
	secRelaKText
	secKStrtab
	secKInfo
	secRelaKInfo
	secKData
	secRelaKData
	secSymtab
)

// elfEditor changes one field of a patch ELF by its place.
type elfEditor struct {
	t *testing.T
	b []byte
	r *relObj
}

func (e *elfEditor) shdr(i int) int {
	return int(binary.LittleEndian.Uint64(e.b[0x28:])) + 64*i
}
func (e *elfEditor) sym(i int) int { return int(e.r.shdrs[secSymtab].Off) + 24*i }
func (e *elfEditor) rela(sec, k int) int {
	return int(e.r.shdrs[sec].Off) + 24*k
}
func (e *elfEditor) info(k int) int { return int(e.r.shdrs[secKInfo].Off) + kpatch.InfoSize*k }

func (e *elfEditor) put8(off int, v byte)    { e.b[off] = v }
func (e *elfEditor) put16(off int, v uint16) { binary.LittleEndian.PutUint16(e.b[off:], v) }
func (e *elfEditor) put32(off int, v uint32) { binary.LittleEndian.PutUint32(e.b[off:], v) }
func (e *elfEditor) put64(off int, v uint64) { binary.LittleEndian.PutUint64(e.b[off:], v) }

// Offsets of fields inside Elf64_Shdr, Elf64_Sym and Elf64_Rela.
const (
	shName, shType, shFlags, shAddr, shOff, shSize, shLink, shInfo, shAlign = 0, 4, 8, 16, 24, 32, 40, 44, 48
	stInfo, stShndx, stValue, stSize                                        = 4, 6, 8, 16
	rOff, rInfo, rAddend                                                    = 0, 8, 16
)

// twoHunks adds a second record to .kpatch.info, replacing the same
// function as the first one.
func twoHunks(secs []relSec) {
	info := make([]byte, 2*kpatch.InfoSize+kpatch.InfoTerminatorSize)
	for k := 0; k < 2; k++ {
		binary.LittleEndian.PutUint32(info[k*kpatch.InfoSize+16:], fooLen)
		binary.LittleEndian.PutUint32(info[k*kpatch.InfoSize+20:], 0x20)
	}
	secs[secKInfo-1].data = info
	secs[secRelaKInfo-1].data = relaBytes([]relRela{
		{0, symFoo, elf.R_X86_64_64, 0}, {8, symFooK, elf.R_X86_64_64, 0}, {24, symStrtab, elf.R_X86_64_64, 0},
		{48, symFoo, elf.R_X86_64_64, 0}, {56, symFooK, elf.R_X86_64_64, 0x20}, {72, symStrtab, elf.R_X86_64_64, 0}})
}

func TestValidate(t *testing.T) {
	img := testPatch(t, "0001", allRelocs).file.File.ELF
	two := testPatch(t, "0001", allRelocs, twoHunks).file.File.ELF
	for _, tc := range []struct {
		name string
		img  []byte
		edit func(e *elfEditor)
		want string
	}{
		{"unchanged", img, func(e *elfEditor) {}, ""},
		{"machine", img, func(e *elfEditor) { e.put16(18, uint16(elf.EM_386)) }, "e_machine"},
		{"section 0", img, func(e *elfEditor) { e.put32(e.shdr(0)+shType, 1) }, "null section"},
		{"section name", img, func(e *elfEditor) { e.put32(e.shdr(secKText)+shName, 1<<20) }, "name"},
		{"shstrndx", img, func(e *elfEditor) { e.put16(62, secText) }, "e_shstrndx"},
		{"code without contents", img, func(e *elfEditor) { e.put32(e.shdr(secKText)+shType, uint32(elf.SHT_NOBITS)) }, "no contents"},
		{"original section with contents", img, func(e *elfEditor) { e.put32(e.shdr(secText)+shType, uint32(elf.SHT_PROGBITS)) }, "has contents"},
		{"rela type", img, func(e *elfEditor) { e.put32(e.shdr(secRelaKText)+shType, uint32(elf.SHT_PROGBITS)) }, "has type"},
		{"rel", img, func(e *elfEditor) { e.put32(e.shdr(secRelaKText)+shType, uint32(elf.SHT_REL)) }, "SHT_REL"},
		{"unknown type", img, func(e *elfEditor) { e.put32(e.shdr(secKText)+shType, uint32(elf.SHT_DYNAMIC)) }, "has type"},
		{"two symbol tables", img, func(e *elfEditor) { e.put32(e.shdr(secRelaKData)+shType, uint32(elf.SHT_SYMTAB)) }, "type"},
		{"rela target", img, func(e *elfEditor) { e.put32(e.shdr(secRelaKText)+shInfo, secKData) }, "relocates section"},
		{"rela target without contents", img, func(e *elfEditor) { e.put32(e.shdr(secRelaKText)+shInfo, secText) }, "sh_info"},
		{"rela link", img, func(e *elfEditor) { e.put32(e.shdr(secRelaKText)+shLink, secKStrtab) }, "sh_link"},
		{"rela entry size", img, func(e *elfEditor) { e.put64(e.shdr(secRelaKText)+shSize, 25) }, "entry size"},
		{"section outside the file", img, func(e *elfEditor) { e.put64(e.shdr(secKText)+shOff, 1<<32) }, "outside"},
		{"section size", img, func(e *elfEditor) { e.put64(e.shdr(secKText)+shSize, 0x1000) }, "overlap"},
		{"section over the ELF header", img, func(e *elfEditor) { e.put64(e.shdr(secKStrtab)+shOff, 16) }, "overlap"},
		{"alignment", img, func(e *elfEditor) { e.put64(e.shdr(secKText)+shAlign, 3) }, "alignment"},
		{"data not page-aligned", img, func(e *elfEditor) {
			e.put64(e.shdr(secKData)+shAlign, 1)
			e.put64(e.shdr(secKData)+shOff, e.r.shdrs[secKData].Off-8)
		}, "page-aligned"},
		{"writable code", img, func(e *elfEditor) {
			e.put64(e.shdr(secKText)+shFlags, uint64(elf.SHF_ALLOC|elf.SHF_WRITE|elf.SHF_EXECINSTR))
		}, "writable and executable"},
		{"writable info", img, func(e *elfEditor) { e.put64(e.shdr(secKInfo)+shFlags, uint64(elf.SHF_ALLOC|elf.SHF_WRITE)) }, "data part"},
		{"executable data", img, func(e *elfEditor) { e.put64(e.shdr(secKData)+shFlags, uint64(elf.SHF_ALLOC|elf.SHF_EXECINSTR)) }, "runs into the data part"},
		{"symbol 0", img, func(e *elfEditor) { e.put8(e.sym(0)+stInfo, 1) }, "null symbol"},
		{"symbol value", img, func(e *elfEditor) { e.put64(e.sym(symFooK)+stValue, 0x30) }, "outside section"},
		{"symbol section", img, func(e *elfEditor) { e.put16(e.sym(symFooK)+stShndx, 0x200) }, "section index"},
		{"symbol type", img, func(e *elfEditor) { e.put8(e.sym(symFooK)+stInfo, byte(elf.STB_GLOBAL)<<4|byte(elf.STT_GNU_IFUNC)) }, "symbol type"},
		{"symbol name", img, func(e *elfEditor) { e.put32(e.sym(symFooK), 1<<20) }, "name"},
		{"reloc type", img, func(e *elfEditor) { e.put64(e.rela(secRelaKText, 1)+rInfo, elf.R_INFO(symPuts, 200)) }, "unsupported relocation type"},
		{"reloc symbol", img, func(e *elfEditor) { e.put64(e.rela(secRelaKText, 1)+rInfo, elf.R_INFO(999, uint32(elf.R_X86_64_PC32))) }, "out of range"},
		{"reloc symbol 0", img, func(e *elfEditor) { e.put64(e.rela(secRelaKText, 1)+rInfo, elf.R_INFO(0, uint32(elf.R_X86_64_PC32))) }, "out of range"},
		{"reloc offset", img, func(e *elfEditor) { e.put64(e.rela(secRelaKText, 1)+rOff, 0x3e) }, "outside the"},
		{"reloc offset overflow", img, func(e *elfEditor) { e.put64(e.rela(secRelaKText, 1)+rOff, ^uint64(1)) }, "outside the"},
		{"relocs overlap", img, func(e *elfEditor) { e.put64(e.rela(secRelaKText, 1)+rOff, 2) }, "two relocations"},
		{"reloc against unloaded section", img, func(e *elfEditor) { e.put64(e.shdr(secText)+shAddr, 0) }, "no address in the target"},
		{"info reloc type", img, func(e *elfEditor) {
			e.put64(e.rela(secRelaKInfo, 0)+rInfo, elf.R_INFO(symFoo, uint32(elf.R_X86_64_PC32)))
		}, "address field"},
		{"info reloc in the terminator", img, func(e *elfEditor) { e.put64(e.rela(secRelaKInfo, 2)+rOff, 48) }, "address field"},
		{"info reloc on dlen", img, func(e *elfEditor) { e.put64(e.rela(secRelaKInfo, 2)+rOff, 16) }, "address field"},
		{"info size", img, func(e *elfEditor) { e.put64(e.shdr(secKInfo)+shSize, 48) }, "terminator"},
		{"info terminator", img, func(e *elfEditor) { e.put8(e.info(1)+3, 1) }, "no terminator"},
		{"dlen < 5", img, func(e *elfEditor) { e.put32(e.info(0)+16, 4) }, "too small function"},
		{"slen", img, func(e *elfEditor) { e.put32(e.info(0)+20, 0x41) }, "new code"},
		{"slen 0", img, func(e *elfEditor) { e.put32(e.info(0)+20, 0) }, "new code"},
		{"new code in data", img, func(e *elfEditor) {
			e.put64(e.rela(secRelaKInfo, 1)+rInfo, elf.R_INFO(symData, uint32(elf.R_X86_64_64)))
		}, "executable section"},
		{"new code past its section", img, func(e *elfEditor) { e.put64(e.rela(secRelaKInfo, 1)+rAddend, 0x3f) }, "new code"},
		{"new code before its section", img, func(e *elfEditor) { e.put64(e.rela(secRelaKInfo, 1)+rAddend, ^uint64(0)) }, "new code"},
		{"original in the patch", img, func(e *elfEditor) {
			e.put64(e.rela(secRelaKInfo, 0)+rInfo, elf.R_INFO(symFooK, uint32(elf.R_X86_64_64)))
		}, "original's code"},
		{"original is an import", img, func(e *elfEditor) {
			e.put64(e.rela(secRelaKInfo, 0)+rInfo, elf.R_INFO(symPuts, uint32(elf.R_X86_64_64)))
		}, "original's code"},
		{"daddr without relocation", img, func(e *elfEditor) { e.put64(e.rela(secRelaKInfo, 0)+rInfo, 0); e.put64(e.info(0), 0x1000) }, "no relocation"},
		{"name past its section", img, func(e *elfEditor) { e.put64(e.rela(secRelaKInfo, 2)+rAddend, 11) }, "not a string"},
		{"raw name", img, func(e *elfEditor) { e.put64(e.rela(secRelaKInfo, 2)+rInfo, 0); e.put64(e.info(0)+24, 0x1234) }, "name is not in the patch"},
		{"two hunks on one function", two, func(e *elfEditor) {}, "both replace the function"},
		{"overlapping hunks", two, func(e *elfEditor) { e.put64(e.rela(secRelaKInfo, 3)+rAddend, 4) }, "overlapping code"},
		{"disjoint hunks", two, func(e *elfEditor) { e.put64(e.rela(secRelaKInfo, 3)+rAddend, fooLen) }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &elfEditor{t: t, b: append([]byte(nil), tc.img...), r: mustLayout(t, tc.img)}
			tc.edit(e)
			r, err := parseRelObj(e.b)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("got %v, want the ELF accepted", err)
			case tc.want == "":
				return
			case err == nil || r != nil:
				t.Fatalf("got no error, want one containing %q", tc.want)
			case !strings.Contains(err.Error(), tc.want) || !errors.Is(err, errBadELF) && !strings.Contains(err.Error(), "kpatch info"):
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			case strings.Contains(err.Error(), "\n"):
				t.Fatalf("got a multi-line error %q", err)
			}
		})
	}
}

// mustLayout parses the section headers of img without the checks: the
// editor needs offsets, also of images the checks refuse.
func mustLayout(t *testing.T, img []byte) *relObj {
	t.Helper()
	r := &relObj{img: img, symtab: -1, info: -1, data: -1}
	if err := r.parseSections(); err != nil {
		t.Fatal(err)
	}
	return r
}

// BenchmarkParseRelObj measures parsing plus validation of a patch ELF,
// which runs twice per patch (when the file is opened and per object).
func BenchmarkParseRelObj(b *testing.B) {
	img := patchELF(allRelocs)
	b.SetBytes(int64(len(img)))
	for b.Loop() {
		if _, err := parseRelObj(img); err != nil {
			b.Fatal(err)
		}
	}
}
