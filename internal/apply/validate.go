package apply

import (
	"bytes"
	"cmp"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"github.com/golibcare/golibcare/internal/kpatch"
)

// The checks below run when a patch is loaded, before any process is
// looked at: they refuse an ELF that cannot be what kpatch_strip and
// kpatch_make produce (facts §1.2, §1.3), so that what relocate and the
// jumps later do with it stays inside the patch's own region and the
// functions it names. They cannot tell a changed instruction or addend
// from a real one: that is what the header's CRC is for.

// bad returns a validation error: one line, wrapping errBadELF.
func bad(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errBadELF}, args...)...)
}

// ours reports whether a section of this name carries contents in a patch
// (facts §1.2: every other section is SHT_NOBITS).
func ours(name string) bool {
	switch name {
	case ".symtab", ".strtab", ".shstrtab":
		return true
	}
	return strings.Contains(name, "kpatch")
}

func (r *relObj) has(i int) bool {
	t := elf.SectionType(r.shdrs[i].Type)
	return i > 0 && t != elf.SHT_NOBITS && t != elf.SHT_NULL
}

// checkSections runs after parseSections has decoded the headers and names.
func (r *relObj) checkSections() error {
	if r.shdrs[0] != (elf.Section64{}) {
		return bad("section 0 is not the null section")
	}
	seen := map[string]bool{}
	for i := 1; i < len(r.shdrs); i++ {
		if err := r.checkSection(i); err != nil {
			return err
		}
		if r.has(i) {
			if seen[r.names[i]] {
				return bad("two sections named %q", r.names[i])
			}
			seen[r.names[i]] = true
		}
	}
	if err := r.checkOverlaps(); err != nil {
		return err
	}
	return r.checkPlacement()
}

func (r *relObj) checkSection(i int) error {
	sh, name := r.shdrs[i], r.names[i]
	t := elf.SectionType(sh.Type)
	if t == elf.SHT_NOBITS {
		if ours(name) {
			return bad("section %q has no contents", name)
		}
		return nil
	}
	if !ours(name) {
		return bad("section %q (%v) has contents: only .kpatch*, .symtab, .strtab and .shstrtab may", name, t)
	}
	want := map[string]elf.SectionType{".symtab": elf.SHT_SYMTAB, ".strtab": elf.SHT_STRTAB, ".shstrtab": elf.SHT_STRTAB}[name]
	switch {
	case t == elf.SHT_REL:
		return bad("section %q: SHT_REL relocations are not supported (only SHT_RELA)", name)
	case want != 0 && t != want, strings.HasPrefix(name, ".rela") != (t == elf.SHT_RELA),
		t != elf.SHT_PROGBITS && t != elf.SHT_STRTAB && t != elf.SHT_SYMTAB && t != elf.SHT_RELA,
		t == elf.SHT_SYMTAB && want == 0:
		return bad("section %q has type %v", name, t)
	}
	if a := sh.Addralign; a > 1 && (a&(a-1) != 0 || sh.Off%a != 0) {
		return bad("section %q at %#x: bad alignment %d", name, sh.Off, a)
	}
	return nil
}

