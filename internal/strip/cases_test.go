package strip_test

import (
	"debug/elf"
	"fmt"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/elfutil"
)

// Checks specific to each TestPipeline case.

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

// checkNewVarLea: the GOT load of a variable the patch defines (a new
// global of a shared library) also becomes a lea.
func checkNewVarLea(t *testing.T, b built, r result) {
	wantLines(t, r.stdout, "changing mov to lea at 1")
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

// checkNoPLT: "call *f@GOTPCREL(%rip)" became "addr32 call f" and "jmp
// *f@GOTPCREL(%rip)" became "jmp f; nop", both with PC32 relocations.
func checkNoPLT(t *testing.T, b built, r result) {
	f := mustELF(t, r.elf)
	text, err := f.Section(".kpatch.text").Data()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, rel := range relocs(t, f, f.Section(".rela.kpatch.text")) {
		typ := elfutil.RelaType(rel)
		switch {
		case typ == elf.R_X86_64_PC32 && rel.Off >= 2 && text[rel.Off-2] == 0x67 && text[rel.Off-1] == 0xe8:
			got = append(got, "call")
		case typ == elf.R_X86_64_PC32 && rel.Off >= 1 && text[rel.Off-1] == 0xe9 && text[rel.Off+4] == 0x90:
			got = append(got, "jmp")
		default:
			got = append(got, typ.String())
		}
	}
	if strings.Join(got, " ") != "call jmp" {
		t.Errorf("got relocated instructions %q, want [call jmp]", got)
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
	checkGOTTPOFFAddend(t, r, want)
	wantLines(t, r.stdout, fmt.Sprintf("Changing GOTTPOFF symbol counter from fffffffffffffffc to %x", want))
}

// checkGOTTPOFFByName: the GOT slot of an imported (or preemptible) TLS
// variable is found through the dynamic symbol of its R_X86_64_TPOFF64.
func checkGOTTPOFFByName(name string) func(t *testing.T, b built, r result) {
	return func(t *testing.T, b built, r result) { checkGOTSlotByName(t, b, r, name) }
}

func checkGOTSlotByName(t *testing.T, b built, r result, name string) {
	orig, err := elfutil.SafeOpen(b.orig)
	if err != nil {
		t.Fatal(err)
	}
	defer orig.Close()
	dsyms, err := orig.DynamicSymbols()
	if err != nil {
		t.Fatal(err)
	}
	var want uint64
	for _, rel := range relocs(t, orig, orig.Section(".rela.dyn")) {
		if i := elfutil.RelaSym(rel); elfutil.RelaType(rel) == elf.R_X86_64_TPOFF64 && i > 0 && dsyms[i-1].Name == name {
			want = rel.Off
		}
	}
	if want == 0 {
		t.Fatalf("original has no TPOFF64 relocation against %s", name)
	}
	checkGOTTPOFFAddend(t, r, want)
}

func checkGOTTPOFFAddend(t *testing.T, r result, want uint64) {
	t.Helper()
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
