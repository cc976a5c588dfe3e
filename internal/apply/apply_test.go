package apply

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/kpatch"
	"github.com/golibcare/golibcare/internal/procfs"
	"github.com/golibcare/golibcare/internal/unwind"
)

const (
	progBase  = 0x555555554000
	libcBase  = 0x7f0000000000
	stackBase = 0x7ffd00000000
	fooVaddr  = 0x1000
	fooLen    = 0x20
	mainVaddr = 0x1100 // `call foo` here, returning to mainVaddr+5
	putsVaddr = 0x1200
	stdoutVa  = 0x1300
	memcpyRes = 0x1400 // an IFUNC resolver
	memcpyImp = 0x7f0000001500
	tlsGOT    = 0x1f00 // the original's GOT slot of tvar
)

var (
	progBID = bytes.Repeat([]byte{0x11}, 20)
	fooCode = []byte{0x55, 0x48, 0x89, 0xe5, 0x90, 0x90, 0x5d, 0xc3}
)

// newTarget builds a fake process: a PIE program with foo, libc with puts,
// stdout and an IFUNC memcpy, and a stack; one thread running main.
func newTarget(t testing.TB) *fakeProc {
	t.Helper()
	p := newFake()
	prog := targetImage(elf.ET_DYN, true, progBID, nil)
	copy(prog[fooVaddr:], fooCode)
	prog[mainVaddr] = 0xe8
	rel := int32(fooVaddr) - int32(mainVaddr+5)
	binary.LittleEndian.PutUint32(prog[mainVaddr+1:], uint32(rel))
	p.addMapping(progBase, prog, "r-xp", "/fake/prog", 42)
	libc := targetImage(elf.ET_DYN, false, bytes.Repeat([]byte{0x22}, 20), []dynSym{
		{"puts", putsVaddr, elf.STT_FUNC}, {"stdout", stdoutVa, elf.STT_OBJECT}, {"memcpy", memcpyRes, elf.STT_GNU_IFUNC}})
	p.addMapping(libcBase, libc, "r-xp", "/lib/libc.so.6", 43)
	p.addMapping(stackBase, make([]byte, 0x4000), "rw-p", "[stack]", 0)
	p.ifuncs[libcBase+memcpyRes] = memcpyImp
	p.tids = []int{100}
	p.regs[100] = unwind.Regs{PC: progBase + mainVaddr + 5, SP: stackBase + 0x3f00}
	return p
}

// Symbol indexes of testPatch.
const (
	symText = 1 + iota
	symStrtab
	symData
	symFoo
	symFooK
	symPuts
	symStdout
	symMemcpy
	symTvar
	symWeak
)

// testPatch builds a patch replacing foo with relocations of every
// supported type in .kpatch.text.
func testPatch(t testing.TB, id string, textRelas []relRela, opts ...func([]relSec)) *Source {
	t.Helper()
	b, err := kpatch.Encode(id, hex.EncodeToString(progBID), patchELF(textRelas, opts...), time.Unix(1e9, 0))
	if err != nil {
		t.Fatal(err)
	}
	f, err := kpatch.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return &Source{Path: "test.kpatch", file: &PatchFile{Path: "test.kpatch", File: f}}
}

