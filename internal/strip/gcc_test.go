package strip_test

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
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
		raw   bool // skip binutils strip
	}{
		{"hello-pie", hello, nil, checkHello, false},
		{"hello-nopie", hello, []string{"-fno-pie", "-no-pie"}, checkHello, false},
		{"hello-O2-pie", hello, []string{"-O2"}, checkHelloLocalLabel, false},
		{"gotpcrel-pie", fixture{dir: "gotpcrel", fn: "get"}, []string{"-Wl,--no-relax"}, checkMovToLea, false},
		{"gotpcrel-shared", fixture{dir: "gotpcrel", fn: "get", shared: true}, nil, checkMovToLea, false},
		{"noplt-call-shared", fixture{dir: "nopltshared", fn: "get", shared: true}, nil, checkNoPLT, false},
		{"new-var-gotpcrel-shared", fixture{dir: "newvarshared", fn: "get", shared: true}, nil, checkNewVarLea, false},
		{"tls-tpoff32-nopie", fixture{dir: "tls", fn: "get"}, []string{"-fno-pie", "-no-pie"}, checkTPOFF32, false},
		{"tls-tpoff32-pie", fixture{dir: "tls", fn: "get"}, nil, checkTPOFF32, false},
		{"tls-ie-relaxed-pie", fixture{dir: "tlsierelax", fn: "get"}, nil, checkTPOFF32, false},
		{"tls-ie-relaxed-nopie", fixture{dir: "tlsierelax", fn: "get"}, []string{"-fno-pie", "-no-pie"}, checkTPOFF32, false},
		{"tls-gottpoff-shared", fixture{dir: "gottpoff", fn: "lib_get", shared: true}, []string{"-ftls-model=initial-exec"}, checkGOTTPOFF, false},
		{"tls-gottpoff-extern-pie", fixture{dir: "tlsextern", fn: "get", lib: true}, nil, checkGOTTPOFFByName("lib_tls"), false},
		{"tls-gottpoff-global-shared", fixture{dir: "gottpoffglobal", fn: "lib_get", shared: true}, []string{"-ftls-model=initial-exec"}, checkGOTTPOFFByName("counter"), false},
		{"hello-pie-no-binutils", hello, nil, checkHello, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := tt.fx
			fx.cflags = append(append([]string{}, fx.cflags...), tt.flags...)
			b := fx.build(t)
			var r result
			if tt.raw {
				r = runPipeline(t, b, false)
			} else {
				r = pipeline(t, b)
			}
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

// checkSymbols: the symbols the patch's relocations use are section-relative
// and, for original sections, point where the original binary has them.
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
	for _, rs := range f.Sections {
		if rs.Type != elf.SHT_RELA {
			continue
		}
		for _, rel := range relocs(t, f, rs) {
			if i := elfutil.RelaSym(rel); i > 0 {
				checkSymbol(t, f, syms[i-1], byName)
			}
		}
	}
}

func checkSymbol(t *testing.T, f *elf.File, s elf.Symbol, orig map[string]elf.Symbol) {
	t.Helper()
	typ := elf.ST_TYPE(s.Info)
	if s.Section == elf.SHN_UNDEF || s.Section >= elf.SHN_LORESERVE || typ == elf.STT_SECTION || typ == elf.STT_TLS {
		return
	}
	sec := f.Sections[s.Section]
	if needed(sec.Name) {
		if s.Value > sec.Size {
			t.Errorf("symbol %s: got value %#x, want an offset inside %s", s.Name, s.Value, sec.Name)
		}
		return
	}
	o, ok := orig[s.Name]
	if !ok {
		t.Errorf("symbol %s: not in the original", s.Name)
	} else if sec.Addr+s.Value != o.Value {
		t.Errorf("symbol %s: got %s+%#x = %#x, want the original's %#x", s.Name, sec.Name, s.Value, sec.Addr+s.Value, o.Value)
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