// checkOverlaps refuses sections that share bytes with each other, the ELF
// header or the section header table: each byte has one meaning.
func (r *relObj) checkOverlaps() error {
	type span struct {
		name       string
		start, end uint64
	}
	var eh elf.Header64
	binary.Decode(r.img, binary.LittleEndian, &eh)
	spans := []span{{"the ELF header", 0, 64}, {"the section headers", eh.Shoff, eh.Shoff + 64*uint64(len(r.shdrs))}}
	for i, sh := range r.shdrs {
		if r.has(i) && sh.Size > 0 {
			spans = append(spans, span{fmt.Sprintf("section %q", r.names[i]), sh.Off, sh.Off + sh.Size})
		}
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	for k := 1; k < len(spans); k++ {
		if spans[k].start < spans[k-1].end {
			return bad("%s and %s overlap", spans[k-1].name, spans[k].name)
		}
	}
	return nil
}

// checkPlacement keeps code and data where the region's protections put
// them: everything before .kpatch.data becomes r-x, so that is where
// executable sections must be and writable ones must not (facts §8.9k).
// mprotect covers whole pages, hence a page-aligned .kpatch.data.
func (r *relObj) checkPlacement() error {
	dataOff := uint64(len(r.img))
	if r.data >= 0 {
		dataOff = r.shdrs[r.data].Off
		if dataOff%pageSize != 0 {
			return bad("section .kpatch.data at %#x is not page-aligned", dataOff)
		}
	}
	for i, sh := range r.shdrs {
		if !r.has(i) || sh.Flags&uint64(elf.SHF_ALLOC) == 0 {
			continue
		}
		w, x := sh.Flags&uint64(elf.SHF_WRITE) != 0, sh.Flags&uint64(elf.SHF_EXECINSTR) != 0
		switch {
		case w && x:
			return bad("section %q is both writable and executable", r.names[i])
		case w && (r.data < 0 || sh.Off < dataOff):
			return bad("writable section %q at %#x is not in the data part (.kpatch.data)", r.names[i], sh.Off)
		case x && sh.Off+sh.Size > dataOff:
			return bad("executable section %q at %#x+%#x runs into the data part", r.names[i], sh.Off, sh.Size)
		}
	}
	return nil
}

// checkTables checks the symbol table, the relocation sections and
// .kpatch.info as tables: entry sizes, links and the info terminator.
func (r *relObj) checkTables() error {
	nsym := 0
	for i, sh := range r.shdrs {
		if sh.Type == uint32(elf.SHT_SYMTAB) {
			nsym++
			if sh.Entsize != 24 || sh.Size%24 != 0 || sh.Size == 0 {
				return bad("symbol table: entry size %d, size %d", sh.Entsize, sh.Size)
			}
			if int(sh.Link) >= len(r.shdrs) || !r.has(int(sh.Link)) || r.shdrs[sh.Link].Type != uint32(elf.SHT_STRTAB) {
				return bad("symbol table: sh_link %d is not a string table", sh.Link)
			}
			if sh.Info > uint32(sh.Size/24) {
				return bad("symbol table: sh_info %d past its %d symbols", sh.Info, sh.Size/24)
			}
		}
		if sh.Type == uint32(elf.SHT_RELA) && r.has(i) {
			if err := r.checkRelaSection(i); err != nil {
				return err
			}
		}
	}
	if nsym != 1 {
		return bad("%d symbol tables, want 1", nsym)
	}
	return r.checkInfoSection()
}

func (r *relObj) checkRelaSection(i int) error {
	sh, name := r.shdrs[i], r.names[i]
	if sh.Entsize != 24 || sh.Size%24 != 0 {
		return bad("section %q: entry size %d, size %d", name, sh.Entsize, sh.Size)
	}
	if int(sh.Link) != r.symtab {
		return bad("section %q: sh_link %d is not the symbol table", name, sh.Link)
	}
	t := int(sh.Info)
	if t <= 0 || t >= len(r.shdrs) || !r.has(t) || r.shdrs[t].Type != uint32(elf.SHT_PROGBITS) {
		return bad("section %q: sh_info %d is not a section with contents to relocate", name, sh.Info)
	}
	if name != ".rela"+r.names[t] {
		return bad("section %q relocates section %q", name, r.names[t])
	}
	return nil
}

// checkInfoSection: whole 48-byte records, then the 24 zero bytes of the
// terminator (facts §1.3), which unpatch relies on to find the end.
func (r *relObj) checkInfoSection() error {
	b := r.bytes(r.info)
	n := len(b)
	if n < kpatch.InfoTerminatorSize || (n-kpatch.InfoTerminatorSize)%kpatch.InfoSize != 0 {
		return bad(".kpatch.info: %d bytes is not records of %d bytes and a %d-byte terminator",
			n, kpatch.InfoSize, kpatch.InfoTerminatorSize)
	}
	if !allZero(b[n-kpatch.InfoTerminatorSize:]) {
		return bad(".kpatch.info: no terminator record")
	}
	return nil
}

func allZero(b []byte) bool { return len(bytes.Trim(b, "\x00")) == 0 }

// checkSymbols checks every symbol, as upstream resolves them all
// (facts §8.9f), and marks which ones relocations may use.
func (r *relObj) checkSymbols() error {
	if r.syms[0] != (elf.Sym64{}) {
		return bad("symbol 0 is not the null symbol")
	}
	r.usable = make([]bool, len(r.syms))
	for i := 1; i < len(r.syms); i++ {
		ok, err := r.checkSymbol(i)
		if err != nil {
			return bad("symbol %d %q: %v", i, r.symNames[i], err)
		}
		r.usable[i] = ok
	}
	return nil
}

// checkSymbol returns whether relocations may use symbol i: imports and
// symbols at a known place (in the region, or in a section the original
// object loads).
func (r *relObj) checkSymbol(i int) (bool, error) {
	s := r.syms[i]
	typ, sh := elf.ST_TYPE(s.Info), elf.SectionIndex(s.Shndx)
	switch typ {
	case elf.STT_NOTYPE, elf.STT_OBJECT, elf.STT_FUNC, elf.STT_SECTION, elf.STT_FILE, elf.STT_TLS:
	default:
		return false, fmt.Errorf("unsupported symbol type %v", typ)
	}
	switch {
	case sh == elf.SHN_UNDEF:
		return r.isImport(i) || typ == elf.STT_TLS, nil
	case sh == elf.SHN_ABS:
		return true, nil
	case sh >= elf.SHN_LORESERVE || int(sh) >= len(r.shdrs):
		return false, fmt.Errorf("section index %#x", uint16(sh))
	case typ == elf.STT_TLS || typ == elf.STT_FILE:
		return true, nil // a TLS-block offset; FILE is ignored
	}
	if r.has(int(sh)) {
		if typ != elf.STT_SECTION && (s.Value > r.shdrs[sh].Size || s.Size > r.shdrs[sh].Size-s.Value) {
			return false, fmt.Errorf("%#x+%#x outside section %q of %#x bytes", s.Value, s.Size, r.names[sh], r.shdrs[sh].Size)
		}
		return true, nil
	}
	// A NOBITS section of the original: usable when it is loaded there.
	return r.shdrs[sh].Addr != 0, nil
}

// relocSize is the number of bytes a supported relocation writes, or
// ok=false for one relocate does not know (facts §8.9g).
func relocSize(t elf.R_X86_64) (n uint64, ok bool) {
	switch t {
	case elf.R_X86_64_NONE:
		return 0, true
	case elf.R_X86_64_64, elf.R_X86_64_TPOFF64:
		return 8, true
	case elf.R_X86_64_32, elf.R_X86_64_32S, elf.R_X86_64_PC32, elf.R_X86_64_PLT32, elf.R_X86_64_TPOFF32,
		elf.R_X86_64_GOTPCREL, elf.R_X86_64_GOTPCRELX, elf.R_X86_64_REX_GOTPCRELX, elf.R_X86_64_GOTTPOFF:
		return 4, true
	}
	return 0, false
}

// checkRelocs checks every relocation of every contentful RELA section:
// a known type, a usable symbol, the bytes it writes inside its section
// and not shared with another relocation.
func (r *relObj) checkRelocs() error {
	for i := range r.shdrs {
		if r.shdrs[i].Type != uint32(elf.SHT_RELA) || !r.has(i) {
			continue
		}
		if err := r.checkRelaEntries(i); err != nil {
			return bad("section %q: %v", r.names[i], err)
		}
	}
	return nil
}

func (r *relObj) checkRelaEntries(i int) error {
	tgt := int(r.shdrs[i].Info)
	size := r.shdrs[tgt].Size
	rels := r.relas(i)
	type site struct{ start, end uint64 }
	sites := make([]site, 0, len(rels))
	for k, rel := range rels {
		typ, si := elf.R_X86_64(elf.R_TYPE64(rel.Info)), int(elf.R_SYM64(rel.Info))
		n, ok := relocSize(typ)
		switch {
		case !ok:
			return fmt.Errorf("reloc %d: unsupported relocation type %v", k, typ)
		case typ == elf.R_X86_64_NONE:
			continue
		case si == 0 || si >= len(r.syms):
			return fmt.Errorf("reloc %d: symbol index %d out of range (%d symbols)", k, si, len(r.syms))
		case !r.usable[si]:
			return fmt.Errorf("reloc %d: %v against symbol %q, which has no address in the target", k, typ, r.symNames[si])
		case rel.Off > size || n > size-rel.Off:
			return fmt.Errorf("reloc %d: offset %#x+%d outside the %d-byte section %q", k, rel.Off, n, size, r.names[tgt])
		case tgt == r.info && (typ != elf.R_X86_64_64 || !infoField(rel.Off, size)):
			return fmt.Errorf("reloc %d: %v at %#x is not an address field of a record", k, typ, rel.Off)
		}
		sites = append(sites, site{rel.Off, rel.Off + n})
	}
	slices.SortFunc(sites, func(a, b site) int { return cmp.Compare(a.start, b.start) })
	for k := 1; k < len(sites); k++ {
		if sites[k].start < sites[k-1].end {
			return fmt.Errorf("two relocations write at %#x", sites[k].start)
		}
	}
	return nil
}

// infoField reports whether off is the daddr, saddr or symstr field of a
// record (not of the terminator) in a .kpatch.info of size bytes.
func infoField(off, size uint64) bool {
	nrec := (size - kpatch.InfoTerminatorSize) / kpatch.InfoSize
	f := off % kpatch.InfoSize
	return off/kpatch.InfoSize < nrec && (f == 0 || f == 8 || f == 24)
}

// relas decodes the entries of RELA section i (checked by checkTables).
func (r *relObj) relas(i int) []elf.Rela64 {
	raw := r.bytes(i)
	out := make([]elf.Rela64, len(raw)/24)
	binary.Decode(raw, binary.LittleEndian, out)
	return out
}
