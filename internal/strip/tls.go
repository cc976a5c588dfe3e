package strip

import (
	"debug/elf"
	"errors"
	"fmt"
	"strings"

	"github.com/golibcare/golibcare/internal/elfutil"
	"github.com/golibcare/golibcare/internal/elfwrite"
)

// tlsReloc handles relocations against TLS symbols; only the initial-exec
// and local-exec models can be patched (facts §3.2).
func (fx *fixer) tlsReloc(r *elf.Rela64, sym elf.Sym64, target *elfwrite.Section) error {
	switch t := elfutil.RelaType(*r); t {
	case elf.R_X86_64_TPOFF32:
		// The code already holds the TP offset; only check it did not move.
		*r = elfutil.SetRela(*r, 0, elf.R_X86_64_NONE)
		return fx.checkTLSOffset(sym)
	case elf.R_X86_64_GOTTPOFF:
		if relaxedIE(r.Off, target) {
			// ld relaxed the initial-exec load of a variable of the
			// executable itself to local-exec (mov $tpoff, %reg) and
			// --emit-relocs kept the GOTTPOFF: the code holds the TP
			// offset, as for TPOFF32. The C tool looked for a GOT slot
			// that the original does not have either, and failed.
			*r = elfutil.SetRela(*r, 0, elf.R_X86_64_NONE)
			return fx.checkTLSOffset(sym)
		}
		return fx.gotTPOFF(r, sym)
	default:
		return fmt.Errorf("non-supported TLS model (%v)", t)
	}
}

// relaxedIE reports whether the GOTTPOFF field at vaddr off belongs to an
// instruction ld rewrote from "movq x@gottpoff(%rip), %reg" to "movq
// $imm32, %reg" (REX.W c7 /0, register operand) or from "addq
// x@gottpoff(%rip), %reg" to "addq $imm32, %reg" (REX.W 81 /0), as the
// x86-64 TLS ABI's IE→LE relaxation does.
func relaxedIE(off uint64, target *elfwrite.Section) bool {
	if off < target.Header.Addr+3 || off-target.Header.Addr > uint64(len(target.Data)) {
		return false
	}
	i := off - target.Header.Addr
	rex, op, modrm := target.Data[i-3], target.Data[i-2], target.Data[i-1]
	return rex&0xf8 == 0x48 && (op == 0xc7 || op == 0x81) && modrm&0xf8 == 0xc0
}

func (fx *fixer) checkTLSOffset(sym elf.Sym64) error {
	name, err := fx.patch.sym.name(sym)
	if err != nil {
		return err
	}
	osym, ok := fx.orig.sym.lookup(name)
	if !ok || osym.Shndx == uint16(elf.SHN_UNDEF) {
		return fmt.Errorf("TLS symbol %s not found in original binary", name)
	}
	off, _, err := fx.orig.symOffset(osym)
	if err != nil {
		return fmt.Errorf("TLS symbol %s: %w", name, err)
	}
	if off != sym.Value {
		return fmt.Errorf("TLS symbol %s has different offset: %x in original binary, %x in patch", name, off, sym.Value)
	}
	return nil
}

// gotTPOFF points a GOTTPOFF relocation at the GOT slot of the original
// binary that the dynamic linker fills with the variable's TP offset: the
// patch then loads that slot instead of a GOT of its own.
func (fx *fixer) gotTPOFF(r *elf.Rela64, sym elf.Sym64) error {
	name, err := fx.patch.sym.name(sym)
	if err != nil {
		return err
	}
	name, _, _ = strings.Cut(name, "@")
	var got uint64
	if elfutil.SymBind(sym) == elf.STB_LOCAL || sym.Shndx != uint16(elf.SHN_UNDEF) {
		got, err = fx.tlsGOTByOffset(sym.Value)
		if err != nil && elfutil.SymBind(sym) != elf.STB_LOCAL {
			// Unlike the C tool: a preemptible variable defined by a shared
			// library has its TPOFF64 against its dynamic symbol.
			got, err = fx.tlsGOTByName(name)
		}
	} else {
		got, err = fx.tlsGOTByName(name)
	}
	if err != nil {
		return err
	}
	if uint64(r.Addend) != got {
		fx.log.infof("Changing GOTTPOFF symbol %s from %x to %x\n", name, uint64(r.Addend), got)
		r.Addend = int64(got)
	}
	return nil
}

func (fx *fixer) tlsGOTByOffset(off uint64) (uint64, error) {
	relas, err := fx.tlsRelaDyn()
	if err != nil {
		return 0, err
	}
	for _, r := range relas {
		if isTLSRela(r) && elfutil.RelaSym(r) == 0 && uint64(r.Addend) == off {
			return r.Off, nil
		}
	}
	return 0, fmt.Errorf("cannot find GOT entry for %x", off)
}

func (fx *fixer) tlsGOTByName(name string) (uint64, error) {
	relas, err := fx.tlsRelaDyn()
	if err != nil {
		return 0, err
	}
	for _, r := range relas {
		if !isTLSRela(r) || elfutil.RelaSym(r) == 0 || r.Addend != 0 {
			continue
		}
		s, err := fx.orig.dynsym.get(elfutil.RelaSym(r))
		if err != nil {
			return 0, fmt.Errorf(".rela.dyn: %w", err)
		}
		n, err := fx.orig.dynsym.name(s)
		if err != nil {
			return 0, fmt.Errorf(".rela.dyn: %w", err)
		}
		if n, _, _ = strings.Cut(n, "@"); n == name {
			return r.Off, nil
		}
	}
	return 0, fmt.Errorf("cannot find GOT entry for %s", name)
}

// tlsRelaDyn returns the original's .rela.dyn entries from the first TLS
// relocation to the last one.
func (fx *fixer) tlsRelaDyn() ([]elf.Rela64, error) {
	if fx.tls != nil {
		return fx.tls, nil
	}
	i := fx.orig.f.Index(".rela.dyn")
	if i < 0 {
		return nil, errors.New("unable to find .rela.dyn")
	}
	data := fx.orig.f.Sections[i].Data
	if data == nil {
		return nil, errors.New("no data for .rela.dyn")
	}
	var all []elf.Rela64
	first, last := -1, -1
	for j := 0; j+elfutil.Rela64Size <= len(data); j += elfutil.Rela64Size {
		r, _ := elfutil.Rela(data, j/elfutil.Rela64Size)
		if isTLSRela(r) {
			if first < 0 {
				first = len(all)
			}
			last = len(all)
		}
		all = append(all, r)
	}
	if first < 0 {
		return nil, errors.New("no tls symbol in .rela.dyn")
	}
	fx.tls = all[first : last+1]
	return fx.tls, nil
}

func isTLSRela(r elf.Rela64) bool {
	switch elfutil.RelaType(r) {
	case elf.R_X86_64_TPOFF64, elf.R_X86_64_DTPOFF64, elf.R_X86_64_DTPMOD64:
		return true
	}
	return false
}
