//go:build linux && amd64

package ctl_test

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/golibcare/golibcare/internal/kpatch"
)

// The mutation engine of TestMutants: it changes a .kpatch file built by
// the project's own pipeline, either anywhere (random byte flips, which
// the CRC must catch) or in a chosen field of the embedded ELF with a
// value validation must refuse (targeted mutations, applied to files
// without a CRC or with the CRC recomputed, so the ELF checks are what is
// tested). Fields whose every value is a plausible patch (machine code,
// addends, the addresses of original sections, symbol values in the
// original) are not mutated without a CRC: nothing but the CRC can tell
// them from a real patch.

// mutant is one changed patch file.
type mutant struct {
	kind       string
	desc       string // what changed, for failure messages
	b          []byte
	mustRefuse bool // validation (or the CRC) has to refuse it
}

// Offsets of the fields the mutations change (Elf64_Shdr, Elf64_Sym,
// Elf64_Rela, struct kpatch_info, struct kpatch_file).
const (
	shName, shType, shFlags, shAddr, shOff, shSize, shLink, shInfo = 0, 4, 8, 16, 24, 32, 40, 44
	stName, stInfo, stShndx, stValue                               = 0, 4, 6, 8
	rOff, rInfo, rAddend                                           = 0, 8, 16
	inDlen, inSlen                                                 = 16, 20
	hdrCsum, hdrKpatchOffset, hdrTotalSize                         = 144, 152, 160
)

type secInfo struct {
	name       string
	typ, flags uint64
	off, size  uint64
	addr       uint64
}

// layout locates the sections, symbols and relocations of a .kpatch file.
type layout struct {
	elf    int // file offset of the ELF
	shoff  int
	shnum  int
	secs   []secInfo
	byName map[string]int
	nsyms  int
}

func parseLayout(t *testing.T, b []byte) *layout {
	t.Helper()
	le := binary.LittleEndian
	l := &layout{elf: int(le.Uint32(b[hdrKpatchOffset:])), byName: map[string]int{}}
	img := b[l.elf:]
	l.shoff, l.shnum = int(le.Uint64(img[0x28:])), int(le.Uint16(img[0x3c:]))
	strndx := int(le.Uint16(img[0x3e:]))
	hdr := func(i int) []byte { return img[l.shoff+64*i:] }
	strOff := le.Uint64(hdr(strndx)[shOff:])
	for i := 0; i < l.shnum; i++ {
		h := hdr(i)
		nameAt := strOff + uint64(le.Uint32(h[shName:]))
		end := nameAt
		for img[end] != 0 {
			end++
		}
		s := secInfo{name: string(img[nameAt:end]), typ: uint64(le.Uint32(h[shType:])), flags: le.Uint64(h[shFlags:]),
			addr: le.Uint64(h[shAddr:]), off: le.Uint64(h[shOff:]), size: le.Uint64(h[shSize:])}
		l.secs = append(l.secs, s)
		l.byName[s.name] = i
	}
	l.nsyms = int(l.sec(t, ".symtab").size / 24)
	return l
}

func (l *layout) sec(t *testing.T, name string) secInfo {
	i, ok := l.byName[name]
	if !ok {
		t.Fatalf("patch has no section %s", name)
	}
	return l.secs[i]
}

func (l *layout) shdr(i, field int) int { return l.elf + l.shoff + 64*i + field }
func (l *layout) at(name string, off uint64) int {
	return l.elf + int(l.secs[l.byName[name]].off+off)
}
func (l *layout) sym(i, field int) int              { return l.at(".symtab", uint64(24*i+field)) }
func (l *layout) rela(sec string, k, field int) int { return l.at(sec, uint64(24*k+field)) }
func (l *layout) info(k, field int) int             { return l.at(".kpatch.info", uint64(kpatch.InfoSize*k+field)) }

// contentful lists the sections with contents.
func (l *layout) contentful() []int {
	var out []int
	for i, s := range l.secs {
		if i > 0 && s.typ != 8 /* SHT_NOBITS */ {
			out = append(out, i)
		}
	}
	return out
}

