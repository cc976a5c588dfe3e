package inspect

import (
	"debug/elf"
	"fmt"
	"strings"

	"github.com/golibcare/golibcare/internal/elfutil"
	"github.com/golibcare/golibcare/internal/kpatch"
)

// Offsets of the relocated fields of struct kpatch_info (facts §1.3).
const (
	infoDaddr  = 0
	infoSaddr  = 8
	infoSymstr = 24
)

// infos fills Replaced and NewFuncs from the .kpatch.info records. Their
// addresses and names are link-time values filled by .rela.kpatch.info,
// so names come from the relocation of symstr into .kpatch.strtab. It
// returns the names it used.
func (o *object) infos(r *Report) (map[string]bool, error) {
	named := map[string]bool{}
	sec := o.f.Section(".kpatch.info")
	if sec == nil {
		return nil, fmt.Errorf("%w: no .kpatch.info section", kpatch.ErrBadELF)
	}
	b, err := elfutil.SafeSectionData(sec)
	if err != nil {
		return nil, fmt.Errorf("%w: .kpatch.info: %v", kpatch.ErrBadELF, err)
	}
	recs, err := kpatch.DecodeInfos(b)
	if err != nil {
		return nil, err
	}
	fields, err := o.relocs(".rela.kpatch.info")
	if err != nil {
		return nil, err
	}
	for k, in := range recs {
		base := uint64(k * kpatch.InfoSize)
		name := o.string(fields[base+infoSymstr])
		if name == "" {
			name = o.symName(fields[base+infoDaddr])
		}
		name = strings.TrimSuffix(name, ".kpatch")
		named[name], named[o.symName(fields[base+infoSaddr])] = true, true
		if in.IsNew() {
			r.NewFuncs = append(r.NewFuncs, Func{Name: name, NewSize: in.Slen})
		} else {
			r.Replaced = append(r.Replaced, Func{Name: name, OldSize: in.Dlen, NewSize: in.Slen})
		}
	}
	return named, nil
}

// relocs returns the relocations of a RELA section by offset.
func (o *object) relocs(name string) (map[uint64]elf.Rela64, error) {
	out := map[uint64]elf.Rela64{}
	sec := o.f.Section(name)
	if sec == nil {
		return out, nil
	}
	b, err := elfutil.SafeSectionData(sec)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", kpatch.ErrBadELF, name, err)
	}
	n, err := elfutil.Count(uint64(len(b)), 24)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", kpatch.ErrBadELF, name, err)
	}
	for i := 0; i < n; i++ {
		rel, err := elfutil.Rela(b, i)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", kpatch.ErrBadELF, name, err)
		}
		out[rel.Off] = rel
	}
	return out, nil
}

func (o *object) sym(rel elf.Rela64) (elf.Symbol, bool) {
	i := int(elf.R_SYM64(rel.Info))
	if i <= 0 || i >= len(o.syms) {
		return elf.Symbol{}, false
	}
	return o.syms[i], true
}

func (o *object) symName(rel elf.Rela64) string {
	s, _ := o.sym(rel)
	return s.Name
}

// string reads the NUL-terminated string a symstr relocation points at.
// Section symbols keep their link-time value (facts §1.2), so only the
// addend counts for them.
func (o *object) string(rel elf.Rela64) string {
	s, ok := o.sym(rel)
	if !ok || !o.kept(s.Section) {
		return ""
	}
	off := uint64(rel.Addend)
	if elf.ST_TYPE(s.Info) != elf.STT_SECTION {
		off += s.Value
	}
	b, err := elfutil.SafeSectionData(o.f.Sections[s.Section])
	if err != nil {
		return ""
	}
	str, _ := elfutil.CString(b, off)
	return str
}
