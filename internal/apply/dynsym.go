package apply

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
)

const (
	// maxDynSyms bounds the dynamic symbol table read from a target (libc
	// has about 3000).
	maxDynSyms = 1 << 20
	maxDynamic = 1 << 16 // bytes of PT_DYNAMIC read
	maxStrtab  = 1 << 24
	maxVerdefs = 1 << 12
)

// dynSymbols is the .dynsym of an object, read from target memory.
type dynSymbols struct {
	syms    []elf.Sym64
	strtab  []byte
	versym  []uint16          // nil without DT_VERSYM
	verdefs map[uint16]string // version index → name
}

// symbol is a resolved import.
type symbol struct {
	addr  uint64
	ifunc bool // addr is the resolver
}

// lookup finds a defined symbol named name in o, preferring the given
// version, then the default version (upstream ignores versions and takes
// the first match).
func (o *Object) lookup(mem Memory, name, version string) (symbol, bool, error) {
	if o.dyn == nil {
		d, err := o.readDynSymbols(mem)
		if err != nil {
			return symbol{}, false, fmt.Errorf("%s: dynamic symbols: %w", o.Name, err)
		}
		o.dyn = d
	}
	best, bestScore := -1, 0
	for i := range o.dyn.syms {
		s := &o.dyn.syms[i]
		typ := elf.ST_TYPE(s.Info)
		if s.Shndx == uint16(elf.SHN_UNDEF) || (typ != elf.STT_FUNC && typ != elf.STT_OBJECT && typ != elf.STT_GNU_IFUNC && typ != elf.STT_NOTYPE) {
			continue
		}
		if !cstrIs(o.dyn.strtab, s.Name, name) {
			continue
		}
		if score := o.dyn.versionScore(i, version); score > bestScore {
			best, bestScore = i, score
		}
	}
	if best < 0 {
		return symbol{}, false, nil
	}
	s := o.dyn.syms[best]
	return symbol{addr: o.LoadOffset + s.Value, ifunc: elf.ST_TYPE(s.Info) == elf.STT_GNU_IFUNC}, true, nil
}

// versionScore ranks symbol i: 3 = the wanted version, 2 = default
// version, 1 = any.
func (d *dynSymbols) versionScore(i int, version string) int {
	if d.versym == nil || i >= len(d.versym) {
		return 2
	}
	v := d.versym[i]
	if version != "" && d.verdefs[v&0x7fff] == version {
		return 3
	}
	if v&0x8000 == 0 {
		return 2
	}
	return 1
}

// cstrIs reports whether the NUL-terminated string at off in tab is name,
// without the allocation of cstr: lookup compares every symbol of libc
// against each import.
func cstrIs(tab []byte, off uint32, name string) bool {
	if uint64(off) >= uint64(len(tab)) {
		return name == ""
	}
	if uint64(off)+uint64(len(name)) >= uint64(len(tab)) {
		return uint64(off)+uint64(len(name)) == uint64(len(tab)) && string(tab[off:]) == name
	}
	b := tab[off : off+uint32(len(name))+1]
	return b[len(name)] == 0 && string(b[:len(name)]) == name
}

