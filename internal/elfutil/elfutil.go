// Package elfutil holds small, panic-free helpers over ELF files: opening with
// debug/elf behind a recover, bounds-checked slicing, raw symbol and
// relocation entries, and GNU Build-ID lookup.
package elfutil

import (
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"io/fs"
)

// SafeOpen opens path with debug/elf, turning a panic of the parser on a
// malformed file into an error. If the parser panics, the descriptor it
// opened is left to the os.File finalizer.
func SafeOpen(path string) (f *elf.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("open %s: malformed elf: %v", path, r)
		}
	}()
	f, err = elf.Open(path)
	var pe *fs.PathError
	if err != nil && !errors.As(err, &pe) {
		err = fmt.Errorf("open %s: %w", path, err)
	}
	return f, err
}

// SafeNewFile is elf.NewFile behind a recover, for ELF images in memory.
func SafeNewFile(r io.ReaderAt) (f *elf.File, err error) {
	defer func() {
		if rec := recover(); rec != nil {
			f, err = nil, fmt.Errorf("malformed elf: %v", rec)
		}
	}()
	return elf.NewFile(r)
}

// SafeSectionData returns the contents of s, recovering from parser panics
// and refusing SHT_NOBITS sections.
func SafeSectionData(s *elf.Section) (b []byte, err error) {
	defer func() {
		if rec := recover(); rec != nil {
			b, err = nil, fmt.Errorf("section %q: malformed elf: %v", s.Name, rec)
		}
	}()
	if s.Type == elf.SHT_NOBITS {
		return nil, fmt.Errorf("section %q: no file data (SHT_NOBITS)", s.Name)
	}
	return s.Data()
}

// Importable reports whether an undefined symbol with st_info info is
// resolved from the target's libraries when a patch is applied: a
// function, object or untyped symbol, global or weak (facts §8.9b,f).
func Importable(info byte) bool {
	switch elf.ST_TYPE(info) {
	case elf.STT_FUNC, elf.STT_OBJECT, elf.STT_NOTYPE:
	default:
		return false
	}
	b := elf.ST_BIND(info)
	return b == elf.STB_GLOBAL || b == elf.STB_WEAK
}
