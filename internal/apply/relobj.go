package apply

import (
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/golibcare/golibcare/internal/elfutil"
	"github.com/golibcare/golibcare/internal/kpatch"
)

// maxSections and maxSymbols bound what a patch ELF may declare.
const (
	maxSections = 1 << 16
	maxSymbols  = 1 << 22
)

// relObj is the ET_REL object embedded in a .kpatch file, parsed from its
// raw bytes so it can be relocated in place.
type relObj struct {
	img      []byte
	shdrs    []elf.Section64
	names    []string
	syms     []elf.Sym64
	symNames []string
	usable   []bool // symbols relocations may use (checkSymbols)
	symtab   int    // section index of .symtab
	info     int    // section index of .kpatch.info
	data     int    // section index of .kpatch.data, or -1
}

var errBadELF = errors.New("malformed patch ELF")

// parseRelObj parses a private copy of the patch ELF and validates it
// (validate.go), so nothing later has to second-guess it.
func parseRelObj(elfBytes []byte) (*relObj, error) {
	r := &relObj{img: append([]byte(nil), elfBytes...), symtab: -1, info: -1, data: -1}
	steps := []func() error{r.parseSections, r.checkSections, r.requireSections, r.checkTables,
		r.parseSymbols, r.checkSymbols, r.checkRelocs, r.checkInfos}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (r *relObj) requireSections() error {
	if r.info < 0 {
		return fmt.Errorf("failed to load kpatch info: no .kpatch.info section")
	}
	if r.symtab < 0 {
		return bad("no .symtab")
	}
	return nil
}

func (r *relObj) parseSections() error {
	var eh elf.Header64
	if _, err := binary.Decode(r.img, binary.LittleEndian, &eh); err != nil {
		return bad("header: %v", err)
	}
	if elf.Machine(eh.Machine) != elf.EM_X86_64 {
		return bad("e_machine %v, want EM_X86_64", elf.Machine(eh.Machine))
	}
	n := uint64(eh.Shnum)
	if eh.Shentsize != 64 || n == 0 || n > maxSections || eh.Shoff > uint64(len(r.img)) || n*64 > uint64(len(r.img))-eh.Shoff {
		return bad("section headers out of range")
	}
	r.shdrs = make([]elf.Section64, n)
	if _, err := binary.Decode(r.img[eh.Shoff:], binary.LittleEndian, r.shdrs); err != nil {
		return bad("section headers: %v", err)
	}
	for i, sh := range r.shdrs {
		if r.has(i) && (sh.Off > uint64(len(r.img)) || sh.Size > uint64(len(r.img))-sh.Off) {
			return bad("section %d at %#x+%#x outside the %d-byte ELF", i, sh.Off, sh.Size, len(r.img))
		}
	}
	if int(eh.Shstrndx) >= len(r.shdrs) || !r.has(int(eh.Shstrndx)) || r.shdrs[eh.Shstrndx].Type != uint32(elf.SHT_STRTAB) {
		return bad("e_shstrndx %d is not a string table", eh.Shstrndx)
	}
	return r.nameSections(r.bytes(int(eh.Shstrndx)))
}

func (r *relObj) nameSections(shstr []byte) error {
	r.names = make([]string, len(r.shdrs))
	for i, sh := range r.shdrs {
		name, err := elfutil.CString(shstr, uint64(sh.Name))
		if err != nil {
			return bad("section %d name: %v", i, err)
		}
		r.names[i] = name
		switch {
		case sh.Type == uint32(elf.SHT_SYMTAB):
			r.symtab = i
		case name == ".kpatch.info" && r.has(i):
			r.info = i
		case name == ".kpatch.data" && r.has(i):
			r.data = i
		}
	}
	return nil
}

// bytes returns the file contents of section i (nil for NOBITS).
func (r *relObj) bytes(i int) []byte {
	sh := r.shdrs[i]
	if !r.has(i) {
		return nil
	}
	return r.img[sh.Off : sh.Off+sh.Size]
}

func (r *relObj) parseSymbols() error {
	st := r.shdrs[r.symtab]
	n := st.Size / 24
	if n > maxSymbols {
		return bad("%d symbols", n)
	}
	r.syms = make([]elf.Sym64, n)
	if _, err := binary.Decode(r.bytes(r.symtab), binary.LittleEndian, r.syms); err != nil {
		return bad("symbols: %v", err)
	}
	strtab := r.bytes(int(st.Link))
	r.symNames = make([]string, n)
	for i, s := range r.syms {
		name, err := elfutil.CString(strtab, uint64(s.Name))
		if err != nil {
			return bad("symbol %d name: %v", i, err)
		}
		r.symNames[i] = name
	}
	return nil
}

// isImport reports whether symbol i is resolved from the target's
// libraries and gets a jump-table slot (facts §8.9b,f).
func (r *relObj) isImport(i int) bool {
	s := r.syms[i]
	return i != 0 && s.Shndx == uint16(elf.SHN_UNDEF) && elfutil.Importable(s.Info)
}

func (r *relObj) imports() []int {
	var out []int
	for i := range r.syms {
		if r.isImport(i) {
			out = append(out, i)
		}
	}
	return out
}

// splitVersion cuts "fwrite@GLIBC_2.2.5" (or "@@") into name and version.
func splitVersion(s string) (string, string) {
	name, ver, _ := strings.Cut(s, "@")
	return name, strings.TrimPrefix(ver, "@")
}

// layout is the in-target region layout of one patch (facts §8.9c).
type layout struct {
	jmpOffset, elfOffset uint32
	userInfo, userUndo   uint32
	totalMemSz           uint64
	ninfo                int
	codeSize             uint64 // bytes made r-x from the region start
}

func roundUp(v, a uint64) uint64 { return (v + a - 1) / a * a }

// computeLayout mirrors upstream's object_apply_patch size computation.
func computeLayout(elfSize uint64, nimports int, infoOff, infoSize, dataOff uint64) layout {
	var l layout
	sz := roundUp(kpatch.HeaderSize, 8)
	if nimports > 0 {
		l.jmpOffset = uint32(sz)
		sz = roundUp(sz+jumpTableSize(nimports), pageSize)
	}
	sz = roundUp(sz, pageSize)
	l.elfOffset = uint32(sz)
	sz = roundUp(sz+elfSize, 128)
	l.userInfo = uint32(uint64(l.elfOffset) + infoOff)
	l.userUndo = uint32(sz)
	l.ninfo = int(infoSize / kpatch.InfoSize)
	sz = roundUp(sz+5*uint64(l.ninfo), 16)
	l.totalMemSz = roundUp(sz, pageSize)
	l.codeSize = l.totalMemSz
	if dataOff != 0 {
		l.codeSize = uint64(l.elfOffset) + dataOff
	}
	return l
}

func (r *relObj) layout(nimports int) layout {
	info := r.shdrs[r.info]
	var dataOff uint64
	if r.data >= 0 {
		dataOff = r.shdrs[r.data].Off
	}
	return computeLayout(uint64(len(r.img)), nimports, info.Off, info.Size, dataOff)
}

const jumpEntrySize = 16

func jumpTableSize(n int) uint64 { return 16 + jumpEntrySize*uint64(n) }

// jumpTable encodes the table for the given real addresses: header
// {size, cur_entry, max_entry, pad} and entries `jmp *2(%rip); nop; nop; .quad addr`.
func jumpTable(addrs []uint64) []byte {
	n := len(addrs)
	b := make([]byte, jumpTableSize(n))
	binary.LittleEndian.PutUint32(b, uint32(len(b)))
	binary.LittleEndian.PutUint32(b[4:], uint32(n))
	binary.LittleEndian.PutUint32(b[8:], uint32(n))
	for i, a := range addrs {
		e := b[16+jumpEntrySize*i:]
		copy(e, []byte{0xff, 0x25, 0x02, 0x00, 0x00, 0x00, 0x90, 0x90})
		binary.LittleEndian.PutUint64(e[8:], a)
	}
	return b
}
