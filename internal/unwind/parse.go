package unwind

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

// span is a byte range [off, end) of the section.
type span struct{ off, end uint32 }

// cie is a decoded Common Information Entry.
type cie struct {
	codeAlign uint64
	dataAlign int64
	raReg     uint64
	fdeEnc    byte
	signal    bool // 'S': frames of its FDEs are signal trampolines
	hasAug    bool // 'z': FDEs carry an augmentation length
	insns     span // initial instructions
}

// fde is a decoded Frame Description Entry covering [start, end) at link time.
type fde struct {
	start, end uint64
	cie        int32 // index in Table.cies
	insns      span
}

// Table is the parsed .eh_frame of one ELF object. It is read-only after
// Parse and safe for concurrent use.
type Table struct {
	data []byte
	addr uint64
	cies []cie
	fdes []fde // sorted by start
}

// Len returns the number of FDEs (functions with CFI) in the table.
func (t *Table) Len() int {
	if t == nil {
		return 0
	}
	return len(t.fdes)
}

// Lookup returns the link-time range of the FDE covering pc.
func (t *Table) Lookup(pc uint64) (start, end uint64, ok bool) {
	f := t.find(pc)
	if f == nil {
		return 0, 0, false
	}
	return f.start, f.end, true
}

// Ranges returns the link-time ranges of all FDEs in ascending order, as
// pairs {start, end}.
func (t *Table) Ranges() [][2]uint64 {
	out := make([][2]uint64, 0, t.Len())
	for _, f := range t.fdes {
		out = append(out, [2]uint64{f.start, f.end})
	}
	return out
}

func (t *Table) find(pc uint64) *fde {
	if t == nil {
		return nil
	}
	i := sort.Search(len(t.fdes), func(i int) bool { return t.fdes[i].start > pc }) - 1
	if i < 0 || pc >= t.fdes[i].end {
		return nil
	}
	return &t.fdes[i]
}

// maxSection caps the section size so offsets fit the uint32 spans.
const maxSection = math.MaxUint32

// Parse decodes the .eh_frame section ehFrame whose link-time address is
// ehFrameAddr. Every entry is checked; a malformed one fails the whole
// section with its offset.
func Parse(ehFrame []byte, ehFrameAddr uint64) (*Table, error) {
	if len(ehFrame) >= maxSection {
		return nil, fmt.Errorf("parse .eh_frame: %d bytes: %w", len(ehFrame), ErrUnsupported)
	}
	// gcc's FDEs take 24-80 bytes; sizing for 40 avoids most regrowth.
	t := &Table{data: ehFrame, addr: ehFrameAddr, fdes: make([]fde, 0, len(ehFrame)/40)}
	p := parser{t: t, cieAt: map[int]int32{}}
	if err := p.entries(); err != nil {
		return nil, fmt.Errorf("parse .eh_frame: %w", err)
	}
	less := func(a, b fde) int {
		switch {
		case a.start < b.start:
			return -1
		case a.start > b.start:
			return 1
		}
		return 0
	}
	if !slices.IsSortedFunc(t.fdes, less) {
		slices.SortStableFunc(t.fdes, less)
	}
	return t, nil
}

type parser struct {
	t     *Table
	cieAt map[int]int32 // section offset of a CIE → index in t.cies
}

// entries walks the section until its end or a zero terminator.
func (p *parser) entries() error {
	for off := 0; off < len(p.t.data); {
		r := p.reader(off, len(p.t.data))
		if len(p.t.data)-off < 4 {
			// Trailing padding shorter than a length word ends the section.
			return nil
		}
		body, end, is64 := r.header()
		if r.err != nil {
			return r.err
		}
		if end == off+4 && body == end {
			return nil // zero length: terminator
		}
		if err := p.entry(off, body, end, is64); err != nil {
			return err
		}
		off = end
	}
	return nil
}

func (p *parser) reader(off, end int) *reader {
	return &reader{b: p.t.data, off: off, end: end, addr: p.t.addr}
}

// header reads an entry's length; body is the offset after the length word,
// end the offset after the entry.
func (r *reader) header() (body, end int, is64 bool) {
	length := uint64(r.u32())
	if length == 0xffffffff {
		length, is64 = r.u64(), true
	}
	if r.err != nil {
		return 0, 0, false
	}
	if length > uint64(r.end-r.off) {
		r.fail("entry length %#x past the end of the section", length)
		return 0, 0, false
	}
	return r.off, r.off + int(length), is64
}

