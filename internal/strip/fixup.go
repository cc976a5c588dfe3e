package strip

import (
	"debug/elf"
	"fmt"
	"strings"

	"github.com/golibcare/golibcare/internal/elfutil"
	"github.com/golibcare/golibcare/internal/elfwrite"
)

// x86-64 opcodes of `mov m64, r64` and `lea m, r64` (after the REX prefix).
const (
	opMov = 0x8b
	opLea = 0x8d
)

// RelFixup is kpatch_strip --rel-fixup: it rewrites the relocations of the
// stripped patch so the runtime can apply them next to the original binary
// orig (facts §3.2). patch is modified in place and also returned.
func RelFixup(orig, patch []byte, log Log) ([]byte, error) {
	o, p, err := loadPair(orig, patch)
	if err != nil {
		return nil, err
	}
	fx := &fixer{orig: o, patch: p, log: log}
	if fx.shifts, err = fx.layoutFix(); err != nil {
		return nil, fmt.Errorf("layout: %w", err)
	}
	if err := fx.checkOrigins(); err != nil {
		return nil, err
	}
	for i := 1; i < len(p.f.Sections); i++ {
		s := &p.f.Sections[i]
		switch s.Type() {
		case elf.SHT_RELA:
			if err := fx.section(s); err != nil {
				return nil, fmt.Errorf("section %q: %w", s.Name, err)
			}
		case elf.SHT_REL:
			return nil, fmt.Errorf("section %q: Unable to handle SHT_REL", s.Name)
		}
	}
	return p.f.Bytes()
}

type fixer struct {
	orig, patch *object
	log         Log
	tls         []elf.Rela64 // TLS part of the original's .rela.dyn, loaded on first use
	// shifts are the sections laid out differently in the patched binary
	// (layout.go); origNames are the original's functions and objects;
	// unmapped are the moved ones whose original offset is unknown.
	shifts    map[string]shift
	origNames map[symKey]bool
	unmapped  map[symKey]bool
}

func (fx *fixer) section(rs *elfwrite.Section) error {
	target, err := fx.patch.f.Section(int(rs.Header.Info))
	if err != nil {
		return fmt.Errorf("target: %w", err)
	}
	n, err := elfutil.Count(uint64(len(rs.Data)), elfutil.Rela64Size)
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		r, err := elfutil.Rela(rs.Data, i)
		if err != nil {
			return err
		}
		sym, err := fx.patch.sym.get(elfutil.RelaSym(r))
		if err != nil {
			return fmt.Errorf("relocation %d: %w", i, err)
		}
		if err := fx.one(&r, sym, target); err != nil {
			return fmt.Errorf("relocation %d at %#x: %w", i, r.Off, err)
		}
		if err := elfutil.PutRela(rs.Data, i, r); err != nil {
			return err
		}
	}
	return nil
}

func (fx *fixer) one(r *elf.Rela64, sym elf.Sym64, target *elfwrite.Section) error {
	if err := fx.checkMoved(r, sym); err != nil {
		return err
	}
	switch elfutil.SymType(sym) {
	case elf.STT_SECTION:
		return nil
	case elf.STT_TLS:
		return fx.tlsReloc(r, sym, target)
	}
	if fx.patch.ours(sym.Shndx) {
		// Unlike the C tool: a new global variable of a shared library
		// is preemptible, so ld kept the GOT load of -fPIC code; the GOT
		// is not part of the patch, so load the address directly.
		if isGOTPCREL(elfutil.RelaType(*r)) {
			if err := fx.movToLea(r, target); err != nil {
				return err
			}
		}
		plt32ToPC32(r)
		return nil
	}
	name, err := fx.patch.sym.name(sym)
	if err != nil {
		return err
	}
	switch elfutil.SymType(sym) {
	case elf.STT_NOTYPE, elf.STT_FUNC, elf.STT_OBJECT:
	default:
		if elfutil.SymBind(sym) != elf.STB_LOCAL {
			return fmt.Errorf("unknown symtype for symbol %s: %x", name, uint8(elfutil.SymType(sym)))
		}
	}
	fx.log.infof("Fixing up relocation %s+%x\n", name, uint64(r.Addend))
	secname := ""
	if elfutil.SymBind(sym) == elf.STB_LOCAL && strings.HasPrefix(name, ".") {
		if secname, err = fx.toSectionSym(r, sym); err != nil {
			return fmt.Errorf("symbol %s: %w", name, err)
		}
	}
	if sym.Shndx != uint16(elf.SHN_UNDEF) && isGOTPCREL(elfutil.RelaType(*r)) {
		if err := fx.movToLea(r, target); err != nil {
			return err
		}
	}
	if secname != "" {
		fx.log.infof("Relocating to %s+%x\n", secname, uint64(r.Addend))
	}
	plt32ToPC32(r)
	return nil
}