// patchELF is the ELF object of testPatch.
func patchELF(textRelas []relRela, opts ...func([]relSec)) []byte {
	text := make([]byte, 0x40)
	binary.LittleEndian.PutUint32(text[0x14:], 0xaabbccdd) // TPOFF32 site
	info := make([]byte, kpatch.InfoSize+kpatch.InfoTerminatorSize)
	binary.LittleEndian.PutUint32(info[16:], fooLen)
	binary.LittleEndian.PutUint32(info[20:], 0x40)
	secs := []relSec{
		{name: ".text", typ: elf.SHT_NOBITS, flags: elf.SHF_ALLOC | elf.SHF_EXECINSTR, addr: fooVaddr, size: 0x200},
		{name: ".kpatch.text", typ: elf.SHT_PROGBITS, flags: elf.SHF_ALLOC | elf.SHF_EXECINSTR, data: text, align: 16},
		{name: ".rela.kpatch.text", typ: elf.SHT_RELA, data: relaBytes(textRelas), link: 9, info: 2, align: 8},
		{name: ".kpatch.strtab", typ: elf.SHT_PROGBITS, flags: elf.SHF_ALLOC, data: []byte("foo.kpatch\x00"), align: 1},
		{name: ".kpatch.info", typ: elf.SHT_PROGBITS, flags: elf.SHF_ALLOC, data: info, align: 8},
		{name: ".rela.kpatch.info", typ: elf.SHT_RELA, link: 9, info: 5, align: 8, data: relaBytes([]relRela{
			{0, symFoo, elf.R_X86_64_64, 0}, {8, symFooK, elf.R_X86_64_64, 0}, {24, symStrtab, elf.R_X86_64_64, 0}})},
		{name: ".kpatch.data", typ: elf.SHT_PROGBITS, flags: elf.SHF_ALLOC | elf.SHF_WRITE, data: make([]byte, 16), align: pageSize},
		{name: ".rela.kpatch.data", typ: elf.SHT_RELA, link: 9, info: 7, align: 8, data: relaBytes([]relRela{
			{0, symPuts, elf.R_X86_64_64, 0}})},
	}
	for _, o := range opts {
		o(secs)
	}
	syms := []relSym{
		{typ: elf.STT_SECTION, shndx: 2}, {typ: elf.STT_SECTION, shndx: 4}, {typ: elf.STT_SECTION, shndx: 7},
		{name: "foo", typ: elf.STT_FUNC, bind: elf.STB_GLOBAL, shndx: 1, size: fooLen},
		{name: "foo.kpatch", typ: elf.STT_FUNC, bind: elf.STB_GLOBAL, shndx: 2, size: 0x40},
		{name: "puts@GLIBC_2.2.5", typ: elf.STT_FUNC, bind: elf.STB_GLOBAL},
		{name: "stdout@GLIBC_2.2.5", typ: elf.STT_OBJECT, bind: elf.STB_GLOBAL},
		{name: "memcpy", typ: elf.STT_FUNC, bind: elf.STB_GLOBAL},
		{name: "tvar", typ: elf.STT_TLS, bind: elf.STB_GLOBAL, shndx: 1, value: 0x10},
		{name: "maybe", typ: elf.STT_NOTYPE, bind: elf.STB_WEAK},
	}
	return relObject(secs, syms)
}

var allRelocs = []relRela{
	{0x00, symFoo, elf.R_X86_64_PC32, -4},
	{0x04, symPuts, elf.R_X86_64_PLT32, -4},
	{0x08, symStdout, elf.R_X86_64_GOTPCREL, -4},
	{0x0c, symFoo, elf.R_X86_64_REX_GOTPCRELX, -4},
	{0x10, symTvar, elf.R_X86_64_GOTTPOFF, tlsGOT},
	{0x14, symTvar, elf.R_X86_64_TPOFF32, 0},
	{0x18, symPuts, elf.R_X86_64_64, 0},
	{0x20, symMemcpy, elf.R_X86_64_PC32, -4},
	{0x28, symData, elf.R_X86_64_64, 8},
	{0x30, symWeak, elf.R_X86_64_64, 0},
}

