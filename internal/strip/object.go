package strip

import (
	"debug/elf"
	"fmt"
	"strings"

	"github.com/golibcare/golibcare/internal/elfutil"
	"github.com/golibcare/golibcare/internal/elfwrite"
)

// symtab is one symbol table of a file with its string table.
type symtab struct {
	data, strtab []byte
	n            int
}

// object is a file opened for the in-place passes: its sections plus the
// symbol tables they use (kpatch_objinfo in LibcarePlus).
type object struct {
	f      *elfwrite.File
	sym    symtab // last SHT_SYMTAB, as kpatch_objinfo_load picks it
	dynsym symtab // last SHT_DYNSYM
}

// loadPair loads the original binary and the stripped patch that
// --rel-fixup and --undo-link both take.
func loadPair(orig, patch []byte) (o, p *object, err error) {
	if o, err = load(orig); err != nil {
		return nil, nil, fmt.Errorf("original: %w", err)
	}
	if p, err = load(patch); err != nil {
		return nil, nil, fmt.Errorf("patch: %w", err)
	}
	return o, p, nil
}

func load(b []byte) (*object, error) {
	f, err := elfwrite.Read(b)
	if err != nil {
		return nil, err
	}
	o := &object{f: f}
	for i := 1; i < len(f.Sections); i++ {
		var dst *symtab
		switch f.Sections[i].Type() {
		case elf.SHT_SYMTAB:
			dst = &o.sym
		case elf.SHT_DYNSYM:
			dst = &o.dynsym
		default:
			continue
		}
		if err := o.loadSymtab(i, dst); err != nil {
			return nil, err
		}
	}
	return o, nil
}

func (o *object) loadSymtab(i int, dst *symtab) error {
	s := &o.f.Sections[i]
	n, err := elfutil.Count(uint64(len(s.Data)), elfutil.Sym64Size)
	if err != nil {
		return fmt.Errorf("section %q: %w", s.Name, err)
	}
	str, err := o.f.Section(int(s.Header.Link))
	if err != nil {
		return fmt.Errorf("section %q string table: %w", s.Name, err)
	}
	*dst = symtab{data: s.Data, strtab: str.Data, n: n}
	return nil
}

func (t *symtab) get(i uint32) (elf.Sym64, error) {
	if int64(i) >= int64(t.n) {
		return elf.Sym64{}, fmt.Errorf("symbol index %d out of range [0,%d)", i, t.n)
	}
	return elfutil.Sym(t.data, int(i))
}

func (t *symtab) name(s elf.Sym64) (string, error) {
	return elfutil.CString(t.strtab, uint64(s.Name))
}

// lookup returns the first symbol called name, as the C tool's linear scan does.
func (t *symtab) lookup(name string) (elf.Sym64, bool) {
	for i := 0; i < t.n; i++ {
		s, err := elfutil.Sym(t.data, i)
		if err != nil {
			return elf.Sym64{}, false
		}
		if n, err := t.name(s); err == nil && n == name {
			return s, true
		}
	}
	return elf.Sym64{}, false
}

// ours reports whether section shndx is part of the patch (a .kpatch* section).
func (o *object) ours(shndx uint16) bool {
	s, err := o.f.Section(int(shndx))
	return err == nil && strings.HasPrefix(s.Name, ".kpatch")
}

// symOffset returns a symbol's offset inside its section and the section's
// name; TLS symbols already hold their offset in the TLS block.
func (o *object) symOffset(s elf.Sym64) (uint64, string, error) {
	if elfutil.SymType(s) == elf.STT_TLS {
		return s.Value, "", nil
	}
	sec, err := o.f.Section(int(s.Shndx))
	if err != nil {
		return 0, "", err
	}
	if sec.Header.Addr > s.Value {
		return 0, "", fmt.Errorf("symbol at %#x below its section %q at %#x", s.Value, sec.Name, sec.Header.Addr)
	}
	return s.Value - sec.Header.Addr, sec.Name, nil
}

// sectionSym returns the index of the first STT_SECTION symbol of section shndx.
func (o *object) sectionSym(shndx uint16) (uint32, bool) {
	for i := 0; i < o.sym.n; i++ {
		s, err := elfutil.Sym(o.sym.data, i)
		if err != nil {
			return 0, false
		}
		if elfutil.SymType(s) == elf.STT_SECTION && s.Shndx == shndx {
			return uint32(i), true
		}
	}
	return 0, false
}
