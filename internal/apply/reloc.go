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
// entry. ok[i] is false for symbols no relocation may use.
func (r *relObj) symbolValues(env *relocEnv, secs []uint64) (vals []uint64, ok []bool) {
	vals, ok = make([]uint64, len(r.syms)), make([]bool, len(r.syms))
	for i, s := range r.syms {
		typ, sh := elf.ST_TYPE(s.Info), elf.SectionIndex(s.Shndx)
		ok[i] = true
		switch {
		case i == 0:
		case sh == elf.SHN_UNDEF:
			vals[i] = env.slot[i] // 0 for undefined TLS: handled by GOTTPOFF
		case sh == elf.SHN_ABS || typ == elf.STT_TLS || typ == elf.STT_FILE:
			vals[i] = s.Value
		case int(sh) >= len(r.shdrs):
			ok[i] = false
		case typ == elf.STT_SECTION:
			vals[i] = secs[sh]
		case typ == elf.STT_FUNC || typ == elf.STT_OBJECT || typ == elf.STT_NOTYPE:
			vals[i] = s.Value + secs[sh]
		default:
			ok[i] = false
		}
	}
	return vals, ok
}

// relocate applies every SHT_RELA section to the private image (facts §8.9g).
func (r *relObj) relocate(env *relocEnv) error {
	secs := r.sectionAddrs(env)
	vals, ok := r.symbolValues(env, secs)
	for i, sh := range r.shdrs {
		if sh.Type != uint32(elf.SHT_RELA) {
			continue
		}
		if err := r.relocateSection(i, env, secs, vals, ok); err != nil {
			return fmt.Errorf("section %q: %w", r.names[i], err)
		}
	}
	return nil
}

func (r *relObj) relocateSection(i int, env *relocEnv, secs, vals []uint64, ok []bool) error {
	sh := r.shdrs[i]
	if int(sh.Info) >= len(r.shdrs) || int(sh.Link) != r.symtab {
		return fmt.Errorf("%w: bad sh_info/sh_link", errBadELF)
	}
	tgt := int(sh.Info)
	if r.shdrs[tgt].Type == uint32(elf.SHT_NOBITS) {
		return nil // relocations of the original's sections: already applied there
	}
	data := r.bytes(tgt)
	raw := r.bytes(i)
	for k := 0; k+24 <= len(raw); k += 24 {
		var rel elf.Rela64
		if _, err := binary.Decode(raw[k:], binary.LittleEndian, &rel); err != nil {
			return err
		}
		if err := r.applyOne(rel, data, secs[tgt], env, vals, ok); err != nil {
			return fmt.Errorf("reloc %d: %w", k/24, err)
		}
	}
	return nil
}

func (r *relObj) applyOne(rel elf.Rela64, data []byte, base uint64, env *relocEnv, vals []uint64, ok []bool) error {
	typ := elf.R_X86_64(elf.R_TYPE64(rel.Info))
	si := int(elf.R_SYM64(rel.Info))
	if typ == elf.R_X86_64_NONE || typ == elf.R_X86_64_TPOFF32 || typ == elf.R_X86_64_TPOFF64 {
		// TPOFF: kpatch_strip checked the offset equals the original's and
		// the code already holds it (upstream ignores these too).
		return nil
	}
	if si >= len(r.syms) || !ok[si] {
		return fmt.Errorf("unsupported symbol %d for %v", si, typ)
	}
	P := base + rel.Off
	v, size, err := r.value(typ, si, vals[si], uint64(rel.Addend), P, env)
	if err != nil {
		return err
	}
	if rel.Off > uint64(len(data)) || size > uint64(len(data))-rel.Off {
		return fmt.Errorf("offset %#x outside the %d-byte section", rel.Off, len(data))
	}
	if size == 8 {
		binary.LittleEndian.PutUint64(data[rel.Off:], v)
	} else {
		binary.LittleEndian.PutUint32(data[rel.Off:], uint32(v))
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