func applyTest(t testing.TB, p *fakeProc, src *Source) *Result {
	t.Helper()
	res, err := Patch(p, src, Options{Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatalf("patch: %v", err)
	}
	if res.Count != 1 || len(res.Patches) != 1 {
		t.Fatalf("got %d patches, want 1", res.Count)
	}
	if p.attached || p.stopped {
		t.Errorf("got attached=%v stopped=%v after patch, want detached and running", p.attached, p.stopped)
	}
	return res
}

func TestPatchFake(t *testing.T) {
	p := newTarget(t)
	res := applyTest(t, p, testPatch(t, "0001", allRelocs))
	kpta := uint64(res.Patches[0].Address)
	if d := int64(kpta) - progBase; d < -maxRel32 || d > maxRel32 {
		t.Fatalf("region at %#x, more than 2 GiB from the program", kpta)
	}
	h, err := kpatch.DecodeHeader(p.read(kpta, kpatch.HeaderSize))
	if err != nil {
		t.Fatal(err)
	}
	elfSize := uint64(h.TotalSize - kpatch.HeaderSize)
	rel, _ := parseRelObj(p.read(kpta+uint64(h.ElfOffset), int(elfSize)))
	want := computeLayout(elfSize, 4, rel.shdrs[rel.info].Off, rel.shdrs[rel.info].Size, rel.shdrs[rel.data].Off)
	got := layout{jmpOffset: h.JmpOffset, elfOffset: h.ElfOffset, userInfo: h.UserInfo, userUndo: h.UserUndo,
		totalMemSz: h.KpatchTotalMemSz, ninfo: 1, codeSize: want.codeSize}
	if got != want || h.JmpOffset != 504 {
		t.Errorf("got header layout %+v, want %+v", got, want)
	}

	text := kpta + uint64(h.ElfOffset) + rel.shdrs[2].Off
	data := kpta + uint64(h.ElfOffset) + rel.shdrs[7].Off
	slot := func(k uint64) uint64 { return kpta + 504 + 16 + 16*k }
	foo := uint64(progBase + fooVaddr)
	rel32 := func(v uint64) uint64 { return uint64(uint32(v)) }
	tests := []struct {
		name string
		off  uint64
		size int
		want uint64
	}{
		{"PC32 to original function", 0x00, 4, rel32(foo - 4 - text)},
		{"PLT32 via jump table", 0x04, 4, rel32(slot(0) - 4 - (text + 4))},
		{"GOTPCREL import uses slot word", 0x08, 4, rel32(slot(1) + 8 - 4 - (text + 8))},
		{"REX_GOTPCRELX defined is lea", 0x0c, 4, rel32(foo - 4 - (text + 0x0c))},
		{"GOTTPOFF to original GOT", 0x10, 4, rel32(tlsGOT + progBase - 4 - (text + 0x10))},
		{"TPOFF32 left alone", 0x14, 4, 0xaabbccdd},
		{"64 to import is real address", 0x18, 8, libcBase + putsVaddr},
		{"PC32 to IFUNC via slot", 0x20, 4, rel32(slot(2) - 4 - (text + 0x20))},
		{"64 to section plus addend", 0x28, 8, data + 8},
		{"weak missing is 0", 0x30, 8, 0},
		{"data pointer to import", data - text, 8, libcBase + putsVaddr},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := p.read(text+tc.off, tc.size)
			var v uint64
			if tc.size == 4 {
				v = uint64(binary.LittleEndian.Uint32(b))
			} else {
				v = binary.LittleEndian.Uint64(b)
			}
			if v != tc.want {
				t.Errorf("got %#x, want %#x", v, tc.want)
			}
		})
	}

	jt := p.read(kpta+504, 16+16*4)
	wantJT := jumpTable([]uint64{libcBase + putsVaddr, libcBase + stdoutVa, memcpyImp, 0})
	if !bytes.Equal(jt, wantJT) || !bytes.Equal(jt[16:24], []byte{0xff, 0x25, 2, 0, 0, 0, 0x90, 0x90}) {
		t.Errorf("got jump table % x, want % x", jt, wantJT)
	}
	saddr := text
	wantHunk := []byte{0xe9, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(wantHunk[1:], uint32(saddr-foo-5))
	if got := p.read(foo, 5); !bytes.Equal(got, wantHunk) {
		t.Errorf("got hunk % x, want % x", got, wantHunk)
	}
	if got := p.read(kpta+uint64(h.UserUndo), 5); !bytes.Equal(got, fooCode[:5]) {
		t.Errorf("got saved bytes % x, want % x", got, fooCode[:5])
	}
	checkPerms(t, p, kpta, want.codeSize, "r-xp")
	checkPerms(t, p, kpta+want.codeSize, want.totalMemSz-want.codeSize, "rw-p")
	if p.stops != 1 {
		t.Errorf("got %d stops, want 1", p.stops)
	}
}

func checkPerms(t *testing.T, p *fakeProc, start, size uint64, perms string) {
	t.Helper()
	for _, m := range p.maps {
		if m.Start == start && m.End == start+size && m.Perms == perms {
			return
		}
	}
	t.Errorf("no %s mapping %#x-%#x in %+v", perms, start, start+size, p.maps)
}