func (p *parser) entry(off, body, end int, is64 bool) error {
	r := p.reader(body, end)
	idOff := r.off
	var id uint64
	if is64 {
		id = r.u64()
	} else {
		id = uint64(r.u32())
	}
	if r.err != nil {
		return r.err
	}
	if id == 0 {
		_, err := p.cie(off)
		return err
	}
	if id > uint64(idOff) {
		r.off = idOff
		r.fail("fde cie pointer %#x before the section", id)
		return r.err
	}
	ci, err := p.cie(idOff - int(id))
	if err != nil {
		return fmt.Errorf("fde at %#x: %w", off, err)
	}
	return p.fde(r, ci)
}

// cie decodes (once) the CIE starting at section offset off.
func (p *parser) cie(off int) (int32, error) {
	if i, ok := p.cieAt[off]; ok {
		return i, nil
	}
	r := p.reader(off, len(p.t.data))
	_, end, is64 := r.header()
	r.end = end
	var id uint64
	if is64 {
		id = r.u64()
	} else {
		id = uint64(r.u32())
	}
	if r.err == nil && id != 0 {
		r.fail("entry at %#x is not a cie", off)
	}
	c := r.cieBody()
	if r.err != nil {
		return 0, r.err
	}
	p.t.cies = append(p.t.cies, c)
	i := int32(len(p.t.cies) - 1)
	p.cieAt[off] = i
	return i, nil
}

func (r *reader) cieBody() cie {
	c := cie{fdeEnc: _DW_EH_PE_absptr}
	version := r.u8()
	if r.err == nil && version != 1 && version != 3 && version != 4 {
		r.fail("cie version %d", version)
	}
	aug := r.cstring()
	if version == 4 {
		if size := r.u8(); r.err == nil && size != 8 {
			r.fail("cie address size %d", size)
		}
		r.u8() // segment selector size
	}
	c.codeAlign = r.uleb()
	c.dataAlign = r.sleb()
	if version == 1 {
		c.raReg = uint64(r.u8())
	} else {
		c.raReg = r.uleb()
	}
	r.augmentation(aug, &c)
	c.insns = span{uint32(r.off), uint32(r.end)}
	return c
}

// augmentation decodes the CIE augmentation data described by aug.
func (r *reader) augmentation(aug string, c *cie) {
	if aug == "" || r.err != nil {
		return
	}
	if !strings.HasPrefix(aug, "z") {
		r.fail("cie augmentation %q", aug)
		return
	}
	c.hasAug = true
	n := r.uleb()
	if r.err != nil || n > uint64(r.end-r.off) {
		r.fail("cie augmentation length %#x", n)
		return
	}
	dataEnd := r.off + int(n)
	for _, ch := range aug[1:] {
		switch ch {
		case 'L':
			r.u8()
		case 'R':
			c.fdeEnc = r.u8()
		case 'P':
			r.pointer(r.u8())
		case 'S':
			c.signal = true
		default:
			// An unknown letter: the length lets us skip the rest, as libgcc does.
			r.off = dataEnd
			return
		}
	}
	if r.err == nil && r.off > dataEnd {
		r.fail("cie augmentation data overruns its length")
	}
	r.off = dataEnd
}

// fde decodes an FDE body after its CIE pointer.
func (p *parser) fde(r *reader, ci int32) error {
	c := &p.t.cies[ci]
	if c.fdeEnc&0x80 != 0 {
		r.err = fmt.Errorf("offset %#x: indirect fde pointer encoding %#x: %w", r.off, c.fdeEnc, ErrUnsupported)
		return r.err
	}
	start := r.pointer(c.fdeEnc)
	size := r.value(c.fdeEnc)
	if c.hasAug {
		n := r.uleb()
		if r.need(int(min(n, math.MaxInt32))) {
			r.off += int(n)
		}
	}
	if r.err != nil {
		return r.err
	}
	if size == 0 || start+size < start {
		return nil // discarded by the linker, or covers nothing
	}
	p.t.fdes = append(p.t.fdes, fde{
		start: start, end: start + size, cie: ci,
		insns: span{uint32(r.off), uint32(r.end)},
	})
	return nil
}
