package kpatch

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
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

// Decode checks b like LibcarePlus's patch_file_verify and returns the
// header and the embedded ELF.
func Decode(b []byte) (*File, error) {
	if len(b) < HeaderSize {
		return nil, fmt.Errorf("file size %d is less than the kpatch header size %d: %w", len(b), HeaderSize, ErrTruncated)
	}
	h, err := DecodeHeader(b)
	if err != nil {
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
	if err := checkELF(img); err != nil {
		return nil, err
	}
	return &File{Header: *h, ELF: img}, nil
}

func checkELF(img []byte) error {
	if !bytes.HasPrefix(img, []byte(elf.ELFMAG)) {
		return fmt.Errorf("no ELF magic at kpatch_offset: %w", ErrBadELF)
	}
	var eh elf.Header64
	if _, err := binary.Decode(img, binary.LittleEndian, &eh); err != nil {
		return fmt.Errorf("elf header: %w", ErrBadELF)
	}
	if elf.Class(eh.Ident[elf.EI_CLASS]) != elf.ELFCLASS64 || elf.Data(eh.Ident[elf.EI_DATA]) != elf.ELFDATA2LSB {
		return fmt.Errorf("not a little-endian ELF64 object: %w", ErrBadELF)
	}
	if elf.Type(eh.Type) != elf.ET_REL {
		return fmt.Errorf("e_type %v, want ET_REL: %w", elf.Type(eh.Type), ErrBadELF)
	}
	if eh.Shentsize != 64 {
		return fmt.Errorf("e_shentsize %d, want 64: %w", eh.Shentsize, ErrBadELF)
	}
	end := eh.Shoff + uint64(eh.Shnum)*64
	if eh.Shoff > uint64(len(img)) || end > uint64(len(img)) {
		return fmt.Errorf("section headers at %#x+%d outside the %d-byte ELF: %w", eh.Shoff, eh.Shnum, len(img), ErrTruncated)
	}
	return nil
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
