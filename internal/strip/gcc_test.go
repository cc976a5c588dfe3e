package strip_test

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/elfutil"
)

// TestPipeline runs the user guide's flow over real gcc output and checks
// the object kpatch_make would wrap (facts §1.2).
func TestPipeline(t *testing.T) {
	hello := fixture{dir: "hello", fn: "print_hello"}
	tests := []struct {
		name  string
		fx    fixture
		flags []string
		check func(t *testing.T, b built, r result)
	}{
		{"hello-pie", hello, nil, checkHello},
		{"hello-nopie", hello, []string{"-fno-pie", "-no-pie"}, checkHello},
		{"hello-O2-pie", hello, []string{"-O2"}, checkHelloLocalLabel},
		{"gotpcrel-pie", fixture{dir: "gotpcrel", fn: "get"}, []string{"-Wl,--no-relax"}, checkMovToLea},
		{"gotpcrel-shared", fixture{dir: "gotpcrel", fn: "get", shared: true}, nil, checkMovToLea},
		{"tls-tpoff32-nopie", fixture{dir: "tls", fn: "get"}, []string{"-fno-pie", "-no-pie"}, checkTPOFF32},
		{"tls-tpoff32-pie", fixture{dir: "tls", fn: "get"}, nil, checkTPOFF32},
		{"tls-gottpoff-shared", fixture{dir: "gottpoff", fn: "lib_get", shared: true}, []string{"-ftls-model=initial-exec"}, checkGOTTPOFF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := tt.fx
			fx.cflags = append(append([]string{}, fx.cflags...), tt.flags...)
			b := fx.build(t)
			r := pipeline(t, b)
			checkStripped(t, r.stripped)
			checkObject(t, b.orig, r.elf)
			tt.check(t, b, r)
		})
	}
}