// TestInfoUnpatchFake lists and removes a patch from its in-target image
// only (a fresh Discover, as another libcare-ctl run would).
func TestInfoUnpatchFake(t *testing.T) {
	p := newTarget(t)
	orig := p.read(progBase, imgSize)
	applyTest(t, p, testPatch(t, "0001", allRelocs))
	pi, err := Info(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(pi.Objects) != 1 || pi.Objects[0].Name != "prog" || len(pi.Objects[0].Patches) != 1 {
		t.Fatalf("got info %+v, want prog with one patch", pi)
	}
	pa := pi.Objects[0].Patches[0]
	if pa.ID != "0001" || len(pa.Hunks) != 1 || pa.Hunks[0].Name != "foo" || uint64(pa.Hunks[0].Daddr) != progBase+fooVaddr {
		t.Errorf("got patch %+v, want 0001 with hunk foo at %#x", pa, progBase+fooVaddr)
	}
	res, err := Unpatch(p, "", nil, Options{Timeout: 50 * time.Millisecond})
	if err != nil || res.Count != 1 {
		t.Fatalf("unpatch: got %v, %v; want 1 patch removed", res, err)
	}
	if got := p.read(progBase, imgSize); !bytes.Equal(got, orig) {
		t.Errorf("program bytes differ after unpatch")
	}
	if n := len(p.maps); n != 3 {
		t.Errorf("got %d mappings after unpatch, want 3: %+v", n, p.maps)
	}
	if _, err := Unpatch(p, "0001", nil, Options{}); err == nil || !strings.Contains(err.Error(), "patch_id=0001") {
		t.Errorf("second unpatch: got %v, want failed to find", err)
	}
}

// TestSafetyFake: a thread inside foo is let run (no breakpoint) until it
// leaves, and nothing is written or run in the target from the first slice
// to the last: a tracer killed meanwhile leaves nothing behind. The slices
// are not frozen time. One that
// never leaves fails the patch and leaves nothing behind.
func TestSafetyFake(t *testing.T) {
	for _, leaves := range []bool{true, false} {
		p := newTarget(t)
		orig := p.read(progBase, imgSize)
		ret := uint64(progBase + mainVaddr + 5)
		p.regs[100] = unwind.Regs{PC: progBase + fooVaddr + 4, SP: stackBase + 0x3f00}
		binary.LittleEndian.PutUint64(p.mem[stackBase][0x3f08:], ret)
		resumes := 0
		var before [2]int
		p.onResume = func(p *fakeProc) {
			resumes++
			now := [2]int{p.writes, len(p.calls)}
			if resumes == 1 {
				before = now
			} else if now != before {
				t.Errorf("slice %d: %d write(s) and %d remote call(s) since the first slice, want none", resumes, now[0]-before[0], now[1]-before[1])
			}
			if leaves && resumes == 3 {
				p.regs[100] = unwind.Regs{PC: ret, SP: stackBase + 0x3f10}
			}
		}
		timeout := 30 * time.Millisecond
		if leaves {
			timeout = time.Minute // leaves after 3 slices, however loaded the machine
		}
		t0 := time.Now()
		res, err := Patch(p, testPatch(t, "0001", allRelocs), Options{Timeout: timeout})
		elapsed := time.Since(t0)
		if leaves {
			if err != nil || res.Count != 1 || resumes != 3 {
				t.Errorf("got %v after %d resumes, want success after 3", err, resumes)
			}
			// The three slices the target ran (2, 4 and 8 ms, each at
			// least 3/4 of that) are not frozen time.
			if ran := (2 + 4 + 8) * time.Millisecond * 3 / 4; res.Frozen > elapsed-ran {
				t.Errorf("frozen %v of %v, want the %v of slices left out", res.Frozen, elapsed, ran)
			}
			continue
		}
		if err == nil || err.Error() != "safety check failed: thread 100 is inside foo" {
			t.Errorf("got %v, want safety check failure naming foo", err)
		}
		if got := p.read(progBase, imgSize); !bytes.Equal(got, orig) {
			t.Errorf("program bytes changed by a failed patch")
		}
		if len(p.maps) != 3 || p.attached || p.stopped {
			t.Errorf("got maps %+v attached=%v stopped=%v, want 3 mappings, detached", p.maps, p.attached, p.stopped)
		}
	}
}

func TestPatchErrorsFake(t *testing.T) {
	tests := []struct {
		name   string
		relocs []relRela
		setup  func(p *fakeProc)
		want   string
	}{
		{"32S overflow", []relRela{{0x24, symData, elf.R_X86_64_32S, 0}}, nil, "R_X86_64_32S"},
		{"unsupported type", []relRela{{0x24, symFoo, elf.R_X86_64_GOTOFF64, 0}}, nil, "unsupported relocation"},
		{"offset outside", []relRela{{0x3e, symFoo, elf.R_X86_64_64, 0}}, nil, "outside the"},
		{"unresolved import", nil, func(p *fakeProc) { p.mem[libcBase][imgDynstr+1] = 'X' }, "failed to resolve undefined symbol 'puts@GLIBC_2.2.5'"},
		{"no region", nil, func(p *fakeProc) {
			// Fill the address space with mappings that have no bytes behind them.
			p.maps = append(p.maps, procfs.Mapping{Start: 0x100000, End: progBase - 0x1000, Perms: "---p"},
				procfs.Mapping{Start: progBase + imgSize + 0x1000, End: libcBase, Perms: "---p"})
			sort.Slice(p.maps, func(i, k int) bool { return p.maps[i].Start < p.maps[k].Start })
		}, "can't find suitable region"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newTarget(t)
			if tc.setup != nil {
				tc.setup(p)
			}
			nmaps := len(p.maps)
			orig := p.read(progBase, imgSize)
			_, err := Patch(p, testPatch(t, "0001", tc.relocs), Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			if got := p.read(progBase, imgSize); !bytes.Equal(got, orig) || len(p.maps) != nmaps || p.stopped || p.attached {
				t.Errorf("target changed by a failed patch: maps %+v", p.maps)
			}
		})
	}
}

// TestUnpatchChangedCode: when a function no longer starts with the
// patch's jump, unpatch writes nothing and keeps the region.
func TestUnpatchChangedCode(t *testing.T) {
	p := newTarget(t)
	applyTest(t, p, testPatch(t, "0001", allRelocs))
	foo := uint64(progBase + fooVaddr)
	if _, err := p.WriteAt([]byte{0xcc}, int64(foo)); err != nil {
		t.Fatal(err)
	}
	before, nmaps := p.read(progBase, imgSize), len(p.maps)
	_, err := Unpatch(p, "", nil, Options{Timeout: 50 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "changed by someone else") {
		t.Fatalf("got %v, want a refusal", err)
	}
	if !bytes.Equal(p.read(progBase, imgSize), before) || len(p.maps) != nmaps || p.attached {
		t.Errorf("target changed by a refused unpatch")
	}
}

func TestCheckInfo(t *testing.T) {
	p := newTarget(t)
	snap, err := Discover(p)
	if err != nil {
		t.Fatal(err)
	}
	j := &job{obj: snap.Main(), kpta: 0x555555550000, lay: layout{codeSize: 0x2000}}
	foo := uint64(progBase + fooVaddr)
	tests := []struct {
		name string
		in   kpatch.Info
		want string
	}{
		{"ok", kpatch.Info{Daddr: foo, Dlen: 8, Saddr: j.kpta + 0x1000}, ""},
		{"new function", kpatch.Info{Saddr: 1}, ""},
		{"too small", kpatch.Info{Daddr: foo, Dlen: 4, Saddr: j.kpta + 0x1000}, "too small"},
		{"daddr in data", kpatch.Info{Daddr: stackBase, Dlen: 8, Saddr: j.kpta + 0x1000}, "outside the code of prog"},
		{"saddr outside", kpatch.Info{Daddr: foo, Dlen: 8, Saddr: foo}, "outside the patch's code"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := j.checkInfo(tc.in)
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}

// TestPatchNoData: without .kpatch.data the region is mapped r-x at once
// and stays one r-x mapping.
func TestPatchNoData(t *testing.T) {
	p := newTarget(t)
	noData := func(secs []relSec) {
		secs[6] = relSec{name: ".bss", typ: elf.SHT_NOBITS, flags: elf.SHF_ALLOC | elf.SHF_WRITE, addr: 0x1800, size: 16}
		secs[7] = relSec{name: ".rela.bss", typ: elf.SHT_NOBITS, flags: elf.SHF_ALLOC, info: 7, size: 24}
	}
	res := applyTest(t, p, testPatch(t, "0001", allRelocs[:4], noData))
	pa := res.Patches[0]
	checkPerms(t, p, uint64(pa.Address), pa.Size, "r-xp")
	var mprotects int
	for _, c := range p.calls {
		if strings.HasPrefix(c, "syscall 10 ") {
			mprotects++
		}
	}
	if mprotects != 0 {
		t.Errorf("got %d mprotect calls, want 0", mprotects)
	}
	if got := p.read(progBase+fooVaddr, 1); got[0] != 0xe9 {
		t.Errorf("got % x at foo, want a jump", got)
	}
}