func cstr(tab []byte, off uint32) string {
	if uint64(off) >= uint64(len(tab)) {
		return ""
	}
	b := tab[off:]
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// dynamicTags reads PT_DYNAMIC from memory.
func (o *Object) dynamicTags(mem Memory) (map[elf.DynTag]uint64, error) {
	for _, p := range o.phdrs {
		if elf.ProgType(p.Type) != elf.PT_DYNAMIC {
			continue
		}
		b, err := readFull(mem, o.LoadOffset+p.Vaddr, int(min(p.Memsz, maxDynamic)))
		if err != nil {
			return nil, err
		}
		tags := map[elf.DynTag]uint64{}
		for ; len(b) >= 16; b = b[16:] {
			tag := elf.DynTag(binary.LittleEndian.Uint64(b))
			if tag == elf.DT_NULL {
				break
			}
			tags[tag] = binary.LittleEndian.Uint64(b[8:])
		}
		return tags, nil
	}
	return nil, fmt.Errorf("no PT_DYNAMIC")
}

// ptr turns a d_ptr value into a target address: ld.so relocates most of
// them in place, so values inside the object are already absolute.
func (o *Object) ptr(v uint64) uint64 {
	if v >= o.Start() && v < o.End() {
		return v
	}
	return v + o.LoadOffset
}

func (o *Object) readDynSymbols(mem Memory) (*dynSymbols, error) {
	tags, err := o.dynamicTags(mem)
	if err != nil {
		return nil, err
	}
	symtab, strtab, strsz := tags[elf.DT_SYMTAB], tags[elf.DT_STRTAB], tags[elf.DT_STRSZ]
	if symtab == 0 || strtab == 0 || strsz == 0 || strsz > maxStrtab {
		return nil, fmt.Errorf("no usable DT_SYMTAB/DT_STRTAB")
	}
	n, err := o.countDynSyms(mem, tags)
	if err != nil {
		return nil, err
	}
	d := &dynSymbols{}
	sb, err := readFull(mem, o.ptr(symtab), n*24)
	if err != nil {
		return nil, err
	}
	d.syms = decodeSyms(sb, n)
	if d.strtab, err = readFull(mem, o.ptr(strtab), int(strsz)); err != nil {
		return nil, err
	}
	o.readVersions(mem, tags, d, n)
	return d, nil
}

// decodeSyms decodes n Elf64_Sym from b by hand: binary.Decode goes
// through reflection, several times slower on libc's 3000 symbols.
func decodeSyms(b []byte, n int) []elf.Sym64 {
	le := binary.LittleEndian
	syms := make([]elf.Sym64, n)
	for i := range syms {
		e := b[24*i : 24*i+24]
		syms[i] = elf.Sym64{Name: le.Uint32(e), Info: e[4], Other: e[5], Shndx: le.Uint16(e[6:]),
			Value: le.Uint64(e[8:]), Size: le.Uint64(e[16:])}
	}
	return syms
}

// pageReader serves the small reads of a table walk (version
// definitions, hash chains: two to four reads per entry) from whole pages
// of target memory, one read per page instead of per entry.
type pageReader struct {
	mem  Memory
	base uint64
	b    []byte
}

func (r *pageReader) read(addr uint64, n int) ([]byte, error) {
	if r.b != nil && addr >= r.base && addr+uint64(n) <= r.base+uint64(len(r.b)) {
		return r.b[addr-r.base:][:n], nil
	}
	base := addr &^ (pageSize - 1)
	size := (addr + uint64(n) - base + pageSize - 1) &^ (pageSize - 1)
	b := make([]byte, size)
	got, _ := r.mem.ReadAt(b, int64(base))
	if uint64(got) < addr-base+uint64(n) {
		return readFull(r.mem, addr, n) // fails, with its message
	}
	r.base, r.b = base, b[:got]
	return r.b[addr-base:][:n], nil
}

// countDynSyms sizes .dynsym from DT_HASH's nchain, DT_GNU_HASH's chains,
// or upstream's strtab−symtab rule.
func (o *Object) countDynSyms(mem Memory, tags map[elf.DynTag]uint64) (int, error) {
	var n uint64
	if h, ok := tags[elf.DT_HASH]; ok {
		v, err := readFull(mem, o.ptr(h)+4, 4)
		if err != nil {
			return 0, err
		}
		n = uint64(binary.LittleEndian.Uint32(v))
	} else if h, ok := tags[elf.DT_GNU_HASH]; ok {
		c, err := gnuHashCount(mem, o.ptr(h))
		if err != nil {
			return 0, err
		}
		n = c
	} else if tags[elf.DT_STRTAB] > tags[elf.DT_SYMTAB] {
		n = (tags[elf.DT_STRTAB] - tags[elf.DT_SYMTAB]) / 24
	}
	if n == 0 || n > maxDynSyms {
		return 0, fmt.Errorf("bad dynamic symbol count %d", n)
	}
	return int(n), nil
}

// gnuHashCount returns 1 + the highest symbol index reachable from the
// GNU hash table at addr.
func gnuHashCount(mem Memory, addr uint64) (uint64, error) {
	hb, err := readFull(mem, addr, 16)
	if err != nil {
		return 0, err
	}
	nbuckets := uint64(binary.LittleEndian.Uint32(hb))
	symoff := uint64(binary.LittleEndian.Uint32(hb[4:]))
	bloom := uint64(binary.LittleEndian.Uint32(hb[8:]))
	if nbuckets > maxDynSyms || bloom > maxDynSyms {
		return 0, fmt.Errorf("bad DT_GNU_HASH header")
	}
	bucketsAt := addr + 16 + 8*bloom
	bb, err := readFull(mem, bucketsAt, int(4*nbuckets))
	if err != nil {
		return 0, err
	}
	last := uint64(0)
	for i := uint64(0); i < nbuckets; i++ {
		last = max(last, uint64(binary.LittleEndian.Uint32(bb[4*i:])))
	}
	if last < symoff {
		return symoff, nil
	}
	chains := bucketsAt + 4*nbuckets
	pr := &pageReader{mem: mem}
	for ; last < maxDynSyms; last++ {
		v, err := pr.read(chains+4*(last-symoff), 4)
		if err != nil {
			return 0, err
		}
		if binary.LittleEndian.Uint32(v)&1 != 0 {
			return last + 1, nil
		}
	}
	return 0, fmt.Errorf("unterminated DT_GNU_HASH chain")
}

// readVersions fills versym and verdefs; versions only refine the choice
// between same-named symbols, so errors just leave them out.
func (o *Object) readVersions(mem Memory, tags map[elf.DynTag]uint64, d *dynSymbols, n int) {
	vs, ok1 := tags[elf.DT_VERSYM]
	vd, ok2 := tags[elf.DT_VERDEF]
	if !ok1 || !ok2 {
		return
	}
	b, err := readFull(mem, o.ptr(vs), 2*n)
	if err != nil {
		return
	}
	versym := make([]uint16, n)
	for i := range versym {
		versym[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	defs := map[uint16]string{}
	at := o.ptr(vd)
	limit := int(min(tags[elf.DT_VERDEFNUM], maxVerdefs))
	if limit == 0 {
		limit = maxVerdefs
	}
	pr := &pageReader{mem: mem}
	for k := 0; k < limit; k++ {
		h, err := pr.read(at, 20) // Elf64_Verdef
		if err != nil {
			return
		}
		ndx := binary.LittleEndian.Uint16(h[4:])
		aux := binary.LittleEndian.Uint32(h[12:])
		if a, err := pr.read(at+uint64(aux), 8); err == nil { // Elf64_Verdaux
			defs[ndx] = cstr(d.strtab, binary.LittleEndian.Uint32(a))
		}
		next := binary.LittleEndian.Uint32(h[16:])
		if next == 0 {
			break
		}
		at += uint64(next)
	}
	d.versym, d.verdefs = versym, defs
}
