package unwind

import (
	"debug/elf"
	"fmt"
)

// maxEhFrame caps the section read from a file: libc's is 150 KiB, the
// largest binaries' a few MiB.
const maxEhFrame = 256 << 20

// LoadFile parses the .eh_frame of the ELF object at path. An object
// without the section (or with only a NOBITS placeholder, as in separate
// debug files) yields an empty Table, not an error.
func LoadFile(path string) (*Table, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	defer f.Close()
	t, err := FromELF(f)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	return t, nil
}

// FromELF parses the .eh_frame of an open ELF file. debug/elf panics on
// some malformed inputs; those panics are returned as errors.
func FromELF(f *elf.File) (t *Table, err error) {
	defer func() {
		if r := recover(); r != nil {
			t, err = nil, fmt.Errorf("malformed elf: %v", r)
		}
	}()
	s := f.Section(".eh_frame")
	if s == nil || s.Type == elf.SHT_NOBITS {
		return &Table{}, nil
	}
	if s.Size > maxEhFrame {
		return nil, fmt.Errorf(".eh_frame: %d bytes: %w", s.Size, ErrUnsupported)
	}
	data, err := s.Data()
	if err != nil {
		return nil, fmt.Errorf(".eh_frame: %w", err)
	}
	return Parse(data, s.Addr)
}

// Bias returns runtime minus link-time addresses for an object whose file
// offset mapOffset is mapped at mapStart (one line of /proc/pid/maps): the
// PT_LOAD segment holding that offset fixes the link-time address.
func Bias(f *elf.File, mapStart, mapOffset uint64) (uint64, error) {
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD {
			continue
		}
		// The kernel maps a segment from its offset rounded down to a page.
		if mapOffset < p.Off+p.Filesz && mapOffset+pageSize > p.Off {
			return mapStart - mapOffset + p.Off - p.Vaddr, nil
		}
	}
	return 0, fmt.Errorf("no PT_LOAD segment holds file offset %#x", mapOffset)
}
