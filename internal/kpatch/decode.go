package kpatch

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
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

// Read reads one .kpatch file from r: the header, then the total_size
// bytes it announces, never more than max bytes in all, and decodes it.
// The buffer grows with what r really holds, so a header that claims more
// than the file has costs nothing; bytes after total_size are not read.
func Read(r io.Reader, max int64) (*File, error) {
	hb := make([]byte, HeaderSize)
	if n, err := io.ReadFull(r, hb); err != nil {
		if k := min(n, len(Magic)); string(hb[:k]) != Magic[:k] {
			return nil, ErrBadMagic // a short file that is not a patch at all
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("file size %d is less than the kpatch header size %d: %w", n, HeaderSize, ErrTruncated)
		}
		return nil, err
	}
	h, err := DecodeHeader(hb)
	if err != nil {
		return nil, err
	}
	total := int64(h.TotalSize)
	if total > max {
		return nil, fmt.Errorf("total_size %d exceeds the limit of %d bytes: %w", total, max, ErrTooLarge)
	}
	buf := bytes.NewBuffer(hb)
	if total > HeaderSize {
		if n, err := io.CopyN(buf, r, total-HeaderSize); err != nil {
			if errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("total_size %d exceeds file size %d: %w", total, HeaderSize+n, ErrTruncated)
			}
			return nil, err
		}
	}
	return Decode(buf.Bytes())
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
	if padded := alignELF(extent); padded != uint64(len(img)) {
		return nil, fmt.Errorf("total_size %d: the header gives the ELF %d bytes, but it ends at %d (%d padded): %w",
			total, len(img), extent, padded, ErrBadHeader)
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

// checkELF checks the ELF header and the section header table, and returns
// the ELF's extent: where its last section or its section headers end.
func checkELF(img []byte) (uint64, error) {
	if !bytes.HasPrefix(img, []byte(elf.ELFMAG)) {
		return 0, fmt.Errorf("no ELF magic at kpatch_offset: %w", ErrBadELF)
	}
	var eh elf.Header64
	if _, err := binary.Decode(img, binary.LittleEndian, &eh); err != nil {
		return 0, fmt.Errorf("elf header: %w", ErrBadELF)
	}
	if elf.Class(eh.Ident[elf.EI_CLASS]) != elf.ELFCLASS64 || elf.Data(eh.Ident[elf.EI_DATA]) != elf.ELFDATA2LSB {
		return 0, fmt.Errorf("not a little-endian ELF64 object: %w", ErrBadELF)
	}
	if elf.Type(eh.Type) != elf.ET_REL {
		return 0, fmt.Errorf("e_type %v, want ET_REL: %w", elf.Type(eh.Type), ErrBadELF)
	}
	if eh.Shentsize != 64 {
		return 0, fmt.Errorf("e_shentsize %d, want 64: %w", eh.Shentsize, ErrBadELF)
	}
	if eh.Shnum == 0 {
		return 0, fmt.Errorf("no section headers (e_shnum 0): %w", ErrBadELF)
	}
	size := uint64(len(img))
	end := eh.Shoff + uint64(eh.Shnum)*64
	if eh.Shoff > size || end > size {
		return 0, fmt.Errorf("section headers at %#x+%d outside the %d-byte ELF: %w", eh.Shoff, eh.Shnum, len(img), ErrTruncated)
	}
	extent := max(end, 64)
	for i := range uint64(eh.Shnum) {
		var sh elf.Section64
		if _, err := binary.Decode(img[eh.Shoff+i*64:], binary.LittleEndian, &sh); err != nil {
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
