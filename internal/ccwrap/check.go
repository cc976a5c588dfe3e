package ccwrap

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/golibcare/golibcare/internal/elfutil"
	"github.com/golibcare/golibcare/internal/kpatch"
)

// minJump is the size of the jump written over a patched function's entry
// (facts §3.1: kpatch_strip refuses a dlen below it).
const minJump = 5

// Offsets in struct kpatch_info (facts §1.3).
const (
	infoDaddr  = 0
	infoDlen   = 16
	infoSymstr = 24
)

// checkPatchCode refuses patch code that cannot be applied, as soon as the
// patched compile has assembled it: a changed function shorter than the
// jump that redirects it. Upstream finds it in kpatch_strip after both
// builds and names an address; here the assembler has just computed each
// record's dlen (foo.Lfe - foo), so the function and its file are named.
// path is an object (-c) or a program linked with its sources (keeps).
func (c *Config) checkPatchCode(path string, keeps []Keep) error {
	recs, err := readRecords(path)
	if err != nil {
		return err
	}
	var msgs []string
	for _, err := range []error{c.checkLayouts(recs, keeps), tooSmall(recs, keeps)} {
		if err != nil {
			msgs = append(msgs, err.Error())
		}
	}
	if len(msgs) > 0 {
		return errors.New(strings.Join(msgs, "\nlibcare-cc: "))
	}
	return nil
}

// readRecords reads the kpatch_info records of an object or program; none
// when it has no patch code.
func readRecords(path string) ([]record, error) {
	f, err := elfutil.SafeOpen(path)
	if err != nil {
		return nil, fmt.Errorf("check patch code: %w", err)
	}
	defer f.Close()
	info := f.Section(".kpatch.info")
	if info == nil {
		return nil, nil
	}
	recs, err := patchRecords(f, info)
	if err != nil {
		return nil, fmt.Errorf("check patch code in %s: %w", path, err)
	}
	return recs, nil
}

func tooSmall(recs []record, keeps []Keep) error {
	var bad []string
	for _, r := range recs {
		if r.hooked && r.dlen < minJump {
			bad = append(bad, fmt.Sprintf("%s in %s (%d %s)", r.name, sourceOf(r.name, keeps), r.dlen, plural(int(r.dlen), "byte", "bytes")))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("too small function to patch: %s; the jump to the new code needs %d bytes "+
			"(change its callers instead, or keep the change out of it)", strings.Join(bad, ", "), minJump)
	}
	return nil
}

// record is what checkPatchCode needs of one kpatch_info entry.
type record struct {
	name   string // the original function's name
	hooked bool   // daddr set: a changed function, not a new one
	dlen   uint32
}

// patchRecords reads .kpatch.info: in an object, daddr and symstr are
// still relocations; in a program linked with -Wl,-q they are addresses.
func patchRecords(f *elf.File, info *elf.Section) ([]record, error) {
	b, err := elfutil.SafeSectionData(info)
	if err != nil {
		return nil, err
	}
	strtab := f.Section(".kpatch.strtab")
	if strtab == nil {
		return nil, fmt.Errorf("no .kpatch.strtab")
	}
	strs, err := elfutil.SafeSectionData(strtab)
	if err != nil {
		return nil, err
	}
	var relocs map[uint64]uint64 // record offset → strtab offset or 1 for daddr
	if f.Type == elf.ET_REL {
		if relocs, err = infoRelocs(f, info, strtab); err != nil {
			return nil, err
		}
	}
	var recs []record
	for off := uint64(0); off+kpatch.InfoSize <= uint64(len(b)); off += kpatch.InfoSize {
		r := record{dlen: binary.LittleEndian.Uint32(b[off+infoDlen:])}
		str := binary.LittleEndian.Uint64(b[off+infoSymstr:])
		if f.Type == elf.ET_REL {
			_, r.hooked = relocs[off+infoDaddr]
			str = relocs[off+infoSymstr]
		} else {
			r.hooked = binary.LittleEndian.Uint64(b[off+infoDaddr:]) != 0
			str -= strtab.Addr
		}
		name, err := elfutil.CString(strs, str)
		if err != nil {
			return nil, fmt.Errorf("record %d: %w", off/kpatch.InfoSize, err)
		}
		r.name = strings.TrimSuffix(name, ".kpatch")
		recs = append(recs, r)
	}
	return recs, nil
}

// infoRelocs maps each relocated offset of .kpatch.info to the value it
// gets: symstr entries to their offset in .kpatch.strtab.
func infoRelocs(f *elf.File, info, strtab *elf.Section) (map[uint64]uint64, error) {
	syms, err := f.Symbols()
	if err != nil {
		return nil, err
	}
	out := map[uint64]uint64{}
	for _, s := range f.Sections {
		if s.Type != elf.SHT_RELA || f.Sections[s.Info] != info {
			continue
		}
		b, err := elfutil.SafeSectionData(s)
		if err != nil {
			return nil, err
		}
		n, err := elfutil.Count(uint64(len(b)), 24)
		if err != nil {
			return nil, err
		}
		for i := 0; i < n; i++ {
			r, err := elfutil.Rela(b, i)
			if err != nil {
				return nil, err
			}
			v := uint64(r.Addend)
			if k := int(elfutil.RelaSym(r)); k > 0 && k <= len(syms) {
				if sym := syms[k-1]; int(sym.Section) < len(f.Sections) && f.Sections[sym.Section] == strtab {
					v += sym.Value
				}
			}
			out[r.Off] = v
		}
	}
	return out, nil
}

// sourceOf names the source whose patch code defines function name: the
// only one, or the one whose generated assembly lists it.
func sourceOf(name string, keeps []Keep) string {
	if len(keeps) == 1 {
		return keeps[0].Source
	}
	want := []byte(`.string "` + name + `.kpatch"`)
	for _, k := range keeps {
		if b, err := os.ReadFile(k.Asm); err == nil && bytes.Contains(b, want) {
			return k.Source
		}
	}
	return "the program"
}
