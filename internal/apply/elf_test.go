package apply

import (
	"debug/elf"
	"encoding/binary"
)

// Builders of the two kinds of ELF the unit tests need: a loaded object
// image (as ld.so maps it) and a patch's ET_REL object.

type dynSym struct {
	name  string
	value uint64
	typ   elf.SymType
}

// Offsets inside a target image built by targetImage.
const (
	imgNote    = 0x200
	imgInterp  = 0x2f0
	imgDynamic = 0x300
	imgHash    = 0x400
	imgDynsym  = 0x500
	imgDynstr  = 0x900
	imgSize    = 0x2000
)

func put16(b []byte, off int, v uint16) { binary.LittleEndian.PutUint16(b[off:], v) }
func put32(b []byte, off int, v uint32) { binary.LittleEndian.PutUint32(b[off:], v) }
func put64(b []byte, off int, v uint64) { binary.LittleEndian.PutUint64(b[off:], v) }

// targetImage lays out an ELF object as mapped at vaddr 0: headers, a
// Build-ID note, PT_DYNAMIC with DT_HASH/DT_SYMTAB/DT_STRTAB, and free
// space from 0x1000 for code.
func targetImage(typ elf.Type, interp bool, buildID []byte, syms []dynSym) []byte {
	b := make([]byte, imgSize)
	copy(b, elf.ELFMAG)
	b[elf.EI_CLASS], b[elf.EI_DATA], b[elf.EI_VERSION] = byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), 1
	put16(b, 16, uint16(typ))
	put16(b, 18, uint16(elf.EM_X86_64))
	put64(b, 32, 64) // e_phoff
	put16(b, 52, 64)
	put16(b, 54, 56)
	phdrs := []elf.Prog64{
		{Type: uint32(elf.PT_LOAD), Flags: uint32(elf.PF_R | elf.PF_X), Filesz: imgSize, Memsz: imgSize, Align: pageSize},
		{Type: uint32(elf.PT_NOTE), Off: imgNote, Vaddr: imgNote, Filesz: 36, Memsz: 36},
		{Type: uint32(elf.PT_DYNAMIC), Off: imgDynamic, Vaddr: imgDynamic, Filesz: 0x60, Memsz: 0x60},
	}
	if interp {
		phdrs = append(phdrs, elf.Prog64{Type: uint32(elf.PT_INTERP), Off: imgInterp, Vaddr: imgInterp, Filesz: 8, Memsz: 8})
		copy(b[imgInterp:], "/lib/ld\x00")
	}
	put16(b, 56, uint16(len(phdrs)))
	for i, p := range phdrs {
		o := 64 + 56*i
		put32(b, o, p.Type)
		put32(b, o+4, p.Flags)
		put64(b, o+8, p.Off)
		put64(b, o+16, p.Vaddr)
		put64(b, o+32, p.Filesz)
		put64(b, o+40, p.Memsz)
	}
	put32(b, imgNote, 4)
	put32(b, imgNote+4, uint32(len(buildID)))
	put32(b, imgNote+8, 3)
	copy(b[imgNote+12:], "GNU\x00")
	copy(b[imgNote+16:], buildID)
	strs := []byte{0}
	for i, s := range syms {
		o := imgDynsym + 24*(i+1)
		put32(b, o, uint32(len(strs)))
		b[o+4] = byte(elf.STB_GLOBAL)<<4 | byte(s.typ)
		put16(b, o+6, 1)
		put64(b, o+8, s.value)
		strs = append(append(strs, s.name...), 0)
	}
	copy(b[imgDynstr:], strs)
	put32(b, imgHash, 1)
	put32(b, imgHash+4, uint32(len(syms)+1))
	dyn := [][2]uint64{{uint64(elf.DT_HASH), imgHash}, {uint64(elf.DT_SYMTAB), imgDynsym},
		{uint64(elf.DT_STRTAB), imgDynstr}, {uint64(elf.DT_STRSZ), uint64(len(strs))}, {uint64(elf.DT_SYMENT), 24}}
	for i, d := range dyn {
		put64(b, imgDynamic+16*i, d[0])
		put64(b, imgDynamic+16*i+8, d[1])
	}
	return b
}