// mutator draws mutants from a good file.
type mutator struct {
	t    *testing.T
	rng  *rand.Rand
	good []byte
	l    *layout
	// records: info records with an original function (alpha, beta,
	// report) and the daddr relocation of each, by record index.
	orig      []int
	daddrRela map[int]int
	nrec      int
}

func newMutator(t *testing.T, seed uint64, good []byte) *mutator {
	m := &mutator{t: t, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), good: good,
		l: parseLayout(t, good), daddrRela: map[int]int{}}
	info := m.l.sec(t, ".kpatch.info")
	m.nrec = int(info.size-kpatch.InfoTerminatorSize) / kpatch.InfoSize
	rela := m.l.sec(t, ".rela.kpatch.info")
	for k := 0; k < int(rela.size/24); k++ {
		off := binary.LittleEndian.Uint64(good[m.l.rela(".rela.kpatch.info", k, rOff):])
		if off%kpatch.InfoSize == 0 {
			m.orig = append(m.orig, int(off/kpatch.InfoSize))
			m.daddrRela[int(off/kpatch.InfoSize)] = k
		}
	}
	if len(m.orig) < 2 {
		t.Fatalf("the mutation fixture's patch has %d replaced functions, want at least 2", len(m.orig))
	}
	return m
}

func (m *mutator) pick(n int) int { return m.rng.IntN(n) }

// flips changes 1–4 random bytes anywhere in b.
func (m *mutator) flips(b []byte, lo, hi int) string {
	n := 1 + m.pick(4)
	desc := ""
	for i := 0; i < n; i++ {
		off := lo + m.pick(hi-lo)
		x := byte(1 + m.pick(255))
		b[off] ^= x
		desc += fmt.Sprintf(" %#x^=%#02x", off, x)
	}
	return desc
}

// crcFlip is a CRC-protected file with 1–4 random bytes changed: any
// change to the ELF (or to csum) must be refused.
func (m *mutator) crcFlip() mutant {
	b := append([]byte(nil), m.good...)
	n := 1 + m.pick(4)
	mu := mutant{kind: "crc-flip", b: b}
	for i := 0; i < n; i++ {
		off := m.pick(len(b))
		x := byte(1 + m.pick(255))
		b[off] ^= x
		mu.desc += fmt.Sprintf(" %#x^=%#02x", off, x)
		if off >= m.l.elf || off >= hdrCsum && off < hdrCsum+4 {
			mu.mustRefuse = true
		}
	}
	return mu
}

// elfHeaderFlip changes 1–4 bytes of the ELF header of a file without CRC:
// every field there is checked or unused.
func (m *mutator) elfHeaderFlip() mutant {
	b := m.unchecked()
	return mutant{kind: "elf-header-flip", b: b, desc: m.flips(b, m.l.elf, m.l.elf+64)}
}

func (m *mutator) unchecked() []byte {
	b := append([]byte(nil), m.good...)
	binary.LittleEndian.PutUint32(b[hdrCsum:], 0)
	return b
}

// reseal recomputes the CRC after a change, as a careless or malicious
// producer would.
func reseal(b []byte) {
	le := binary.LittleEndian
	off, total := le.Uint32(b[hdrKpatchOffset:]), le.Uint32(b[hdrTotalSize:])
	if off <= total && int(total) <= len(b) {
		le.PutUint32(b[hdrCsum:], kpatch.Checksum(b[off:total]))
	}
}

// targeted draws one targeted mutation; sealed says whether the CRC is
// recomputed afterwards (else csum is 0, "unchecked").
func (m *mutator) targeted(sealed bool) mutant {
	b := m.unchecked()
	kinds := m.kinds()
	k := kinds[m.pick(len(kinds))]
	desc, must := k.f(b)
	if sealed {
		reseal(b)
	}
	mode := "unchecked"
	if sealed {
		mode = "resealed"
	}
	return mutant{kind: k.name + "/" + mode, desc: desc, b: b, mustRefuse: must}
}

type kind struct {
	name string
	f    func(b []byte) (desc string, mustRefuse bool)
}