// toSectionSym turns a relocation against a local assembler symbol such as
// .LC3 (kept by gas in mergeable string sections) into one against the
// section symbol, folding the symbol's offset into the addend.
func (fx *fixer) toSectionSym(r *elf.Rela64, sym elf.Sym64) (string, error) {
	off, secname, err := fx.patch.symOffset(sym)
	if err != nil {
		return "", err
	}
	idx, ok := fx.patch.sectionSym(sym.Shndx)
	if !ok {
		return "", fmt.Errorf("unable to find local sym's section")
	}
	*r = elfutil.SetRela(*r, idx, elfutil.RelaType(*r))
	r.Addend += int64(off)
	return secname, nil
}

// movToLea: the patch is mapped within 2 GiB of the original, so a GOT load
// of a symbol the original defines becomes a direct address computation.
// Unlike the C tool, the indirect call and jump of -fno-plt code become
// direct ones too, as ld's GOTPCRELX relaxation does (the C tool left
// them reading the callee's first bytes as its address): a shared
// library's own functions are preemptible, so ld kept them.
func (fx *fixer) movToLea(r *elf.Rela64, target *elfwrite.Section) error {
	off := r.Off - target.Header.Addr - 2
	if r.Off < target.Header.Addr+2 || off >= uint64(len(target.Data)) {
		return fmt.Errorf("GOTPCREL relocation at %#x outside section %q", r.Off, target.Name)
	}
	code := target.Data[off:]
	switch {
	case code[0] == opMov:
		fx.log.infof("changing mov to lea at %x\n", off)
		code[0] = opLea
	case code[0] == 0xff && code[1] == 0x15: // call *x(%rip) → addr32 call x
		fx.log.infof("changing indirect call to direct call at %x\n", off)
		code[0], code[1] = 0x67, 0xe8
		*r = elfutil.SetRela(*r, elfutil.RelaSym(*r), elf.R_X86_64_PC32)
	case code[0] == 0xff && code[1] == 0x25 && len(code) >= 6: // jmp *x(%rip) → jmp x; nop
		fx.log.infof("changing indirect jump to direct jump at %x\n", off)
		code[0] = 0xe9
		copy(code[1:5], []byte{0, 0, 0, 0})
		code[5] = 0x90
		r.Off--
		*r = elfutil.SetRela(*r, elfutil.RelaSym(*r), elf.R_X86_64_PC32)
	}
	return nil
}

func isGOTPCREL(t elf.R_X86_64) bool {
	return t == elf.R_X86_64_GOTPCREL || t == elf.R_X86_64_GOTPCRELX || t == elf.R_X86_64_REX_GOTPCRELX
}

// plt32ToPC32: the runtime resolves every call target itself, never via a PLT.
func plt32ToPC32(r *elf.Rela64) {
	if elfutil.RelaType(*r) == elf.R_X86_64_PLT32 {
		*r = elfutil.SetRela(*r, elfutil.RelaSym(*r), elf.R_X86_64_PC32)
	}
}
