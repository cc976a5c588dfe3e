package elfutil

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
)

// Sizes of the raw ELF64 entries handled here (System V gABI).
const (
	Sym64Size     = 24 // sizeof(Elf64_Sym)
	Rela64Size    = 24 // sizeof(Elf64_Rela)
	Header64Size  = 64 // sizeof(Elf64_Ehdr)
	Section64Size = 64 // sizeof(Elf64_Shdr)
	Prog64Size    = 56 // sizeof(Elf64_Phdr)
)

// ErrOutOfBounds is returned when a read would go past the end of its buffer.
var ErrOutOfBounds = errors.New("out of bounds")

var le = binary.LittleEndian

// Slice returns b[off:off+size] after checking, without overflow, that the
// range lies inside b.
func Slice(b []byte, off, size uint64) ([]byte, error) {
	n := uint64(len(b))
	if off > n || size > n-off {
		return nil, fmt.Errorf("range %#x+%#x of %#x bytes: %w", off, size, n, ErrOutOfBounds)
	}
	return b[off : off+size], nil
}

// CString returns the NUL-terminated string starting at off in a string table.
func CString(strtab []byte, off uint64) (string, error) {
	if off >= uint64(len(strtab)) {
		return "", fmt.Errorf("string at %#x of %#x-byte table: %w", off, len(strtab), ErrOutOfBounds)
	}
	s := strtab[off:]
	i := bytes.IndexByte(s, 0)
	if i < 0 {
		return "", fmt.Errorf("string at %#x: no terminating NUL", off)
	}
	return string(s[:i]), nil
}

// Count returns how many entries of entsize bytes a table of size bytes holds,
// refusing sizes that are not a whole number of entries.
func Count(size, entsize uint64) (int, error) {
	if entsize == 0 {
		return 0, errors.New("zero entry size")
	}
	if size%entsize != 0 {
		return 0, fmt.Errorf("table size %#x is not a multiple of entry size %#x", size, entsize)
	}
	return int(size / entsize), nil
}

// Sym returns entry i of a raw little-endian ELF64 symbol table.
func Sym(tab []byte, i int) (elf.Sym64, error) {
	b, err := entry(tab, i, Sym64Size)
	if err != nil {
		return elf.Sym64{}, fmt.Errorf("symbol %d: %w", i, err)
	}
	return elf.Sym64{
		Name:  le.Uint32(b[0:]),
		Info:  b[4],
		Other: b[5],
		Shndx: le.Uint16(b[6:]),
		Value: le.Uint64(b[8:]),
		Size:  le.Uint64(b[16:]),
	}, nil
}

// PutSym stores s as entry i of a raw symbol table.
func PutSym(tab []byte, i int, s elf.Sym64) error {
	b, err := entry(tab, i, Sym64Size)
	if err != nil {
		return fmt.Errorf("symbol %d: %w", i, err)
	}
	le.PutUint32(b[0:], s.Name)
	b[4], b[5] = s.Info, s.Other
	le.PutUint16(b[6:], s.Shndx)
	le.PutUint64(b[8:], s.Value)
	le.PutUint64(b[16:], s.Size)
	return nil
}

// Rela returns entry i of a raw little-endian ELF64 SHT_RELA table.
func Rela(tab []byte, i int) (elf.Rela64, error) {
	b, err := entry(tab, i, Rela64Size)
	if err != nil {
		return elf.Rela64{}, fmt.Errorf("relocation %d: %w", i, err)
	}
	return elf.Rela64{Off: le.Uint64(b[0:]), Info: le.Uint64(b[8:]), Addend: int64(le.Uint64(b[16:]))}, nil
}

// PutRela stores r as entry i of a raw SHT_RELA table.
func PutRela(tab []byte, i int, r elf.Rela64) error {
	b, err := entry(tab, i, Rela64Size)
	if err != nil {
		return fmt.Errorf("relocation %d: %w", i, err)
	}
	le.PutUint64(b[0:], r.Off)
	le.PutUint64(b[8:], r.Info)
	le.PutUint64(b[16:], uint64(r.Addend))
	return nil
}

func entry(tab []byte, i, size int) ([]byte, error) {
	if i < 0 {
		return nil, ErrOutOfBounds
	}
	return Slice(tab, uint64(i)*uint64(size), uint64(size))
}

// SymType returns the STT_* type of s.
func SymType(s elf.Sym64) elf.SymType { return elf.ST_TYPE(s.Info) }

// SymBind returns the STB_* binding of s.
func SymBind(s elf.Sym64) elf.SymBind { return elf.ST_BIND(s.Info) }

// RelaSym returns the symbol index of r.
func RelaSym(r elf.Rela64) uint32 { return elf.R_SYM64(r.Info) }

// RelaType returns the x86-64 relocation type of r.
func RelaType(r elf.Rela64) elf.R_X86_64 { return elf.R_X86_64(elf.R_TYPE64(r.Info)) }

// SetRela returns r with its symbol and type replaced, keeping offset and addend.
func SetRela(r elf.Rela64, sym uint32, typ elf.R_X86_64) elf.Rela64 {
	r.Info = elf.R_INFO(sym, uint32(typ))
	return r
}
