package gensrc

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/testutil"
)

// patchCode compiles the fixtures/cc foo.c and foo_patched.c with flags,
// runs kpatch_gensrc on them and returns the assembled patch: .kpatch.text
// and its relocations as text.
func patchCode(t *testing.T, flags ...string) (code []byte, relocs string) {
	t.Helper()
	dir := testutil.CopyFixture(t, "cc")
	for _, v := range []string{"foo", "foo_patched"} {
		testutil.Run(t, dir, "gcc", append(flags, "-S", v+".c", "-o", v+".s")...)
	}
	p := filepath.Join(dir, "foo_patched.s")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	// As the guide's sed: the .file names must match.
	if err := os.WriteFile(p, bytes.ReplaceAll(b, []byte(`"foo_patched.c"`), []byte(`"foo.c"`)), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	o := &Options{Inputs: []string{filepath.Join(dir, "foo.s"), p}, Output: filepath.Join(dir, "out.s"),
		ForceGOTPCREL: true, Stderr: &stderr, TestMode: true}
	if err := run(o); err != nil {
		t.Fatalf("kpatch_gensrc %s: %v\n%s", strings.Join(flags, " "), err, stderr.String())
	}
	testutil.Run(t, dir, "gcc", "-c", "out.s", "-o", "out.o")
	f, err := elf.Open(filepath.Join(dir, "out.o"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sec := f.Section(".kpatch.text")
	if sec == nil {
		t.Fatalf("%s: no .kpatch.text", strings.Join(flags, " "))
	}
	code, err = sec.Data()
	if err != nil {
		t.Fatal(err)
	}
	return code, relocText(t, f, sec)
}

func relocText(t *testing.T, f *elf.File, sec *elf.Section) string {
	t.Helper()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for _, s := range f.Sections {
		if s.Type != elf.SHT_RELA || f.Sections[s.Info] != sec {
			continue
		}
		b, err := s.Data()
		if err != nil {
			t.Fatal(err)
		}
		for off := 0; off+24 <= len(b); off += 24 {
			var r elf.Rela64
			r.Off = binary.LittleEndian.Uint64(b[off:])
			r.Info = binary.LittleEndian.Uint64(b[off+8:])
			r.Addend = int64(binary.LittleEndian.Uint64(b[off+16:]))
			name := ""
			if i := elf.R_SYM64(r.Info); i > 0 && int(i) <= len(syms) {
				name = syms[i-1].Name
				if name == "" {
					name = f.Sections[syms[i-1].Section].Name
				}
			}
			fmt.Fprintf(&out, "%#x %v %s%+d\n", r.Off, elf.R_X86_64(elf.R_TYPE64(r.Info)), name, r.Addend)
		}
	}
	return out.String()
}

// TestDebugInfoCompared: with -g and its variants the comparison ignores
// the debug information, and the patch code is the one without -g.
func TestDebugInfoCompared(t *testing.T) {
	testutil.MustHaveGCC(t)
	for _, opt := range []string{"-O0", "-O2"} {
		wantCode, wantRel := patchCode(t, opt)
		for _, g := range []string{"-g", "-g3", "-gdwarf-4", "-ggdb", "-ggdb3"} {
			t.Run(opt+" "+g, func(t *testing.T) {
				code, rel := patchCode(t, opt, g)
				if !bytes.Equal(code, wantCode) {
					t.Errorf(".kpatch.text differs from the one without %s (%d vs %d bytes)", g, len(code), len(wantCode))
				}
				if rel != wantRel {
					t.Errorf("relocations differ from the ones without %s:\ngot\n%swant\n%s", g, rel, wantRel)
				}
			})
		}
	}
}