func put16(b []byte, off int, v uint16) { binary.LittleEndian.PutUint16(b[off:], v) }
func put32(b []byte, off int, v uint32) { binary.LittleEndian.PutUint32(b[off:], v) }
func put64(b []byte, off int, v uint64) { binary.LittleEndian.PutUint64(b[off:], v) }
func get64(b []byte, off int) uint64    { return binary.LittleEndian.Uint64(b[off:]) }

// unsupportedRelocs are x86-64 relocation types relocate does not handle.
var unsupportedRelocs = []uint32{3, 5, 6, 7, 8, 12, 13, 14, 15, 16, 17, 19, 20, 21, 24, 25, 26, 27, 28, 29,
	30, 31, 32, 33, 34, 35, 36, 37, 38, 43, 100, 255, 1 << 16, 1<<32 - 1}

// unsupportedSymTypes are ELF symbol types no patch symbol may have.
var unsupportedSymTypes = []byte{5, 7, 8, 9, 10, 11, 12, 13, 14, 15}

// badSectionTypes are types no section with contents may have.
var badSectionTypes = []uint32{0, 5, 6, 7, 8, 9, 11, 14, 15, 16, 0x6ffffff6, 0x70000001}

func (m *mutator) relaSec() string {
	return []string{".rela.kpatch.text", ".rela.kpatch.info"}[m.pick(2)]
}

func (m *mutator) relaEntry() (string, int) {
	s := m.relaSec()
	return s, m.pick(int(m.l.sec(m.t, s).size / 24))
}

