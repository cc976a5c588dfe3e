package server

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/golibcare/golibcare/internal/elfutil"
)

// Bounds for fastBuildID (the files are untrusted: any program may exec).
const (
	maxPhnum    = 256
	maxNoteRead = 4096 // build-id notes are 36 bytes; note segments a few hundred
)

// fastBuildID reads the GNU Build-ID of an ELF64 file from its PT_NOTE
// segments with a handful of reads: the watcher runs it for every exec,
// before it can stop the new process, so debug/elf's full parse of the
// section headers is too slow there.
func fastBuildID(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var eh elf.Header64
	if err := binary.Read(io.NewSectionReader(f, 0, 64), binary.LittleEndian, &eh); err != nil {
		return "", fmt.Errorf("%s: elf header: %w", path, err)
	}
	if !bytes.Equal(eh.Ident[:4], []byte(elf.ELFMAG)) || elf.Class(eh.Ident[elf.EI_CLASS]) != elf.ELFCLASS64 ||
		elf.Data(eh.Ident[elf.EI_DATA]) != elf.ELFDATA2LSB || eh.Phentsize != 56 || eh.Phnum > maxPhnum {
		return "", fmt.Errorf("%s: not a little-endian ELF64 file", path)
	}
	phdrs := make([]elf.Prog64, eh.Phnum)
	if err := binary.Read(io.NewSectionReader(f, int64(eh.Phoff), int64(eh.Phnum)*56), binary.LittleEndian, phdrs); err != nil {
		return "", fmt.Errorf("%s: program headers: %w", path, err)
	}
	for _, ph := range phdrs {
		if elf.ProgType(ph.Type) != elf.PT_NOTE || ph.Filesz == 0 || ph.Filesz > maxNoteRead {
			continue
		}
		b := make([]byte, ph.Filesz)
		if _, err := f.ReadAt(b, int64(ph.Off)); err != nil {
			continue
		}
		if id, ok := elfutil.NoteBuildID(b, ph.Align); ok {
			return id, nil
		}
	}
	return "", fmt.Errorf("%s: %w", path, errNoBuildID)
}

var errNoBuildID = errors.New("no build-id note in the program headers")