func mustELF(t *testing.T, b []byte) *elf.File {
	t.Helper()
	f, err := elfutil.SafeNewFile(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func needed(name string) bool {
	return strings.Contains(name, "kpatch") || name == ".symtab" || name == ".strtab" || name == ".shstrtab"
}

// checkStripped checks the --strip output: headers kept, data only for the
// needed sections, .kpatch.data page aligned, the info terminator.
func checkStripped(t *testing.T, b []byte) {
	t.Helper()
	f := mustELF(t, b)
	if len(f.Progs) != 0 || f.Entry != 0 {
		t.Errorf("stripped: got %d program headers, entry %#x; want none, 0", len(f.Progs), f.Entry)
	}
	if shoff := binary.LittleEndian.Uint64(b[0x28:]); shoff%8 != 0 {
		t.Errorf("stripped: got e_shoff %#x, want 8-aligned", shoff)
	}
	for _, s := range f.Sections[1:] {
		if needed(s.Name) == (s.Type == elf.SHT_NOBITS) {
			t.Errorf("stripped: section %s has type %v", s.Name, s.Type)
		}
		if s.Type == elf.SHT_NOBITS && strings.HasPrefix(s.Name, ".rela") && s.Flags != elf.SHF_ALLOC {
			t.Errorf("stripped: section %s flags %v, want SHF_ALLOC", s.Name, s.Flags)
		}
		if s.Name == ".kpatch.data" && s.Offset%4096 != 0 {
			t.Errorf("stripped: .kpatch.data at file offset %#x, want page aligned", s.Offset)
		}
	}
	if s := f.Section(".kpatch.info"); s == nil || s.Size%48 != 24 {
		t.Errorf("stripped: .kpatch.info %v, want 48*n+24 bytes", s)
	}
}

// checkObject checks the final ET_REL object against the original binary.
func checkObject(t *testing.T, origPath string, b []byte) {
	t.Helper()
	f := mustELF(t, b)
	orig, err := elfutil.SafeOpen(origPath)
	if err != nil {
		t.Fatal(err)
	}
	defer orig.Close()
	if f.Type != elf.ET_REL || len(f.Progs) != 0 || f.Entry != 0 || binary.LittleEndian.Uint64(b[0x20:]) != 0 {
		t.Errorf("got type %v, %d program headers, entry %#x; want ET_REL, none, 0", f.Type, len(f.Progs), f.Entry)
	}
	for _, s := range f.Sections[1:] {
		if needed(s.Name) == (s.Type == elf.SHT_NOBITS) {
			t.Errorf("section %s has type %v", s.Name, s.Type)
		}
		if os := orig.Section(s.Name); os != nil && os.Flags&elf.SHF_ALLOC != 0 && s.Addr != os.Addr {
			t.Errorf("section %s: got sh_addr %#x, want the original's %#x", s.Name, s.Addr, os.Addr)
		}
	}
	checkInfo(t, f)
	checkRelocs(t, f)
	checkSymbols(t, f, orig)
}

func checkInfo(t *testing.T, f *elf.File) {
	t.Helper()
	s := f.Section(".kpatch.info")
	if s == nil {
		t.Fatal("no .kpatch.info")
	}
	data, err := s.Data()
	if err != nil {
		t.Fatal(err)
	}
	if len(data)%48 != 24 || len(data) < 48+24 {
		t.Fatalf(".kpatch.info: got %d bytes, want 48*n+24", len(data))
	}
	if !bytes.Equal(data[len(data)-24:], make([]byte, 24)) {
		t.Errorf(".kpatch.info: got terminator % x, want 24 zero bytes", data[len(data)-24:])
	}
	for off := 0; off+48 <= len(data); off += 48 {
		dlen, slen := binary.LittleEndian.Uint32(data[off+16:]), binary.LittleEndian.Uint32(data[off+20:])
		if dlen < 5 || slen == 0 {
			t.Errorf(".kpatch.info record %d: got dlen %d slen %d, want dlen ≥ 5, slen > 0", off/48, dlen, slen)
		}
	}
}

func relocs(t *testing.T, f *elf.File, s *elf.Section) []elf.Rela64 {
	t.Helper()
	data, err := s.Data()
	if err != nil {
		t.Fatal(err)
	}
	var out []elf.Rela64
	for i := 0; i < len(data)/elfutil.Rela64Size; i++ {
		r, err := elfutil.Rela(data, i)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func checkRelocs(t *testing.T, f *elf.File) {
	t.Helper()
	if f.Section(".rela.kpatch.text") == nil || f.Section(".rela.kpatch.info") == nil {
		t.Errorf("no .rela.kpatch.text or .rela.kpatch.info")
	}
	for _, s := range f.Sections {
		if s.Type == elf.SHT_REL {
			t.Errorf("section %s is SHT_REL", s.Name)
		}
		if s.Type != elf.SHT_RELA {
			continue
		}
		target := f.Sections[s.Info]
		for i, r := range relocs(t, f, s) {
			if elfutil.RelaType(r) == elf.R_X86_64_PLT32 {
				t.Errorf("%s[%d]: R_X86_64_PLT32 left", s.Name, i)
			}
			if r.Off+4 > target.Size {
				t.Errorf("%s[%d]: got offset %#x, want inside %s (%#x bytes)", s.Name, i, r.Off, target.Name, target.Size)
			}
		}
	}
}

// checkSymbols: symbols of original sections are section-relative and point
// where the original binary has them.
func checkSymbols(t *testing.T, f, orig *elf.File) {
	t.Helper()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	osyms, err := orig.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]elf.Symbol{}
	for _, s := range osyms {
		byName[s.Name] = s
	}
	for _, s := range syms {
		typ := elf.ST_TYPE(s.Info)
		if s.Section == elf.SHN_UNDEF || s.Section >= elf.SHN_LORESERVE || typ == elf.STT_SECTION || typ == elf.STT_TLS {
			continue
		}
		sec := f.Sections[s.Section]
		if needed(sec.Name) {
			if s.Value > sec.Size {
				t.Errorf("symbol %s: got value %#x, want an offset inside %s", s.Name, s.Value, sec.Name)
			}
			continue
		}
		if o, ok := byName[s.Name]; ok && sec.Addr+s.Value != o.Value {
			t.Errorf("symbol %s: got %s+%#x = %#x, want the original's %#x", s.Name, sec.Name, s.Value, sec.Addr+s.Value, o.Value)
		}
	}
}

func wantLines(t *testing.T, out string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(out, l+"\n") {
			t.Errorf("output has no line %q:\n%s", l, out)
		}
	}
}

func checkHello(t *testing.T, b built, r result) {
	wantLines(t, r.stdout,
		"processing '.kpatch.text'...need it",
		"processing '.text'...don't need it",
		"processing '.symtab'...need it",
		"Fixing up relocation printf@GLIBC_2.2.5+fffffffffffffffc",
		"Fixing up relocation puts@GLIBC_2.2.5+fffffffffffffffc",
		"Fixing up relocation print_hello+0")
	if r.stderr != "" {
		t.Errorf("got stderr %q, want none", r.stderr)
	}
	f := mustELF(t, r.elf)
	syms, _ := f.Symbols()
	for _, rel := range relocs(t, f, f.Section(".rela.kpatch.info")) {
		if rel.Off == 0 && (elfutil.RelaType(rel) != elf.R_X86_64_64 || syms[elfutil.RelaSym(rel)-1].Name != "print_hello") {
			t.Errorf("daddr relocation: got %+v, want R_X86_64_64 against print_hello", rel)
		}
	}
}

// checkHelloLocalLabel: at -O2 the original's string is in .rodata.str1.1 and
// gas keeps .LC0, which --rel-fixup must turn into .rodata+offset.
func checkHelloLocalLabel(t *testing.T, b built, r result) {
	checkHello(t, b, r)
	if !strings.Contains(r.stdout, "Relocating to .rodata+") {
		t.Errorf("output has no \"Relocating to .rodata+\":\n%s", r.stdout)
	}
	f := mustELF(t, r.elf)
	syms, _ := f.Symbols()
	found := false
	for _, rel := range relocs(t, f, f.Section(".rela.kpatch.text")) {
		i := elfutil.RelaSym(rel)
		if i == 0 {
			continue
		}
		if strings.HasPrefix(syms[i-1].Name, ".L") {
			t.Errorf("relocation at %#x still against %s", rel.Off, syms[i-1].Name)
		}
		if sec := f.Sections[syms[i-1].Section]; elf.ST_TYPE(syms[i-1].Info) == elf.STT_SECTION && sec.Name == ".rodata" {
			// leaq disp32(%rip): the string is at S + A + 4.
			found = true
			checkString(t, b.orig, sec.Addr+uint64(rel.Addend)+4, "Hello world %d!\n")
		}
	}
	if !found {
		t.Errorf("no relocation against the .rodata section symbol")
	}
}

// checkString reads the original binary at a link-time address.
func checkString(t *testing.T, path string, addr uint64, want string) {
	t.Helper()
	orig, err := elfutil.SafeOpen(path)
	if err != nil {
		t.Fatal(err)
	}
	defer orig.Close()
	for _, s := range orig.Sections {
		if s.Type == elf.SHT_NOBITS || addr < s.Addr || addr >= s.Addr+s.Size || s.Flags&elf.SHF_ALLOC == 0 {
			continue
		}
		data, err := s.Data()
		if err != nil {
			t.Fatal(err)
		}
		if got := string(data[addr-s.Addr:]); !strings.HasPrefix(got, want) {
			t.Errorf("original at %#x: got %q, want %q", addr, got[:min(len(got), len(want))], want)
		}
		return
	}
	t.Errorf("address %#x is in no section of the original", addr)
}

func checkMovToLea(t *testing.T, b built, r result) {
	wantLines(t, r.stdout, "Fixing up relocation counter+fffffffffffffffc", "changing mov to lea at 1")
	f := mustELF(t, r.elf)
	text, err := f.Section(".kpatch.text").Data()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, rel := range relocs(t, f, f.Section(".rela.kpatch.text")) {
		switch elfutil.RelaType(rel) {
		case elf.R_X86_64_GOTPCREL, elf.R_X86_64_GOTPCRELX, elf.R_X86_64_REX_GOTPCRELX:
			n++
			if got := text[rel.Off-2]; got != 0x8d {
				t.Errorf("opcode before GOT relocation at %#x: got %#x, want 0x8d (lea)", rel.Off, got)
			}
		}
	}
	if n != 1 {
		t.Errorf("got %d GOTPCREL relocations, want 1", n)
	}
}

func checkTPOFF32(t *testing.T, b built, r result) {
	f := mustELF(t, r.elf)
	var none, tpoff int
	for _, rel := range relocs(t, f, f.Section(".rela.kpatch.text")) {
		switch {
		case rel.Info == uint64(elf.R_X86_64_NONE):
			none++
		case elfutil.RelaType(rel) == elf.R_X86_64_TPOFF32:
			tpoff++
		}
	}
	if none != 1 || tpoff != 0 {
		t.Errorf("got %d R_X86_64_NONE and %d TPOFF32 relocations, want 1 and 0", none, tpoff)
	}
}

func checkGOTTPOFF(t *testing.T, b built, r result) {
	orig, err := elfutil.SafeOpen(b.orig)
	if err != nil {
		t.Fatal(err)
	}
	defer orig.Close()
	want := tlsGOTSlot(t, orig, "counter")
	f := mustELF(t, r.elf)
	n := 0
	for _, rel := range relocs(t, f, f.Section(".rela.kpatch.text")) {
		if elfutil.RelaType(rel) == elf.R_X86_64_GOTTPOFF {
			n++
			if uint64(rel.Addend) != want {
				t.Errorf("GOTTPOFF addend: got %#x, want the original's GOT slot %#x", rel.Addend, want)
			}
		}
	}
	if n != 1 {
		t.Errorf("got %d GOTTPOFF relocations, want 1", n)
	}
	wantLines(t, r.stdout, fmt.Sprintf("Changing GOTTPOFF symbol counter from fffffffffffffffc to %x", want))
}

// tlsGOTSlot finds, independently of the code under test, the GOT slot the
// dynamic linker fills with name's TP offset (R_X86_64_TPOFF64, symbol 0).
func tlsGOTSlot(t *testing.T, f *elf.File, name string) uint64 {
	t.Helper()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	var val uint64
	for _, s := range syms {
		if s.Name == name && elf.ST_TYPE(s.Info) == elf.STT_TLS {
			val = s.Value
		}
	}
	for _, rel := range relocs(t, f, f.Section(".rela.dyn")) {
		if elfutil.RelaType(rel) == elf.R_X86_64_TPOFF64 && elfutil.RelaSym(rel) == 0 && uint64(rel.Addend) == val {
			return rel.Off
		}
	}
	t.Fatalf("original has no TPOFF64 GOT slot for %s (%#x)", name, val)
	return 0
}
