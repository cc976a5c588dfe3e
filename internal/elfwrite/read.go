package elfwrite

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/golibcare/golibcare/internal/elfutil"
)

// ErrNotELF is returned for input that does not start with the ELF magic.
var ErrNotELF = errors.New("not an ELF file")

// File is an ELF64 little-endian file as headers and section contents.
type File struct {
	Header   elf.Header64
	Progs    []elf.Prog64 // program headers, written at Header.Phoff
	Sections []Section    // all section headers, index 0 (SHT_NULL) included
}

// Section is one section header with its name and file contents.
type Section struct {
	Header elf.Section64
	Name   string // from the section name table; informational, not written
	Data   []byte // contents; nil for SHT_NOBITS and empty sections
}

// Read parses b. Section Data slices alias b, so edits made through them
// change b too; callers that need b unchanged pass a copy.
func Read(b []byte) (*File, error) {
	f := &File{}
	if err := f.readHeader(b); err != nil {
		return nil, err
	}
	if err := f.readProgs(b); err != nil {
		return nil, err
	}
	if err := f.readSections(b); err != nil {
		return nil, err
	}
	if err := f.readNames(); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *File) readHeader(b []byte) error {
	if len(b) < elfutil.Header64Size || !bytes.HasPrefix(b, []byte(elf.ELFMAG)) {
		return ErrNotELF
	}
	if elf.Class(b[elf.EI_CLASS]) != elf.ELFCLASS64 {
		return fmt.Errorf("unsupported elf class %v", elf.Class(b[elf.EI_CLASS]))
	}
	if elf.Data(b[elf.EI_DATA]) != elf.ELFDATA2LSB {
		return fmt.Errorf("unsupported elf data encoding %v", elf.Data(b[elf.EI_DATA]))
	}
	if _, err := binary.Decode(b, binary.LittleEndian, &f.Header); err != nil {
		return fmt.Errorf("elf header: %w", err)
	}
	h := &f.Header
	if h.Shnum == 0 && h.Shoff != 0 {
		return errors.New("extended section numbering is not supported")
	}
	if h.Shnum > 0 && h.Shentsize != elfutil.Section64Size {
		return fmt.Errorf("section header size %d, want %d", h.Shentsize, elfutil.Section64Size)
	}
	if h.Phnum > 0 && h.Phentsize != elfutil.Prog64Size {
		return fmt.Errorf("program header size %d, want %d", h.Phentsize, elfutil.Prog64Size)
	}
	return nil
}

func (f *File) readProgs(b []byte) error {
	h := &f.Header
	tab, err := elfutil.Slice(b, h.Phoff, uint64(h.Phnum)*elfutil.Prog64Size)
	if err != nil {
		return fmt.Errorf("program headers: %w", err)
	}
	f.Progs = make([]elf.Prog64, h.Phnum)
	for i := range f.Progs {
		if _, err := binary.Decode(tab[i*elfutil.Prog64Size:], binary.LittleEndian, &f.Progs[i]); err != nil {
			return fmt.Errorf("program header %d: %w", i, err)
		}
	}
	return nil
}

func (f *File) readSections(b []byte) error {
	h := &f.Header
	tab, err := elfutil.Slice(b, h.Shoff, uint64(h.Shnum)*elfutil.Section64Size)
	if err != nil {
		return fmt.Errorf("section headers: %w", err)
	}
	f.Sections = make([]Section, h.Shnum)
	for i := range f.Sections {
		s := &f.Sections[i]
		if _, err := binary.Decode(tab[i*elfutil.Section64Size:], binary.LittleEndian, &s.Header); err != nil {
			return fmt.Errorf("section %d: %w", i, err)
		}
		if !s.HasData() || s.Header.Size == 0 {
			continue
		}
		s.Data, err = elfutil.Slice(b, s.Header.Off, s.Header.Size)
		if err != nil {
			return fmt.Errorf("section %d data: %w", i, err)
		}
	}
	return nil
}

func (f *File) readNames() error {
	idx := int(f.Header.Shstrndx)
	if idx == int(elf.SHN_UNDEF) {
		return nil
	}
	if idx >= len(f.Sections) {
		return fmt.Errorf("section name table index %d out of range", idx)
	}
	strtab := f.Sections[idx].Data
	for i := 1; i < len(f.Sections); i++ {
		s := &f.Sections[i]
		name, err := elfutil.CString(strtab, uint64(s.Header.Name))
		if err != nil {
			return fmt.Errorf("section %d name: %w", i, err)
		}
		s.Name = name
	}
	return nil
}

// HasData reports whether the section occupies bytes in the file.
func (s *Section) HasData() bool {
	return elf.SectionType(s.Header.Type) != elf.SHT_NOBITS && elf.SectionType(s.Header.Type) != elf.SHT_NULL
}

// Type returns the section's SHT_* type.
func (s *Section) Type() elf.SectionType { return elf.SectionType(s.Header.Type) }

// Flags returns the section's SHF_* flags.
func (s *Section) Flags() elf.SectionFlag { return elf.SectionFlag(s.Header.Flags) }

// Index returns the index of the first section named name, or -1.
func (f *File) Index(name string) int {
	for i := 1; i < len(f.Sections); i++ {
		if f.Sections[i].Name == name {
			return i
		}
	}
	return -1
}

// Section returns section i, or an error naming i when it is out of range.
func (f *File) Section(i int) (*Section, error) {
	if i <= 0 || i >= len(f.Sections) {
		return nil, fmt.Errorf("section index %d out of range [1,%d)", i, len(f.Sections))
	}
	return &f.Sections[i], nil
}
