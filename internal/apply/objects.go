package apply

import (
	"bytes"
	"debug/elf"
	"encoding/binary"

	"fmt"
	"path/filepath"
	"strings"

	"github.com/golibcare/golibcare/internal/elfutil"
	"github.com/golibcare/golibcare/internal/kpatch"
	"github.com/golibcare/golibcare/internal/procfs"
)

const (
	pageSize = 4096
	// maxPhnum bounds the program headers read from a target (real objects
	// have about a dozen).
	maxPhnum = 128
	// maxNoteSize bounds a PT_NOTE segment read while looking for the
	// Build-ID (upstream reads only notes up to 128 bytes).
	maxNoteSize = 4096
)

// Object is one ELF object mapped in the target (facts §8.3–8.4).
type Object struct {
	Name       string // basename of the mapped path
	Path       string
	VMAs       []procfs.Mapping
	LoadOffset uint64
	BuildID    string
	Shared     bool // a library: searched for imported symbols
	// Applied lists the patches applied to this object, oldest first.
	Applied []*Applied

	phdrs []elf.Prog64
	dyn   *dynSymbols
}

// Start returns the start of the object's first mapping.
func (o *Object) Start() uint64 { return o.VMAs[0].Start }

// End returns the end of the object's last mapping.
func (o *Object) End() uint64 { return o.VMAs[len(o.VMAs)-1].End }

// Applied is a patch found in the target: an anonymous r-x region whose
// first bytes are a KPATCH1 header copy. A region of ours that is not (or
// no longer) a patch starts with pendingMagic instead: a leftover of a
// killed run when it is found by another one.
type Applied struct {
	Start   uint64 // kpta
	CodeEnd uint64 // end of its first mapping (r-x once complete)
	Header  kpatch.Header
	Object  *Object // the object with the header's Build-ID, if mapped
	Pending bool    // starts with pendingMagic, not a record

	savedJumps []uint64 // targets of the jumps its saved bytes hold
}

// End returns the end of the whole region.
func (a *Applied) End() uint64 { return a.Start + a.Header.KpatchTotalMemSz }

// ID returns the patch id.
func (a *Applied) ID() string { return a.Header.IDString() }

// Snapshot is what one reading of the target's maps and memory found.
type Snapshot struct {
	Pid     int
	Maps    []procfs.Mapping
	Objects []*Object
	Applied []*Applied
	// Pending lists the regions of ours that are not patches: leftovers
	// of a killed run (a region being filled or removed).
	Pending []*Applied
	Stub    uint64 // an executable address for remote syscalls (libc's text when mapped)
}

// Discover reads the target's mappings and finds its ELF objects, their
// Build-IDs and the patches applied to them.
func Discover(h Host) (*Snapshot, error) {
	maps, err := h.Maps()
	if err != nil {
		return nil, fmt.Errorf("pid %d: read maps: %w", h.Pid(), err)
	}
	s := &Snapshot{Pid: h.Pid(), Maps: maps}
	s.scan(h)
	return s, nil
}

func (s *Snapshot) scan(mem Memory) {
	groups := map[[3]uint64]*Object{}
	for _, m := range s.Maps {
		switch {
		case isRegionCandidate(m):
			a := readRegion(mem, m, s.Maps)
			switch {
			case a == nil:
			case a.Pending:
				s.Pending = append(s.Pending, a)
			default:
				a.loadSavedJumps(mem)
				s.Applied = append(s.Applied, a)
			}
		case m.Inode != 0 && !strings.HasPrefix(m.Path, "["):
			key := [3]uint64{uint64(m.DevMajor), uint64(m.DevMinor), m.Inode}
			o := groups[key]
			if o == nil {
				o = &Object{Path: strings.TrimSuffix(m.Path, " (deleted)")}
				o.Name = filepath.Base(o.Path)
				groups[key] = o
				s.Objects = append(s.Objects, o)
			}
			o.VMAs = append(o.VMAs, m)
		}
	}
	objs := s.Objects[:0]
	for _, o := range s.Objects {
		// An object whose headers cannot be read (unmapped meanwhile, odd
		// layout) is skipped: upstream fails the whole run instead.
		if ok, err := o.readELF(mem); ok && err == nil {
			objs = append(objs, o)
		}
	}
	s.Objects = objs
	s.linkApplied()
	s.Stub = s.findStub()
}

// isRegionCandidate reports whether m may start a patch region: an
// anonymous mapping, r-x (a record, or pending once filled) or rw- (pending,
// before its code was made r-x).
func isRegionCandidate(m procfs.Mapping) bool {
	return m.Inode == 0 && m.Path == "" && (m.Perms == "r-xp" || m.Perms == "rw-p") && m.Size() >= kpatch.HeaderSize
}

