package strip_test

import (
	"debug/elf"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/elfutil"
	"github.com/golibcare/golibcare/internal/strip"
)

// TestCopyRelocMovesBSS: a copy relocation that only the patched binary
// has puts stderr first in its .bss and moves the program's variables.
// The C tool kept the patched binary's offsets, so the patch wrote g and
// hidden_s 16 bytes off; the patch must use the original's offsets, for
// named symbols and for section-relative relocations alike.
func TestCopyRelocMovesBSS(t *testing.T) {
	b := fixture{dir: "copyreloc", fn: "set"}.build(t)
	r := pipeline(t, b)
	checkObject(t, b.orig, r.elf)
	f := mustELF(t, r.elf)
	orig, err := elfutil.SafeOpen(b.orig)
	if err != nil {
		t.Fatal(err)
	}
	defer orig.Close()
	want := map[string]uint64{}
	osyms, _ := orig.Symbols()
	for _, s := range osyms {
		want[s.Name] = s.Value
	}
	syms, _ := f.Symbols()
	var targets []uint64
	for _, rel := range relocs(t, f, f.Section(".rela.kpatch.text")) {
		s := syms[elfutil.RelaSym(rel)-1]
		if elfutil.RelaType(rel) != elf.R_X86_64_PC32 || s.Section >= elf.SHN_LORESERVE || f.Sections[s.Section].Name != ".bss" {
			continue
		}
		// disp32 is the last operand field: target = S + A + 4, where S
		// of a section symbol is the section's address (the loader
		// ignores its st_value).
		S := f.Sections[s.Section].Addr
		if elf.ST_TYPE(s.Info) != elf.STT_SECTION {
			S += s.Value
		}
		targets = append(targets, S+uint64(rel.Addend+4))
	}
	for _, name := range []string{"hidden_s", "g"} {
		found := false
		for _, a := range targets {
			found = found || a == want[name]
		}
		if !found {
			t.Errorf("got .bss relocation targets %#x, want one at %s = %#x", targets, name, want[name])
		}
	}
	if !strings.Contains(r.stdout, "symbol g moved in .bss") {
		t.Errorf("got output %q, want a line about g moving", r.stdout)
	}
}

// TestCopyRelocRefused: a patch that reads a shared library's variable the
// original never used gets a copy of it in the patched binary, which does
// not exist in the original process: refuse instead of patching in a
// reference to the wrong memory.
func TestCopyRelocRefused(t *testing.T) {
	b := fixture{dir: "copyrelocbad", fn: "set"}.build(t)
	stripped, err := strip.Strip([]byte(readFile(t, b.patched)), strip.Log{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = strip.RelFixup([]byte(readFile(t, b.orig)), stripped, strip.Log{})
	want := "symbol stderr@GLIBC_2.2.5 in .bss is not in the original binary"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got error %v, want one containing %q", err, want)
	}
}
