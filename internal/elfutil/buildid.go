package elfutil

import (
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
)

// ErrNoBuildID is returned for an ELF file without an NT_GNU_BUILD_ID note.
var ErrNoBuildID = errors.New("no GNU build-id note")

const (
	ntGNUBuildID = 3 // NT_GNU_BUILD_ID, elf.h
	noteName     = "GNU\x00"
	maxNoteSize  = 1 << 20 // build-id notes are tens of bytes; larger note areas are skipped
)

// BuildID returns the GNU Build-ID of the ELF file at path as lowercase hex
// (40 characters for the usual SHA-1 id), the key of patches (facts §1.1).
func BuildID(path string) (string, error) {
	f, err := SafeOpen(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	id, err := FileBuildID(f)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return id, nil
}

// FileBuildID looks for the build-id note in the SHT_NOTE sections of f (the
// usual .note.gnu.build-id first), then in its PT_NOTE segments, for files
// whose section headers were stripped.
func FileBuildID(f *elf.File) (string, error) {
	if s := f.Section(".note.gnu.build-id"); s != nil && s.Type == elf.SHT_NOTE {
		if id, ok := sectionBuildID(s); ok {
			return id, nil
		}
	}
	for _, s := range f.Sections {
		if s.Type != elf.SHT_NOTE {
			continue
		}
		if id, ok := sectionBuildID(s); ok {
			return id, nil
		}
	}
	for _, p := range f.Progs {
		if p.Type != elf.PT_NOTE || p.Filesz > maxNoteSize {
			continue
		}
		b := make([]byte, p.Filesz)
		if _, err := p.ReadAt(b, 0); err != nil {
			continue
		}
		if id, ok := NoteBuildID(b, p.Align); ok {
			return id, nil
		}
	}
	return "", ErrNoBuildID
}

func sectionBuildID(s *elf.Section) (string, bool) {
	if s.Size > maxNoteSize {
		return "", false
	}
	b, err := SafeSectionData(s)
	if err != nil {
		return "", false
	}
	return NoteBuildID(b, s.Addralign)
}

// NoteBuildID scans a little-endian note area (Elf_Nhdr records whose name
// and descriptor are padded to align: 4, or 8 for 8-aligned note segments)
// for an NT_GNU_BUILD_ID owned by "GNU" and returns its hex descriptor.
func NoteBuildID(b []byte, align uint64) (string, bool) {
	pad := uint64(4)
	if align == 8 {
		pad = 8
	}
	for off := uint64(0); off+12 <= uint64(len(b)); {
		namesz, descsz := uint64(le.Uint32(b[off:])), uint64(le.Uint32(b[off+4:]))
		typ := le.Uint32(b[off+8:])
		nameOff := off + 12
		descOff := nameOff + roundUp(namesz, pad)
		name, err1 := Slice(b, nameOff, namesz)
		desc, err2 := Slice(b, descOff, descsz)
		if err1 != nil || err2 != nil {
			return "", false
		}
		if typ == ntGNUBuildID && string(name) == noteName && descsz > 0 {
			return hex.EncodeToString(desc), true
		}
		off = descOff + roundUp(descsz, pad)
	}
	return "", false
}

func roundUp(v, a uint64) uint64 { return (v + a - 1) &^ (a - 1) }