func (m *mutator) kinds() []kind {
	l := m.l
	text := l.sec(m.t, ".kpatch.text")
	return []kind{
		{"reloc-type", func(b []byte) (string, bool) {
			s, k := m.relaEntry()
			typ := unsupportedRelocs[m.pick(len(unsupportedRelocs))]
			sym := get64(b, l.rela(s, k, rInfo)) >> 32
			put64(b, l.rela(s, k, rInfo), sym<<32|uint64(typ))
			return fmt.Sprintf("%s[%d] type %d", s, k, typ), true
		}},
		{"reloc-symbol", func(b []byte) (string, bool) {
			s, k := m.relaEntry()
			sym := uint64(l.nsyms + m.pick(1<<20))
			if m.pick(4) == 0 {
				sym = 0
			}
			typ := get64(b, l.rela(s, k, rInfo)) & 0xffffffff
			put64(b, l.rela(s, k, rInfo), sym<<32|typ)
			return fmt.Sprintf("%s[%d] symbol %d", s, k, sym), true
		}},
		{"reloc-offset", func(b []byte) (string, bool) {
			s, k := m.relaEntry()
			size := l.secs[l.byName[".kpatch.text"]].size
			if s == ".rela.kpatch.info" {
				size = l.sec(m.t, ".kpatch.info").size
			}
			off := []uint64{size - uint64(1+m.pick(3)), size + uint64(m.pick(1<<16)), 1<<63 + uint64(m.pick(1<<16))}[m.pick(3)]
			put64(b, l.rela(s, k, rOff), off)
			return fmt.Sprintf("%s[%d] offset %#x", s, k, off), true
		}},
		{"reloc-overlap", func(b []byte) (string, bool) {
			s := m.relaSec()
			n := int(l.sec(m.t, s).size / 24)
			k, j := m.pick(n), m.pick(n-1)
			if j >= k {
				j++
			}
			off := get64(b, l.rela(s, j, rOff)) + uint64(m.pick(3))
			put64(b, l.rela(s, k, rOff), off)
			return fmt.Sprintf("%s[%d] offset %#x (over [%d])", s, k, off, j), true
		}},
		{"info-same-function", func(b []byte) (string, bool) {
			k, j := m.twoRecords()
			rk, rj := l.rela(".rela.kpatch.info", m.daddrRela[k], 0), l.rela(".rela.kpatch.info", m.daddrRela[j], 0)
			copy(b[rk+rInfo:rk+24], b[rj+rInfo:rj+24])
			return fmt.Sprintf("record %d replaces record %d's function", k, j), true
		}},
		{"info-overlap", func(b []byte) (string, bool) {
			k, j := m.twoRecords()
			rk, rj := l.rela(".rela.kpatch.info", m.daddrRela[k], 0), l.rela(".rela.kpatch.info", m.daddrRela[j], 0)
			dlen := binary.LittleEndian.Uint32(b[l.info(j, inDlen):])
			copy(b[rk+rInfo:rk+rAddend], b[rj+rInfo:rj+rAddend])
			add := get64(b, rj+rAddend) + uint64(1+m.pick(int(dlen)-1))
			put64(b, rk+rAddend, add)
			return fmt.Sprintf("record %d starts inside record %d's function (+%#x)", k, j, add), true
		}},
		{"info-dlen", func(b []byte) (string, bool) {
			k := m.orig[m.pick(len(m.orig))]
			v := uint32(m.pick(5))
			put32(b, l.info(k, inDlen), v)
			return fmt.Sprintf("record %d dlen %d", k, v), true
		}},
		{"info-slen", func(b []byte) (string, bool) {
			k := m.pick(m.nrec)
			v := uint32(text.size) + uint32(1+m.pick(1<<20))
			if m.pick(4) == 0 {
				v = 0
			}
			put32(b, l.info(k, inSlen), v)
			return fmt.Sprintf("record %d slen %d", k, v), true
		}},
		{"info-new-code-symbol", func(b []byte) (string, bool) {
			k := m.pick(m.nrec)
			r := m.fieldRela(b, k, 8)
			sym := m.symNotIn(b, l.byName[".kpatch.text"])
			typ := get64(b, r+rInfo) & 0xffffffff
			put64(b, r+rInfo, uint64(sym)<<32|typ)
			return fmt.Sprintf("record %d new code at symbol %d", k, sym), true
		}},
		{"info-new-code-addend", func(b []byte) (string, bool) {
			k := m.pick(m.nrec)
			r := m.fieldRela(b, k, 8)
			// Past the end whatever the symbol's value: a small negative
			// addend would land inside another function, a plausible
			// patch that only the CRC can tell from a real one.
			add := text.size + uint64(m.pick(1<<16))
			put64(b, r+rAddend, add)
			return fmt.Sprintf("record %d new code addend %#x", k, add), true
		}},
		{"info-no-daddr-reloc", func(b []byte) (string, bool) {
			k := m.orig[m.pick(len(m.orig))]
			put64(b, l.rela(".rela.kpatch.info", m.daddrRela[k], rInfo), 0)
			return fmt.Sprintf("record %d daddr relocation removed", k), true
		}},
		{"info-name", func(b []byte) (string, bool) {
			k := m.pick(m.nrec)
			r := m.fieldRela(b, k, 24)
			add := l.sec(m.t, ".kpatch.strtab").size + uint64(m.pick(1<<16))
			put64(b, r+rAddend, add)
			return fmt.Sprintf("record %d name addend %#x", k, add), true
		}},
		{"info-reloc-field", func(b []byte) (string, bool) {
			n := int(l.sec(m.t, ".rela.kpatch.info").size / 24)
			k := m.pick(n)
			fields := []uint64{1, 4, 7, 16, 20, 32, 40, 44, 47}
			off := uint64(kpatch.InfoSize*m.pick(m.nrec)) + fields[m.pick(len(fields))]
			if m.pick(4) == 0 {
				off = uint64(kpatch.InfoSize*m.nrec + m.pick(kpatch.InfoTerminatorSize))
			}
			put64(b, l.rela(".rela.kpatch.info", k, rOff), off)
			return fmt.Sprintf(".rela.kpatch.info[%d] offset %#x", k, off), true
		}},
		{"info-terminator", func(b []byte) (string, bool) {
			if m.pick(2) == 0 {
				off := l.info(m.nrec, m.pick(kpatch.InfoTerminatorSize))
				b[off] = byte(1 + m.pick(255))
				return fmt.Sprintf("terminator byte %#x", off), true
			}
			i := l.byName[".kpatch.info"]
			size := l.secs[i].size + []uint64{1, 8, 24, ^uint64(0), ^uint64(23)}[m.pick(5)]
			put64(b, l.shdr(i, shSize), size)
			return fmt.Sprintf(".kpatch.info size %#x", size), true
		}},
		{"symbol-value", func(b []byte) (string, bool) {
			s := m.symIn(b, l.byName[".kpatch.text"])
			v := text.size + 1 + uint64(m.pick(1<<16))
			put64(b, l.sym(s, stValue), v)
			return fmt.Sprintf("symbol %d value %#x", s, v), true
		}},
		{"symbol-section", func(b []byte) (string, bool) {
			s := 1 + m.pick(l.nsyms-1)
			choices := []uint16{uint16(l.shnum + m.pick(0xff00-l.shnum)), uint16(0xff00 + m.pick(0xf1)), 0xfff2, 0xffff}
			v := choices[m.pick(len(choices))]
			put16(b, l.sym(s, stShndx), v)
			return fmt.Sprintf("symbol %d section %#x", s, v), true
		}},
		{"symbol-type", func(b []byte) (string, bool) {
			s := 1 + m.pick(l.nsyms-1)
			typ := unsupportedSymTypes[m.pick(len(unsupportedSymTypes))]
			b[l.sym(s, stInfo)] = b[l.sym(s, stInfo)]&0xf0 | typ
			return fmt.Sprintf("symbol %d type %d", s, typ), true
		}},
		{"symbol-name", func(b []byte) (string, bool) {
			s := 1 + m.pick(l.nsyms-1)
			v := uint32(l.sec(m.t, ".strtab").size) + uint32(m.pick(1<<20))
			put32(b, l.sym(s, stName), v)
			return fmt.Sprintf("symbol %d name %#x", s, v), true
		}},
		{"section-offset", func(b []byte) (string, bool) {
			cs := l.contentful()
			a, c := m.pick(len(cs)), m.pick(len(cs)-1)
			if c >= a {
				c++
			}
			// Into another section (not a shift of its own: a few bytes
			// into a gap is a plausible layout).
			i, j := cs[a], cs[c]
			v := []uint64{uint64(len(b)) + uint64(m.pick(1<<20)), l.secs[j].off + uint64(m.pick(8)), 1 << 40}[m.pick(3)]
			put64(b, l.shdr(i, shOff), v)
			return fmt.Sprintf("section %s offset %#x", l.secs[i].name, v), true
		}},
		{"section-size", func(b []byte) (string, bool) {
			cs := l.contentful()
			i := cs[m.pick(len(cs))]
			v := []uint64{1<<32 + uint64(m.pick(1<<20)), uint64(len(b)), ^uint64(0) - uint64(m.pick(64))}[m.pick(3)]
			put64(b, l.shdr(i, shSize), v)
			return fmt.Sprintf("section %s size %#x", l.secs[i].name, v), true
		}},
		{"section-type", func(b []byte) (string, bool) {
			cs := l.contentful()
			i := cs[m.pick(len(cs))]
			v := badSectionTypes[m.pick(len(badSectionTypes))]
			if m.pick(4) == 0 { // an original's section gets contents
				i, v = l.byName[".text"], 1
			}
			put32(b, l.shdr(i, shType), v)
			return fmt.Sprintf("section %s type %#x", l.secs[i].name, v), true
		}},
		{"section-name", func(b []byte) (string, bool) {
			i := 1 + m.pick(l.shnum-1)
			v := uint32(m.pick(int(l.sec(m.t, ".shstrtab").size)))
			put32(b, l.shdr(i, shName), v)
			return fmt.Sprintf("section %s name %#x", l.secs[i].name, v), false
		}},
		{"section-link", func(b []byte) (string, bool) {
			i := l.byName[m.relaSec()]
			field, old := shLink, binary.LittleEndian.Uint32(b[l.shdr(i, shLink):])
			if m.pick(2) == 0 {
				field, old = shInfo, binary.LittleEndian.Uint32(b[l.shdr(i, shInfo):])
			}
			v := uint32(m.pick(l.shnum + 8))
			if v == old {
				v = uint32(l.shnum + 1)
			}
			put32(b, l.shdr(i, field), v)
			return fmt.Sprintf("section %s field %d = %d", l.secs[i].name, field, v), true
		}},
		{"section-flags", func(b []byte) (string, bool) {
			i := 1 + m.pick(l.shnum-1)
			x := uint64(1+m.pick(7)) & 7 // SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR
			put64(b, l.shdr(i, shFlags), l.secs[i].flags^x)
			return fmt.Sprintf("section %s flags ^%#x", l.secs[i].name, x), false
		}},
		{"original-code-address", func(b []byte) (string, bool) {
			i := l.byName[".text"]
			put64(b, l.shdr(i, shAddr), 0)
			return ".text sh_addr 0", true
		}},
		{"elf-header", func(b []byte) (string, bool) {
			e := l.elf
			fields := []struct {
				off, size int
				name      string
			}{{0x28, 8, "e_shoff"}, {0x3a, 2, "e_shentsize"}, {0x3c, 2, "e_shnum"}, {0x3e, 2, "e_shstrndx"},
				{0x10, 2, "e_type"}, {0x12, 2, "e_machine"}, {4, 1, "EI_CLASS"}, {5, 1, "EI_DATA"}}
			f := fields[m.pick(len(fields))]
			for {
				old := append([]byte(nil), b[e+f.off:e+f.off+f.size]...)
				for i := 0; i < f.size; i++ {
					b[e+f.off+i] = byte(m.pick(256))
				}
				if string(old) != string(b[e+f.off:e+f.off+f.size]) {
					break
				}
			}
			return fmt.Sprintf("%s = % x", f.name, b[e+f.off:e+f.off+f.size]), true
		}},
		{"kpatch-header", func(b []byte) (string, bool) {
			if m.pick(2) == 0 {
				v := []uint32{1 << 30, uint32(len(b)) + uint32(1+m.pick(1<<20)), uint32(len(b)) - 16*uint32(1+m.pick(8))}[m.pick(3)]
				put32(b, hdrTotalSize, v)
				return fmt.Sprintf("total_size %#x", v), true
			}
			v := uint32(kpatch.HeaderSize + 8*(1+m.pick(64)))
			if m.pick(2) == 0 {
				v = uint32(m.pick(kpatch.HeaderSize))
			}
			put32(b, hdrKpatchOffset, v)
			return fmt.Sprintf("kpatch_offset %#x", v), true
		}},
	}
}

