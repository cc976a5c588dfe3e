package kpatch

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
)

// DecodeHeader decodes the 504-byte header at the start of b and checks its
// magic. It is used both for files and for header copies read from a
// patched process, so it checks nothing else.
func DecodeHeader(b []byte) (*Header, error) {
	if len(b) < HeaderSize {
		return nil, fmt.Errorf("header: %d bytes, want %d: %w", len(b), HeaderSize, ErrTruncated)
	}
	if string(b[:len(Magic)]) != Magic {
		return nil, ErrBadMagic
	}
	h := new(Header)
	if _, err := binary.Decode(b[:HeaderSize], binary.LittleEndian, h); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	return h, nil
}

// File is a decoded .kpatch file.
type File struct {
	Header Header
	// ELF is the embedded ET_REL object (total_size - kpatch_offset bytes,
	// including the alignment padding).
	ELF []byte
}

// Load reads one .kpatch file of size bytes from r and decodes it,
// refusing files larger than max. Before it reads the whole file it checks,
// from the header and the ELF's section headers alone, that total_size is
// the ELF's own size: a header claiming a gigabyte for a small ELF costs a
// few reads, not a gigabyte. Bytes after total_size are not read.
func Load(r io.ReaderAt, size, max int64) (*File, error) {
	if size > max {
		return nil, fmt.Errorf("%d bytes exceed the limit of %d bytes: %w", size, max, ErrTooLarge)
	}
	hb := make([]byte, HeaderSize)
	if n, err := r.ReadAt(hb, 0); n < HeaderSize {
		if k := min(n, len(Magic)); string(hb[:k]) != Magic[:k] {
			return nil, ErrBadMagic // a short file that is not a patch at all
		}
		return nil, fmt.Errorf("file size %d is less than the kpatch header size %d: %w (%v)", n, HeaderSize, ErrTruncated, err)
	}
	h, err := DecodeHeader(hb)
	if err != nil {
		return nil, err
	}
	if err := h.precheck(r, size); err != nil {
		return nil, err
	}
	b := make([]byte, h.TotalSize)
	if _, err := r.ReadAt(b, 0); err != nil {
		return nil, fmt.Errorf("read %d bytes: %w", h.TotalSize, err)
	}
	return Decode(b)
}

// precheck checks total_size against the file size and the ELF's extent
// with reads of the ELF header and the section header table only.
func (h *Header) precheck(r io.ReaderAt, size int64) error {
	off, total := int64(h.KpatchOffset), int64(h.TotalSize)
	if total > size {
		return fmt.Errorf("total_size %d exceeds file size %d: %w", total, size, ErrTruncated)
	}
	if off < HeaderSize || off+64 > total {
		return fmt.Errorf("kpatch_offset %d outside the file (total_size %d): %w", off, total, ErrTruncated)
	}
	eb := make([]byte, 64)
	if _, err := r.ReadAt(eb, off); err != nil {
		return fmt.Errorf("elf header: %w", err)
	}
	eh, err := decodeELFHeader(eb)
	if err != nil {
		return err
	}
	n := total - off
	if eh.Shoff > uint64(n) || uint64(eh.Shnum)*64 > uint64(n)-eh.Shoff {
		return fmt.Errorf("section headers at %#x+%d outside the %d-byte ELF: %w", eh.Shoff, eh.Shnum, n, ErrTruncated)
	}
	shdrs := make([]byte, int(eh.Shnum)*64)
	if _, err := r.ReadAt(shdrs, off+int64(eh.Shoff)); err != nil {
		return fmt.Errorf("section headers: %w", err)
	}
	extent, err := sectionExtent(eh, shdrs, uint64(n))
	if err != nil {
		return err
	}
	return h.checkTotal(extent, uint64(n))
}

// Decode checks b like LibcarePlus's patch_file_verify, and also the
// checksum when it is set, the patch id, and that total_size is what the
// ELF occupies (doc.go). It returns the header and the embedded ELF.
func Decode(b []byte) (*File, error) {
	if len(b) < HeaderSize {
		return nil, fmt.Errorf("file size %d is less than the kpatch header size %d: %w", len(b), HeaderSize, ErrTruncated)
	}
	h, err := DecodeHeader(b)
	if err != nil {
		return nil, err
	}
	if err := h.checkID(); err != nil {
		return nil, err
	}
	size := uint64(len(b))
	off, total := uint64(h.KpatchOffset), uint64(h.TotalSize)
	if total > size {
		return nil, fmt.Errorf("total_size %d exceeds file size %d: %w", total, size, ErrTruncated)
	}
	if off < HeaderSize || off+64 > total {
		return nil, fmt.Errorf("kpatch_offset %d outside the file (total_size %d): %w", off, total, ErrTruncated)
	}
	img := b[off:total]
	if h.Csum != 0 {
		if got := Checksum(img); got != h.Csum {
			return nil, fmt.Errorf("csum %#08x, but the ELF's CRC-32 is %#08x: %w", h.Csum, got, ErrChecksum)
		}
	}
	extent, err := checkELF(img)
	if err != nil {
		return nil, err
	}
	if err := h.checkTotal(extent, uint64(len(img))); err != nil {
		return nil, err
	}
	return &File{Header: *h, ELF: img}, nil
}

// Checksum returns the CRC-32 kpatch_make stores in csum for an ELF image
// (with its padding): IEEE polynomial, as doc.go says.
func Checksum(img []byte) uint32 { return crc32.ChecksumIEEE(img) }

