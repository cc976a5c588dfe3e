package elfwrite

import (
	"bytes"

	"github.com/golibcare/golibcare/internal/elfutil"
)

// Strtab builds an ELF string table (.shstrtab, .strtab): a NUL first, then
// each distinct string once, NUL-terminated.
type Strtab struct {
	buf bytes.Buffer
	off map[string]uint32
}

// Add returns the offset of s in the table, adding it when new.
func (t *Strtab) Add(s string) uint32 {
	if t.off == nil {
		t.off = map[string]uint32{"": 0}
		t.buf.WriteByte(0)
	}
	if o, ok := t.off[s]; ok {
		return o
	}
	o := uint32(t.buf.Len())
	t.buf.WriteString(s)
	t.buf.WriteByte(0)
	t.off[s] = o
	return o
}

// Bytes returns the table built so far.
func (t *Strtab) Bytes() []byte {
	t.Add("")
	return bytes.Clone(t.buf.Bytes())
}

// Layout assigns file offsets the simple way: program headers right after
// the ELF header, then each section in index order at its alignment
// (SHT_NOBITS ones take the running offset and no space), then the section
// header table aligned to 8. Sizes of sections with data are set from Data.
func (f *File) Layout() {
	off := uint64(elfutil.Header64Size)
	if len(f.Progs) > 0 {
		f.Header.Phoff = off
		off += uint64(len(f.Progs)) * elfutil.Prog64Size
	}
	for i := 1; i < len(f.Sections); i++ {
		s := &f.Sections[i]
		off = alignUp(off, s.Header.Addralign)
		s.Header.Off = off
		if s.HasData() {
			s.Header.Size = uint64(len(s.Data))
			off += s.Header.Size
		}
	}
	f.Header.Shoff = alignUp(off, 8)
}

func alignUp(v, a uint64) uint64 {
	if a <= 1 {
		return v
	}
	return (v + a - 1) / a * a
}