// twoRecords returns two different records that replace functions.
func (m *mutator) twoRecords() (int, int) {
	a := m.pick(len(m.orig))
	c := m.pick(len(m.orig) - 1)
	if c >= a {
		c++
	}
	return m.orig[a], m.orig[c]
}

// fieldRela returns the file offset of the relocation that fills field
// off of record k.
func (m *mutator) fieldRela(b []byte, k, off int) int {
	n := int(m.l.sec(m.t, ".rela.kpatch.info").size / 24)
	for i := 0; i < n; i++ {
		r := m.l.rela(".rela.kpatch.info", i, 0)
		if get64(b, r+rOff) == uint64(kpatch.InfoSize*k+off) {
			return r
		}
	}
	m.t.Fatalf("no relocation for field %d of info record %d", off, k)
	return 0
}

// symIn returns a symbol defined in section sec; symNotIn one that is not.
func (m *mutator) symIn(b []byte, sec int) int {
	var in []int
	for s := 1; s < m.l.nsyms; s++ {
		if int(binary.LittleEndian.Uint16(b[m.l.sym(s, stShndx):])) == sec && b[m.l.sym(s, stInfo)]&0xf != 3 {
			in = append(in, s)
		}
	}
	if len(in) == 0 {
		m.t.Fatalf("no symbol in section %d", sec)
	}
	return in[m.pick(len(in))]
}

func (m *mutator) symNotIn(b []byte, sec int) int {
	for {
		s := 1 + m.pick(m.l.nsyms-1)
		if int(binary.LittleEndian.Uint16(b[m.l.sym(s, stShndx):])) != sec {
			return s
		}
	}
}
