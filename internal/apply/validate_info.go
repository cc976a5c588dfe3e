package apply

import (
	"bytes"
	"cmp"
	"debug/elf"
	"encoding/binary"
	"slices"

	"github.com/golibcare/golibcare/internal/kpatch"
)

// Offsets of the relocated fields of struct kpatch_info (facts §1.3).
const (
	infoDaddr  = 0
	infoSaddr  = 8
	infoSymstr = 24
)

// hunkRange is the original code one info record replaces, at link-time
// addresses (the load offset shifts them all alike).
type hunkRange struct {
	rec        int
	name       string
	start, end uint64
}

// checkInfos checks every .kpatch.info record against the relocations that
// fill it in (facts §1.3): the new code inside an executable section of the
// patch, the original function in the original's code with room for the
// jump, the name inside the patch, and no two records on the same bytes
// (the second jump would save the first one as "original code", and
// unpatch could not restore it).
func (r *relObj) checkInfos() error {
	fields := map[uint64]elf.Rela64{}
	for i, sh := range r.shdrs {
		if sh.Type == uint32(elf.SHT_RELA) && r.has(i) && int(sh.Info) == r.info {
			for _, rel := range r.relas(i) {
				if elf.R_TYPE64(rel.Info) != uint32(elf.R_X86_64_NONE) {
					fields[rel.Off] = rel
				}
			}
		}
	}
	b := r.bytes(r.info)
	nrec := (len(b) - kpatch.InfoTerminatorSize) / kpatch.InfoSize
	var ranges []hunkRange
	for k := 0; k < nrec; k++ {
		var in kpatch.Info
		binary.Decode(b[k*kpatch.InfoSize:], binary.LittleEndian, &in)
		base := uint64(k * kpatch.InfoSize)
		if err := r.checkNewCode(k, in, fields[base+infoSaddr]); err != nil {
			return err
		}
		if err := r.checkSymstr(k, in, fields[base+infoSymstr]); err != nil {
			return err
		}
		h, err := r.checkOrig(k, in, fields[base+infoDaddr])
		if err != nil {
			return err
		}
		if h != nil {
			ranges = append(ranges, *h)
		}
	}
	return checkHunkOverlaps(ranges)
}

// target returns the section and offset a field's relocation points at;
// ok is false when it points at no section (no relocation, an import, an
// absolute symbol).
func (r *relObj) target(rel elf.Rela64) (sec int, off uint64, ok bool) {
	si := int(elf.R_SYM64(rel.Info))
	if si == 0 || si >= len(r.syms) {
		return 0, 0, false
	}
	s := r.syms[si]
	sec = int(s.Shndx)
	if sec == int(elf.SHN_UNDEF) || sec >= len(r.shdrs) {
		return 0, 0, false
	}
	off = uint64(rel.Addend)
	if elf.ST_TYPE(s.Info) != elf.STT_SECTION {
		off += s.Value
	}
	return sec, off, true
}

func (r *relObj) executable(sec int) bool {
	return r.shdrs[sec].Flags&uint64(elf.SHF_EXECINSTR) != 0
}

func (r *relObj) checkNewCode(k int, in kpatch.Info, rel elf.Rela64) error {
	sec, off, ok := r.target(rel)
	if !ok || !r.has(sec) || !r.executable(sec) {
		return bad("info record %d: new code is not in an executable section of the patch", k)
	}
	if size := r.shdrs[sec].Size; off >= size || in.Slen == 0 || uint64(in.Slen) > size-off {
		return bad("info record %d: new code %#x+%d outside section %q of %d bytes", k, off, in.Slen, r.names[sec], size)
	}
	return nil
}

func (r *relObj) checkSymstr(k int, in kpatch.Info, rel elf.Rela64) error {
	sec, off, ok := r.target(rel)
	if !ok {
		if rel.Info != 0 || in.Symstr != 0 {
			return bad("info record %d: name is not in the patch", k)
		}
		return nil
	}
	if !r.has(sec) || off >= r.shdrs[sec].Size || bytes.IndexByte(r.bytes(sec)[off:], 0) < 0 {
		return bad("info record %d: name at %#x is not a string of section %q", k, off, r.names[sec])
	}
	return nil
}

// checkOrig checks the replaced function of record k; a new function
// (daddr and dlen 0, no relocation) has none.
func (r *relObj) checkOrig(k int, in kpatch.Info, rel elf.Rela64) (*hunkRange, error) {
	if rel.Info == 0 {
		if in.Daddr != 0 || in.Dlen != 0 {
			return nil, bad("info record %d: original function %#x+%d has no relocation", k, in.Daddr, in.Dlen)
		}
		return nil, nil
	}
	sec, off, ok := r.target(rel)
	if !ok || r.has(sec) || r.shdrs[sec].Addr == 0 || !r.executable(sec) {
		return nil, bad("info record %d: original function is not in the original's code", k)
	}
	if in.Dlen < 5 {
		return nil, bad("info record %d: too small function to patch (%d bytes, the jump takes 5)", k, in.Dlen)
	}
	start := r.shdrs[sec].Addr + off
	return &hunkRange{rec: k, name: r.symNames[elf.R_SYM64(rel.Info)], start: start, end: start + uint64(in.Dlen)}, nil
}

func checkHunkOverlaps(ranges []hunkRange) error {
	slices.SortFunc(ranges, func(a, b hunkRange) int { return cmp.Compare(a.start, b.start) })
	for k := 1; k < len(ranges); k++ {
		a, b := ranges[k-1], ranges[k]
		if a.start == b.start {
			return bad("info records %d and %d both replace the function at %#x (%s)", a.rec, b.rec, a.start, a.name)
		}
		if b.start < a.end {
			return bad("info records %d and %d replace overlapping code: %#x+%d (%s) and %#x+%d (%s)",
				a.rec, b.rec, a.start, a.end-a.start, a.name, b.start, b.end-b.start, b.name)
		}
	}
	return nil
}
