package apply

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
	"math"
)

// relocEnv is what relocation needs to know about the target.
type relocEnv struct {
	kpta       uint64
	lay        layout
	loadOffset uint64
	real       map[int]uint64 // import symbol index → resolved address
	slot       map[int]uint64 // import symbol index → its jump-table entry
}

// sectionAddrs gives each section its target address (facts §8.9f): our
// sections live in the region, NOBITS ones are the original object's.
func (r *relObj) sectionAddrs(env *relocEnv) []uint64 {
	addrs := make([]uint64, len(r.shdrs))
	for i, sh := range r.shdrs {
		switch {
		case sh.Type != uint32(elf.SHT_NOBITS):
			addrs[i] = env.kpta + uint64(env.lay.elfOffset) + sh.Off
		case sh.Addr != 0:
			addrs[i] = sh.Addr + env.loadOffset
		}
	}
	return addrs
}

// symbolValues returns S for every symbol; imports get their jump-table
// entry. checkSymbols has refused the symbols this cannot place.
func (r *relObj) symbolValues(env *relocEnv, secs []uint64) []uint64 {
	vals := make([]uint64, len(r.syms))
	for i, s := range r.syms {
		typ, sh := elf.ST_TYPE(s.Info), elf.SectionIndex(s.Shndx)
		switch {
		case i == 0 || !r.usable[i]:
		case sh == elf.SHN_UNDEF:
			vals[i] = env.slot[i] // 0 for undefined TLS: handled by GOTTPOFF
		case sh == elf.SHN_ABS || typ == elf.STT_TLS || typ == elf.STT_FILE:
			vals[i] = s.Value
		case typ == elf.STT_SECTION:
			vals[i] = secs[sh]
		default:
			vals[i] = s.Value + secs[sh]
		}
	}
	return vals
}

// relocate applies every SHT_RELA section to the private image (facts §8.9g).
func (r *relObj) relocate(env *relocEnv) error {
	secs := r.sectionAddrs(env)
	vals := r.symbolValues(env, secs)
	for i := range r.shdrs {
		if r.shdrs[i].Type != uint32(elf.SHT_RELA) || !r.has(i) {
			continue
		}
		if err := r.relocateSection(i, env, secs, vals); err != nil {
			return fmt.Errorf("section %q: %w", r.names[i], err)
		}
	}
	return nil
}

// relocateSection applies the relocations of RELA section i, which
// checkRelocs has checked: known types, usable symbols, offsets inside
// the section they relocate.
func (r *relObj) relocateSection(i int, env *relocEnv, secs, vals []uint64) error {
	tgt := int(r.shdrs[i].Info)
	data := r.bytes(tgt)
	for k, rel := range r.relas(i) {
		typ := elf.R_X86_64(elf.R_TYPE64(rel.Info))
		if typ == elf.R_X86_64_NONE || typ == elf.R_X86_64_TPOFF32 || typ == elf.R_X86_64_TPOFF64 {
			// TPOFF: kpatch_strip checked the offset equals the original's and
			// the code already holds it (upstream ignores these too).
			continue
		}
		si := int(elf.R_SYM64(rel.Info))
		P := secs[tgt] + rel.Off
		v, size, err := r.value(typ, si, vals[si], uint64(rel.Addend), P, env)
		if err != nil {
			return fmt.Errorf("reloc %d: %w", k, err)
		}
		if size == 8 {
			binary.LittleEndian.PutUint64(data[rel.Off:], v)
		} else {
			binary.LittleEndian.PutUint32(data[rel.Off:], uint32(v))
		}
	}
	return nil
}

// value computes one relocation (facts §8.9g) and its size in bytes.
// Absolute relocations of imports use the real address; PC-relative ones
// go through the jump-table entry S.
func (r *relObj) value(typ elf.R_X86_64, si int, S, A, P uint64, env *relocEnv) (uint64, uint64, error) {
	real, isImp := env.real[si]
	if !isImp {
		real = S
	}
	fits := func(v int64, lo, hi int64) (uint64, uint64, error) {
		if v < lo || v > hi {
			return 0, 0, fmt.Errorf("%v to %q at %#x overflows", typ, r.symNames[si], P)
		}
		return uint64(v), 4, nil
	}
	switch typ {
	case elf.R_X86_64_64:
		return real + A, 8, nil
	case elf.R_X86_64_32:
		return fits(int64(real+A), 0, math.MaxUint32)
	case elf.R_X86_64_32S:
		return fits(int64(real+A), math.MinInt32, math.MaxInt32)
	case elf.R_X86_64_PC32, elf.R_X86_64_PLT32:
		return fits(int64(S+A-P), math.MinInt32, math.MaxInt32)
	case elf.R_X86_64_GOTPCREL, elf.R_X86_64_GOTPCRELX, elf.R_X86_64_REX_GOTPCRELX, elf.R_X86_64_GOTTPOFF:
		switch {
		case elf.ST_TYPE(r.syms[si].Info) == elf.STT_TLS:
			// kpatch_strip set A to the original's GOT slot (a vaddr).
			return fits(int64(A+env.loadOffset-4-P), math.MinInt32, math.MaxInt32)
		case isImp:
			// The entry's address word serves as the GOT cell.
			return fits(int64(S+8+A-P), math.MinInt32, math.MaxInt32)
		default:
			// kpatch_strip turned the mov into a lea.
			return fits(int64(S+A-P), math.MinInt32, math.MaxInt32)
		}
	}
	return 0, 0, fmt.Errorf("unsupported relocation %v for %q", typ, r.symNames[si])
}
