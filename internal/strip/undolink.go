package strip

import (
	"debug/elf"
	"fmt"

	"github.com/golibcare/golibcare/internal/elfutil"
	"github.com/golibcare/golibcare/internal/elfwrite"
)

// UndoLink is kpatch_strip --undo-link: it makes the stripped patch look like
// a relocatable object again, with relocation offsets and symbol values
// relative to their sections and the sections placed at the original
// binary's addresses (facts §3.4). patch is modified in place and returned.
func UndoLink(orig, patch []byte, log Log) ([]byte, error) {
	o, p, err := loadPair(orig, patch)
	if err != nil {
		return nil, err
	}
	if err := relocsToRelative(p.f); err != nil {
		return nil, err
	}
	if err := symbolsToRelative(p); err != nil {
		return nil, err
	}
	copySectionAddrs(o.f, p.f, log)
	p.f.Header.Type = uint16(elf.ET_REL)
	p.f.Header.Phoff = 0
	p.f.Progs = nil
	return p.f.Bytes()
}

func relocsToRelative(f *elfwrite.File) error {
	for i := 1; i < len(f.Sections); i++ {
		s := &f.Sections[i]
		switch s.Type() {
		case elf.SHT_REL:
			return fmt.Errorf("section %q: Unable to handle SHT_REL", s.Name)
		case elf.SHT_RELA:
		default:
			continue
		}
		if int(s.Header.Info) >= len(f.Sections) {
			return fmt.Errorf("section %q: target index %d out of range", s.Name, s.Header.Info)
		}
		addr := f.Sections[s.Header.Info].Header.Addr
		if addr == 0 {
			continue
		}
		if err := shiftRelocs(s, addr); err != nil {
			return fmt.Errorf("section %q: %w", s.Name, err)
		}
	}
	return nil
}

func shiftRelocs(s *elfwrite.Section, addr uint64) error {
	n, err := elfutil.Count(uint64(len(s.Data)), elfutil.Rela64Size)
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		r, err := elfutil.Rela(s.Data, i)
		if err != nil {
			return err
		}
		r.Off -= addr
		if err := elfutil.PutRela(s.Data, i, r); err != nil {
			return err
		}
	}
	return nil
}

func symbolsToRelative(p *object) error {
	for i := 0; i < p.sym.n; i++ {
		s, err := elfutil.Sym(p.sym.data, i)
		if err != nil {
			return err
		}
		t := elfutil.SymType(s)
		if s.Shndx == uint16(elf.SHN_UNDEF) || s.Shndx >= uint16(elf.SHN_LORESERVE) ||
			t == elf.STT_TLS || t == elf.STT_SECTION {
			continue
		}
		sec, err := p.f.Section(int(s.Shndx))
		if err != nil {
			return fmt.Errorf("symbol %d: %w", i, err)
		}
		if sec.Header.Addr == 0 {
			continue
		}
		s.Value -= sec.Header.Addr
		if err := elfutil.PutSym(p.sym.data, i, s); err != nil {
			return err
		}
	}
	return nil
}

// copySectionAddrs gives each patch section the address of the same-named
// allocated section of the original, matching names in order (a name may
// repeat). Unlike the C tool, an unmatched section does not make the next
// one be skipped as well.
func copySectionAddrs(orig, patch *elfwrite.File, log Log) {
	next := 1
	for i := 1; i < len(orig.Sections); i++ {
		os := &orig.Sections[i]
		if os.Flags()&elf.SHF_ALLOC == 0 {
			continue
		}
		j := findSection(patch, os.Name, next)
		if j < 0 {
			log.warnf("unable to map %s original section, skipping\n", os.Name)
			next = 1
			continue
		}
		patch.Sections[j].Header.Addr = os.Header.Addr
		next = j + 1
	}
}

func findSection(f *elfwrite.File, name string, from int) int {
	for j := from; j < len(f.Sections); j++ {
		if f.Sections[j].Name == name {
			return j
		}
	}
	return -1
}