type relSec struct {
	name       string
	typ        elf.SectionType
	flags      elf.SectionFlag
	addr, size uint64 // size only for NOBITS
	data       []byte
	link, info uint32
	align      uint64
}

type relSym struct {
	name        string
	typ         elf.SymType
	bind        elf.SymBind
	shndx       uint16
	value, size uint64
}

type relRela struct {
	off    uint64
	sym    int
	typ    elf.R_X86_64
	addend int64
}

func relaBytes(rs []relRela) []byte {
	b := make([]byte, 24*len(rs))
	for i, r := range rs {
		put64(b, 24*i, r.off)
		put64(b, 24*i+8, elf.R_INFO(uint32(r.sym), uint32(r.typ)))
		put64(b, 24*i+16, uint64(r.addend))
	}
	return b
}

// relObject builds an ET_REL object: secs are sections 1..n, then
// .symtab (n+1), .strtab (n+2) and .shstrtab (n+3).
func relObject(secs []relSec, syms []relSym) []byte {
	n := len(secs)
	strtab := []byte{0}
	symtab := make([]byte, 24*(len(syms)+1))
	for i, s := range syms {
		o := 24 * (i + 1)
		put32(symtab, o, uint32(len(strtab)))
		strtab = append(append(strtab, s.name...), 0)
		symtab[o+4] = byte(s.bind)<<4 | byte(s.typ)
		put16(symtab, o+6, s.shndx)
		put64(symtab, o+8, s.value)
		put64(symtab, o+16, s.size)
	}
	all := append(append([]relSec{}, secs...),
		relSec{name: ".symtab", typ: elf.SHT_SYMTAB, data: symtab, link: uint32(n + 2), align: 8},
		relSec{name: ".strtab", typ: elf.SHT_STRTAB, data: strtab, align: 1},
		relSec{name: ".shstrtab", typ: elf.SHT_STRTAB, align: 1})
	shstr := []byte{0}
	nameOff := make([]uint32, len(all))
	for i, s := range all {
		nameOff[i] = uint32(len(shstr))
		shstr = append(append(shstr, s.name...), 0)
	}
	all[len(all)-1].data = shstr
	img := make([]byte, 64)
	offs := make([]uint64, len(all))
	for i, s := range all {
		if s.typ == elf.SHT_NOBITS {
			continue
		}
		al := max(s.align, 1)
		for uint64(len(img))%al != 0 {
			img = append(img, 0)
		}
		offs[i] = uint64(len(img))
		img = append(img, s.data...)
	}
	for len(img)%8 != 0 {
		img = append(img, 0)
	}
	shoff := len(img)
	img = append(img, make([]byte, 64*(len(all)+1))...)
	for i, s := range all {
		o := shoff + 64*(i+1)
		size := uint64(len(s.data))
		if s.typ == elf.SHT_NOBITS {
			size = s.size
		}
		put32(img, o, nameOff[i])
		put32(img, o+4, uint32(s.typ))
		put64(img, o+8, uint64(s.flags))
		put64(img, o+16, s.addr)
		put64(img, o+24, offs[i])
		put64(img, o+32, size)
		put32(img, o+40, s.link)
		put32(img, o+44, s.info)
		put64(img, o+48, max(s.align, 1))
		if s.typ == elf.SHT_SYMTAB {
			put64(img, o+56, 24)
		}
		if s.typ == elf.SHT_RELA {
			put64(img, o+56, 24)
		}
	}
	copy(img, elf.ELFMAG)
	img[elf.EI_CLASS], img[elf.EI_DATA], img[elf.EI_VERSION] = byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), 1
	put16(img, 16, uint16(elf.ET_REL))
	put16(img, 18, uint16(elf.EM_X86_64))
	put64(img, 40, uint64(shoff))
	put16(img, 52, 64)
	put16(img, 58, 64)
	put16(img, 60, uint16(len(all)+1))
	put16(img, 62, uint16(len(all)))
	return img
}