func alignELF(n uint64) uint64 { return (n + elfAlign - 1) &^ (elfAlign - 1) }

// checkID refuses ids kpatch_make cannot write: empty, or filling the
// whole field with no NUL (a C reader would run into the next field).
func (h *Header) checkID() error {
	i := bytes.IndexByte(h.ID[:], 0)
	switch {
	case i < 0:
		return fmt.Errorf("patch id %q is not NUL-terminated: %w", h.ID[:], ErrBadHeader)
	case i == 0:
		return fmt.Errorf("empty patch id: %w", ErrBadHeader)
	}
	return nil
}

// checkTotal refuses a total_size that gives the ELF (n bytes) more or
// less than its extent padded to 16, as kpatch_make writes it.
func (h *Header) checkTotal(extent, n uint64) error {
	if padded := alignELF(extent); padded != n {
		return fmt.Errorf("total_size %d: the header gives the ELF %d bytes, but it ends at %d (%d padded): %w",
			h.TotalSize, n, extent, padded, ErrBadHeader)
	}
	return nil
}

// checkELF checks the ELF header and the section header table, and returns
// the ELF's extent: where its last section or its section headers end.
func checkELF(img []byte) (uint64, error) {
	eh, err := decodeELFHeader(img)
	if err != nil {
		return 0, err
	}
	size := uint64(len(img))
	if eh.Shoff > size || uint64(eh.Shnum)*64 > size-eh.Shoff {
		return 0, fmt.Errorf("section headers at %#x+%d outside the %d-byte ELF: %w", eh.Shoff, eh.Shnum, len(img), ErrTruncated)
	}
	return sectionExtent(eh, img[eh.Shoff:], size)
}

func decodeELFHeader(img []byte) (*elf.Header64, error) {
	if !bytes.HasPrefix(img, []byte(elf.ELFMAG)) {
		return nil, fmt.Errorf("no ELF magic at kpatch_offset: %w", ErrBadELF)
	}
	eh := new(elf.Header64)
	if _, err := binary.Decode(img, binary.LittleEndian, eh); err != nil {
		return nil, fmt.Errorf("elf header: %w", ErrBadELF)
	}
	if elf.Class(eh.Ident[elf.EI_CLASS]) != elf.ELFCLASS64 || elf.Data(eh.Ident[elf.EI_DATA]) != elf.ELFDATA2LSB {
		return nil, fmt.Errorf("not a little-endian ELF64 object: %w", ErrBadELF)
	}
	if elf.Type(eh.Type) != elf.ET_REL {
		return nil, fmt.Errorf("e_type %v, want ET_REL: %w", elf.Type(eh.Type), ErrBadELF)
	}
	if eh.Shentsize != 64 {
		return nil, fmt.Errorf("e_shentsize %d, want 64: %w", eh.Shentsize, ErrBadELF)
	}
	if eh.Shnum == 0 {
		return nil, fmt.Errorf("no section headers (e_shnum 0): %w", ErrBadELF)
	}
	return eh, nil
}

// sectionExtent returns where the ELF (size bytes) ends: the end of its
// section header table or of its last section with contents, which must
// all lie inside it. shdrs holds the table.
func sectionExtent(eh *elf.Header64, shdrs []byte, size uint64) (uint64, error) {
	extent := max(eh.Shoff+uint64(eh.Shnum)*64, 64)
	for i := range uint64(eh.Shnum) {
		var sh elf.Section64
		if _, err := binary.Decode(shdrs[i*64:], binary.LittleEndian, &sh); err != nil {
			return 0, fmt.Errorf("section header %d: %w", i, ErrBadELF)
		}
		if t := elf.SectionType(sh.Type); t == elf.SHT_NOBITS || t == elf.SHT_NULL {
			continue
		}
		if sh.Off > size || sh.Size > size-sh.Off {
			return 0, fmt.Errorf("section %d at %#x+%#x outside the %d-byte ELF: %w", i, sh.Off, sh.Size, size, ErrTruncated)
		}
		extent = max(extent, sh.Off+sh.Size)
	}
	return extent, nil
}

// Info mirrors struct kpatch_info (48 bytes).
type Info struct {
	Daddr  uint64
	Saddr  uint64
	Dlen   uint32
	Slen   uint32
	Symstr uint64
	Vaddr  uint64
	Flags  uint32
	Pad    uint32
}

// IsEnd reports whether i is the terminator record (is_end_info).
func (i Info) IsEnd() bool { return i.Daddr == 0 && i.Saddr == 0 && i.Dlen == 0 && i.Slen == 0 }

// IsNew reports whether i describes a new function, which gets no jump.
func (i Info) IsNew() bool { return i.Daddr == 0 && i.Dlen == 0 }

// DecodeInfos decodes the records of a .kpatch.info section up to the end
// record or the last whole record.
func DecodeInfos(b []byte) ([]Info, error) {
	n := len(b) / InfoSize
	out := make([]Info, 0, n)
	for k := 0; k < n; k++ {
		var i Info
		if _, err := binary.Decode(b[k*InfoSize:], binary.LittleEndian, &i); err != nil {
			return nil, fmt.Errorf("info record %d: %w", k, err)
		}
		if i.IsEnd() {
			break
		}
		out = append(out, i)
	}
	return out, nil
}
