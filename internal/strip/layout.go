package strip

import (
	"debug/elf"
	"fmt"
	"strings"

	"github.com/golibcare/golibcare/internal/elfutil"
)

// The patch refers to the original's code and data by (section, offset in
// the patched binary's section): undo-link keeps offsets and takes the
// section addresses from the original. That holds only while each section
// of the patched binary is laid out like the original's, and the linker
// breaks it in one common case: a new reference from the patch to a
// shared library's variable (stderr, optind) makes ld copy the variable
// into the patched binary's .bss (.dynbss comes first), which moves every
// variable of the program. The C tool then silently writes to the wrong
// addresses. layoutFix compares the two layouts by symbol name before
// relocations are fixed up: named symbols take the original's offsets,
// section-relative relocations follow a uniform shift, and anything that
// cannot be mapped is an error.

// shift is how a section of the patch moved against the original.
type shift struct {
	delta   int64 // patched offset - original offset, when uniform
	uniform bool
}

// symKey names a symbol inside a section.
type symKey struct{ sec, name string }

// namedOffsets maps the uniquely named functions and objects of o to their
// offsets inside their sections; all holds every name, including those
// that appear more than once (statics of different files).
func namedOffsets(o *object) (out map[symKey]uint64, all map[symKey]bool) {
	out, all = map[symKey]uint64{}, map[symKey]bool{}
	for i := 1; i < o.sym.n; i++ {
		s, err := elfutil.Sym(o.sym.data, i)
		if err != nil || !layoutSym(s) {
			continue
		}
		name, err := o.sym.name(s)
		if err != nil || name == "" {
			continue
		}
		off, sec, err := o.symOffset(s)
		// The patch's own unwind info grows .eh_frame: never referenced.
		if err != nil || strings.HasPrefix(sec, ".kpatch") || strings.HasPrefix(sec, ".eh_frame") {
			continue
		}
		k := symKey{sec, name}
		if all[k] {
			delete(out, k)
			continue
		}
		all[k] = true
		out[k] = off
	}
	return out, all
}

func layoutSym(s elf.Sym64) bool {
	t := elfutil.SymType(s)
	return (t == elf.STT_FUNC || t == elf.STT_OBJECT) &&
		s.Shndx != uint16(elf.SHN_UNDEF) && s.Shndx < uint16(elf.SHN_LORESERVE)
}

// layoutFix moves the patch's named symbols to the original's offsets and
// returns the shift of each section that moved.
func (fx *fixer) layoutFix() (map[string]shift, error) {
	if fx.orig.sym.n == 0 {
		fx.log.warnf("original binary has no symbol table: cannot check the patched binary's layout\n")
		return nil, nil
	}
	orig, all := namedOffsets(fx.orig)
	patch, _ := namedOffsets(fx.patch)
	fx.origNames, fx.unmapped = all, map[symKey]bool{}
	shifts := map[string]shift{}
	for k, poff := range patch {
		ooff, ok := orig[k]
		if !ok {
			continue
		}
		d := int64(poff) - int64(ooff)
		sh, seen := shifts[k.sec]
		switch {
		case !seen:
			shifts[k.sec] = shift{delta: d, uniform: true}
		case sh.uniform && sh.delta != d:
			shifts[k.sec] = shift{uniform: false}
		}
	}
	for sec, sh := range shifts {
		if sh.uniform && sh.delta == 0 {
			delete(shifts, sec)
		}
	}
	if len(shifts) == 0 {
		return nil, nil
	}
	return shifts, fx.moveSymbols(orig, shifts)
}

// moveSymbols gives every symbol of a moved section the original's offset.
func (fx *fixer) moveSymbols(orig map[symKey]uint64, shifts map[string]shift) error {
	p := fx.patch
	for i := 1; i < p.sym.n; i++ {
		s, err := elfutil.Sym(p.sym.data, i)
		if err != nil {
			return err
		}
		if !layoutSym(s) {
			continue
		}
		name, err := p.sym.name(s)
		if err != nil {
			return err
		}
		off, sec, err := p.symOffset(s)
		if err != nil {
			return err
		}
		if _, moved := shifts[sec]; !moved {
			continue
		}
		k := symKey{sec, name}
		ooff, ok := orig[k]
		switch sh := shifts[sec]; {
		case ok:
		case !fx.origNames[k]:
			continue // not in the original: refused by checkOrigins
		case sh.uniform && int64(off) >= sh.delta:
			// A name used twice (statics of two files): the whole
			// section moved, so it did too.
			ooff = uint64(int64(off) - sh.delta)
		default:
			fx.unmapped[k] = true
			continue
		}
		if off == ooff {
			continue
		}
		fx.log.infof("symbol %s moved in %s: %#x in the patched binary, %#x in the original\n", name, sec, off, ooff)
		s.Value = s.Value - off + ooff
		if err := elfutil.PutSym(p.sym.data, i, s); err != nil {
			return err
		}
	}
	return nil
}

// checkMoved takes a uniform shift of the section out of the addend of a
// relocation against a moved section's symbol; a non-uniform shift cannot
// be undone.
func (fx *fixer) checkMoved(r *elf.Rela64, sym elf.Sym64) error {
	if len(fx.shifts) == 0 || elfutil.SymType(sym) != elf.STT_SECTION {
		return nil
	}
	sec, err := fx.patch.f.Section(int(sym.Shndx))
	if err != nil {
		return err
	}
	sh, moved := fx.shifts[sec.Name]
	if !moved {
		return nil
	}
	if !sh.uniform {
		return fmt.Errorf("section %s is laid out differently in the patched binary: cannot relocate against it", sec.Name)
	}
	r.Addend -= sh.delta
	return nil
}

// checkOrigins refuses relocations of the patch against functions or
// objects of the patched binary that the original does not have: a copy
// ld made of a shared library's variable (stderr, optind) when new code
// reads it directly. In the target process that copy does not exist; the
// C tool silently pointed the patch at whatever the original has at that
// offset. Reaching the variable through the GOT (--force-gotpcrel movs)
// avoids the copy.
func (fx *fixer) checkOrigins() error {
	p := fx.patch
	if fx.orig.sym.n == 0 {
		return nil
	}
	for i := 1; i < len(p.f.Sections); i++ {
		rs := &p.f.Sections[i]
		if rs.Type() != elf.SHT_RELA {
			continue
		}
		n, err := elfutil.Count(uint64(len(rs.Data)), elfutil.Rela64Size)
		if err != nil {
			return fmt.Errorf("section %q: %w", rs.Name, err)
		}
		for j := 0; j < n; j++ {
			r, err := elfutil.Rela(rs.Data, j)
			if err != nil {
				return err
			}
			sym, err := p.sym.get(elfutil.RelaSym(r))
			if err != nil || !layoutSym(sym) || p.ours(sym.Shndx) {
				continue
			}
			name, err := p.sym.name(sym)
			if err != nil {
				return err
			}
			_, sec, err := p.symOffset(sym)
			if err != nil {
				return err
			}
			if k := (symKey{sec, name}); fx.unmapped[k] {
				return fmt.Errorf("section %q: relocation %d at %#x: symbol %s moved in %s and its name is ambiguous in the original binary",
					rs.Name, j, r.Off, name, sec)
			} else if !fx.origNames[k] {
				return fmt.Errorf("section %q: relocation %d at %#x: symbol %s in %s is not in the original binary "+
					"(a copy relocation of a shared library's variable? reach it through the GOT)", rs.Name, j, r.Off, name, sec)
			}
		}
	}
	return nil
}
