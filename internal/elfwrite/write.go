package elfwrite

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"

	"github.com/golibcare/golibcare/internal/elfutil"
)

// maxFileSize caps the image Bytes builds; .kpatch sizes are uint32 (facts §1.1).
const maxFileSize = 1 << 32

// writer fills an image whose size is known up front; the first error
// sticks and later calls do nothing, so a layout is written as a flat list
// of steps.
type writer struct {
	buf []byte
	err error
}

// extent grows *end to cover size bytes at off, refusing overflow and images
// beyond maxFileSize.
func extent(end *uint64, off, size uint64) error {
	e := off + size
	if e < off || e > maxFileSize {
		return fmt.Errorf("%#x bytes at %#x: beyond %#x", size, off, uint64(maxFileSize))
	}
	*end = max(*end, e)
	return nil
}

func (w *writer) writeAt(off uint64, b []byte) {
	if w.err != nil {
		return
	}
	if off > uint64(len(w.buf)) || uint64(len(b)) > uint64(len(w.buf))-off {
		w.err = fmt.Errorf("write of %#x bytes at %#x: past the %#x-byte image", len(b), off, len(w.buf))
		return
	}
	copy(w.buf[off:], b)
}

func (w *writer) structAt(off uint64, v any) {
	if w.err != nil {
		return
	}
	b, err := binary.Append(nil, binary.LittleEndian, v)
	if err != nil {
		w.err = err
		return
	}
	w.writeAt(off, b)
}

// Bytes lays f out at the offsets its headers give. e_phnum, e_shnum and the
// entry sizes are taken from Progs and Sections; every section with file
// contents must have len(Data) == sh_size.
func (f *File) Bytes() ([]byte, error) {
	h := f.Header
	if len(f.Sections) > int(elf.SHN_LORESERVE) || len(f.Progs) > 0xffff {
		return nil, fmt.Errorf("too many headers: %d sections, %d program headers", len(f.Sections), len(f.Progs))
	}
	h.Ehsize = elfutil.Header64Size
	h.Phnum = uint16(len(f.Progs))
	h.Shnum = uint16(len(f.Sections))
	if h.Phnum > 0 {
		h.Phentsize = elfutil.Prog64Size
	}
	if h.Shnum > 0 {
		h.Shentsize = elfutil.Section64Size
	}
	size, err := f.size(&h)
	if err != nil {
		return nil, err
	}
	w := &writer{buf: make([]byte, size)}
	for i := range f.Sections {
		f.writeSection(w, i)
	}
	for i := range f.Progs {
		w.structAt(h.Phoff+uint64(i)*elfutil.Prog64Size, &f.Progs[i])
	}
	for i := range f.Sections {
		w.structAt(h.Shoff+uint64(i)*elfutil.Section64Size, &f.Sections[i].Header)
	}
	w.structAt(0, &h)
	if w.err != nil {
		return nil, w.err
	}
	return w.buf, nil
}

// size returns the length of the image: the furthest end of the headers
// and of the section contents.
func (f *File) size(h *elf.Header64) (uint64, error) {
	end := uint64(elfutil.Header64Size)
	err := extent(&end, h.Phoff, uint64(len(f.Progs))*elfutil.Prog64Size)
	if err == nil {
		err = extent(&end, h.Shoff, uint64(len(f.Sections))*elfutil.Section64Size)
	}
	for i := range f.Sections {
		if s := &f.Sections[i]; err == nil && s.HasData() {
			if err = extent(&end, s.Header.Off, uint64(len(s.Data))); err != nil {
				err = fmt.Errorf("section %d %q: %w", i, s.Name, err)
			}
		}
	}
	return end, err
}

func (f *File) writeSection(w *writer, i int) {
	s := &f.Sections[i]
	if !s.HasData() {
		return
	}
	if uint64(len(s.Data)) != s.Header.Size {
		if w.err == nil {
			w.err = fmt.Errorf("section %d %q: %d bytes of data, sh_size %#x", i, s.Name, len(s.Data), s.Header.Size)
		}
		return
	}
	w.writeAt(s.Header.Off, s.Data)
}

// WriteFile writes f to path with perm (kept if the file exists).
func (f *File) WriteFile(path string, perm os.FileMode) error {
	b, err := f.Bytes()
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.WriteFile(path, b, perm); err != nil {
		return err
	}
	return nil
}