// readRegion reads the header at the start of m: a KPATCH1 record in an
// r-x mapping (upstream's rule, facts §8.3), or our pending marker over a
// header whose region is wholly covered by anonymous mappings from m on
// (data that merely starts with the marker is not a region).
func readRegion(mem Memory, m procfs.Mapping, maps []procfs.Mapping) *Applied {
	b, err := readFull(mem, m.Start, kpatch.HeaderSize)
	if err != nil {
		return nil
	}
	pending := string(b[:len(pendingMagic)]) == pendingMagic
	if pending {
		copy(b, kpatch.Magic)
	} else if m.Perms != "r-xp" {
		return nil
	}
	h, err := kpatch.DecodeHeader(b)
	if err != nil || h.KpatchTotalMemSz < m.Size() || m.Start+h.KpatchTotalMemSz < m.Start {
		return nil
	}
	a := &Applied{Start: m.Start, CodeEnd: m.End, Header: *h, Pending: pending}
	if pending && (h.KpatchTotalMemSz%pageSize != 0 || !anonCovered(maps, a.Start, a.End())) {
		return nil
	}
	return a
}

// anonCovered reports whether [start, end) is covered by contiguous
// anonymous mappings, the first starting at start.
func anonCovered(maps []procfs.Mapping, start, end uint64) bool {
	at := start
	for _, m := range maps { // sorted by address
		if m.End <= at {
			continue
		}
		if m.Start != at || m.Inode != 0 || m.Path != "" {
			return false
		}
		if at = m.End; at >= end {
			return true
		}
	}
	return false
}

// linkApplied attaches every applied patch to the object with its
// Build-ID; pending regions get their object for messages only.
func (s *Snapshot) linkApplied() {
	for _, a := range append(append([]*Applied(nil), s.Applied...), s.Pending...) {
		for _, o := range s.Objects {
			if o.BuildID != "" && o.BuildID == a.Header.BuildIDString() {
				a.Object = o
				if !a.Pending {
					o.Applied = append(o.Applied, a)
				}
				break
			}
		}
	}
}

// findStub prefers libc's text like upstream; any executable file mapping
// works for a `syscall; int3` stub.
func (s *Snapshot) findStub() uint64 {
	var any uint64
	for _, o := range s.Objects {
		for _, m := range o.VMAs {
			if !m.Exec() {
				continue
			}
			if strings.HasPrefix(o.Name, "libc.") || strings.HasPrefix(o.Name, "libc-") {
				return m.Start
			}
			if any == 0 {
				any = m.Start
			}
		}
	}
	return any
}

// readELF reads the ELF and program headers of o from memory. It returns
// false for mappings that are not ELF objects (data files).
func (o *Object) readELF(mem Memory) (bool, error) {
	first := o.VMAs[0]
	if first.Offset != 0 || !first.Read() {
		return false, nil
	}
	b, err := readFull(mem, first.Start, 64)
	if err != nil || !bytes.HasPrefix(b, []byte(elf.ELFMAG)) || elf.Class(b[elf.EI_CLASS]) != elf.ELFCLASS64 {
		return false, nil
	}
	var eh elf.Header64
	if _, err := binary.Decode(b, binary.LittleEndian, &eh); err != nil {
		return false, nil
	}
	if eh.Phentsize != 56 || eh.Phnum == 0 || eh.Phnum > maxPhnum || eh.Phoff+uint64(eh.Phnum)*56 > first.Size() {
		return false, nil
	}
	pb, err := readFull(mem, first.Start+eh.Phoff, int(eh.Phnum)*56)
	if err != nil {
		return false, err
	}
	o.phdrs = make([]elf.Prog64, eh.Phnum)
	if _, err := binary.Decode(pb, binary.LittleEndian, o.phdrs); err != nil {
		return false, err
	}
	return o.setup(mem, elf.Type(eh.Type))
}

func (o *Object) setup(mem Memory, typ elf.Type) (bool, error) {
	lowest, interp, haveLoad := ^uint64(0), false, false
	for _, p := range o.phdrs {
		switch elf.ProgType(p.Type) {
		case elf.PT_LOAD:
			haveLoad = true
			lowest = min(lowest, p.Vaddr)
		case elf.PT_INTERP:
			interp = true
		}
	}
	if !haveLoad {
		return false, nil
	}
	o.LoadOffset = o.Start() - lowest&^(pageSize-1)
	o.Shared = typ == elf.ET_DYN && !interp || isLibc(o.Name)
	o.BuildID = o.readBuildID(mem)
	return true, nil
}

func isLibc(name string) bool {
	for _, p := range []string{"libc.", "libc-", "libpthread", "libdl"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// readBuildID returns the first NT_GNU_BUILD_ID note of the PT_NOTE
// segments, as lowercase hex.
func (o *Object) readBuildID(mem Memory) string {
	for _, p := range o.phdrs {
		if elf.ProgType(p.Type) != elf.PT_NOTE || p.Memsz > maxNoteSize {
			continue
		}
		b, err := readFull(mem, o.LoadOffset+p.Vaddr, int(p.Memsz))
		if err != nil {
			continue
		}
		if id, ok := elfutil.NoteBuildID(b, p.Align); ok {
			return id
		}
	}
	return ""
}

// Main returns the main executable object (the first non-library ELF
// object), or nil.
func (s *Snapshot) Main() *Object {
	for _, o := range s.Objects {
		if !o.Shared {
			return o
		}
	}
	return nil
}
