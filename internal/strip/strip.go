// Package strip implements the three passes of kpatch_strip (facts §3) that
// turn a patched binary linked with -Wl,-q into the relocatable object
// embedded in a .kpatch file: Strip keeps only the .kpatch* sections and the
// symbol tables, RelFixup rewrites relocations the runtime cannot do, and
// UndoLink makes addresses section-relative again.
package strip

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/golibcare/golibcare/internal/elfwrite"
)

// Sizes of struct kpatch_info and of the end record kpatch_strip appends
// (KPATCH_INFO_LAST_SIZE, facts §1.3).
const (
	infoSize           = 48
	infoTerminatorSize = 24
	minPatchableLen    = 5 // a rel32 jmp
)

// maxAlignSlack bounds how far alignment padding may push the stripped file
// past the size of its input, so a bogus sh_addralign cannot make Strip
// build a file of gigabytes.
const maxAlignSlack = 16 << 20

var errTooBig = errors.New("stripped file would be much larger than its input")

// ErrTooSmall is returned when .kpatch.info names a function shorter than
// the 5-byte jump written over it.
var ErrTooSmall = errors.New("functions too small to patch")

// Log receives the lines the C tool prints: Info goes to stdout, Warn to
// stderr. Nil writers discard.
type Log struct {
	Info io.Writer
	Warn io.Writer
}

func (l Log) infof(format string, args ...any) {
	if l.Info != nil {
		fmt.Fprintf(l.Info, format, args...)
	}
}

func (l Log) warnf(format string, args ...any) {
	if l.Warn != nil {
		fmt.Fprintf(l.Warn, format, args...)
	}
}

// needSection reports whether kpatch_strip keeps the contents of a section.
func needSection(name string) bool {
	switch name {
	case ".symtab", ".strtab", ".shstrtab":
		return true
	}
	return strings.Contains(name, "kpatch")
}

// Strip builds the stripped file of kpatch_strip --strip from the patched
// binary in: every section header is kept; sections that are not needed
// become SHT_NOBITS, and .kpatch.info gets its end record.
func Strip(in []byte, log Log) ([]byte, error) {
	src, err := elfwrite.Read(in)
	if err != nil {
		return nil, err
	}
	out := &elfwrite.File{Header: stripHeader(src.Header)}
	out.Sections = make([]elfwrite.Section, len(src.Sections))
	off, first := uint64(0), true
	limit := uint64(len(in)) + maxAlignSlack
	for i := 1; i < len(src.Sections); i++ {
		s := src.Sections[i]
		if first {
			off, first = s.Header.Off, false
		} else {
			off = alignUp(off, s.Header.Addralign)
			s.Header.Off = off
		}
		if off > limit {
			return nil, fmt.Errorf("section %q: offset %#x: %w", s.Name, off, errTooBig)
		}
		log.infof("processing '%s'...", s.Name)
		if needSection(s.Name) {
			log.infof("need it\n")
			if err := keepSection(&s, log, strtabOf(src)); err != nil {
				return nil, err
			}
			off += s.Header.Size
		} else {
			log.infof("don't need it\n")
			dropSection(&s)
		}
		out.Sections[i] = s
	}
	out.Header.Shoff = alignUp(off, 8)
	return out.Bytes()
}

// stripHeader keeps what kpatch_strip copies from the input ELF header.
func stripHeader(in elf.Header64) elf.Header64 {
	var h elf.Header64
	copy(h.Ident[:], elf.ELFMAG)
	h.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	h.Ident[elf.EI_DATA] = in.Ident[elf.EI_DATA]
	h.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	h.Type, h.Machine, h.Version = in.Type, in.Machine, in.Version
	h.Shstrndx, h.Shentsize = in.Shstrndx, in.Shentsize
	return h
}

// strtabOf returns the .kpatch.strtab section of f, or nil.
func strtabOf(f *elfwrite.File) *elfwrite.Section {
	for i := range f.Sections {
		if f.Sections[i].Name == ".kpatch.strtab" {
			return &f.Sections[i]
		}
	}
	return nil
}

func keepSection(s *elfwrite.Section, log Log, strtab *elfwrite.Section) error {
	if !s.HasData() {
		return nil
	}
	s.Data = append([]byte(nil), s.Data...)
	if s.Name != ".kpatch.info" {
		return nil
	}
	if err := checkInfoLen(s.Data, log, strtab); err != nil {
		return err
	}
	s.Data = append(s.Data, make([]byte, infoTerminatorSize)...)
	s.Header.Size += infoTerminatorSize
	return nil
}

func dropSection(s *elfwrite.Section) {
	s.Header.Type = uint32(elf.SHT_NOBITS)
	s.Data = nil
	if strings.HasPrefix(s.Name, ".rela") {
		// Plain alloc NOBITS: binutils strip must not see them as relocations.
		s.Header.Flags = uint64(elf.SHF_ALLOC)
	}
}

// checkInfoLen rejects hooked functions shorter than the jump written over
// them; new functions (daddr == 0 && dlen == 0) are not hooked.
func checkInfoLen(b []byte, log Log, strtab *elfwrite.Section) error {
	bad := false
	for off := 0; off+infoSize <= len(b); off += infoSize {
		daddr := binary.LittleEndian.Uint64(b[off:])
		dlen := binary.LittleEndian.Uint32(b[off+16:])
		if daddr == 0 && dlen == 0 {
			continue
		}
		if dlen < minPatchableLen {
			// Upstream names the address; the name follows when the
			// record's symstr points into .kpatch.strtab.
			name := ""
			if n := infoName(b[off+24:off+32], strtab); n != "" {
				name = " (" + n + ", " + fmt.Sprint(dlen) + " bytes)"
			}
			log.warnf("too small function to patch at 0x%x%s\n", daddr, name)
			bad = true
		}
	}
	if bad {
		return ErrTooSmall
	}
	return nil
}

// infoName reads the function name a record's symstr address points at.
func infoName(symstr []byte, strtab *elfwrite.Section) string {
	if strtab == nil || strtab.Data == nil {
		return ""
	}
	a := binary.LittleEndian.Uint64(symstr)
	if a < strtab.Header.Addr || a-strtab.Header.Addr >= uint64(len(strtab.Data)) {
		return ""
	}
	str := strtab.Data[a-strtab.Header.Addr:]
	if i := bytes.IndexByte(str, 0); i >= 0 {
		return strings.TrimSuffix(string(str[:i]), ".kpatch")
	}
	return ""
}

func alignUp(v, a uint64) uint64 {
	if a <= 1 {
		return v
	}
	return (v + a - 1) / a * a
}
