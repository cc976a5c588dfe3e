package pipeline

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/asm"
	"github.com/golibcare/golibcare/internal/gensrc"
	"github.com/golibcare/golibcare/internal/testutil"
)

// TestIdentity runs kpatch_gensrc on each generated program (original and
// patched) against itself at every flag set: no kpatch block may come out,
// and the output must assemble to the same sections and relocations as
// the input.
func TestIdentity(t *testing.T) {
	testutil.MustHaveGCC(t)
	for _, seed := range seeds() {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			p := generate(seed)
			dir := t.TempDir()
			testutil.WriteFile(t, dir, "orig.c", p.source())
			srcs := []string{"orig.c"}
			if *nSeeds > 0 {
				testutil.WriteFile(t, dir, "patched.c", p.mutate().source())
				srcs = append(srcs, "patched.c")
			}
			for _, fs := range flagSets {
				for _, src := range srcs {
					count(&stats.ident)
					if !identity(t, dir, src, fs) {
						count(&stats.identFail)
					}
				}
			}
		})
	}
}

func identity(t *testing.T, dir, src string, fs flagSet) bool {
	t.Helper()
	base := strings.TrimSuffix(src, ".c") + "-" + fs.name
	in := base + ".s"
	testutil.Run(t, dir, "gcc", append(append([]string{}, fs.cflags...), "-S", "-o", in, src)...)
	data, err := os.ReadFile(filepath.Join(dir, in))
	if err != nil {
		t.Fatal(err)
	}
	ok := true
	for _, opts := range []gensrc.Options{{}, {ForceGlobal: true, ForceGOTPCREL: true}} {
		f, err := asm.Parse(in, data)
		if err != nil {
			t.Errorf("%s: parse: %v", in, err)
			return false
		}
		out, err := gensrc.Generate(f, f, opts)
		if err != nil {
			t.Errorf("%s: gensrc against itself: %v", in, err)
			return false
		}
		if bytes.Contains(out, []byte(".kpatch")) {
			t.Errorf("%s: gensrc against itself wrote kpatch code", in)
			ok = false
		}
		outS := fmt.Sprintf("%s.id%v.s", base, opts.ForceGlobal)
		testutil.WriteFile(t, dir, outS, string(out))
		testutil.Run(t, dir, "gcc", "-c", "-o", base+".o", in)
		testutil.Run(t, dir, "gcc", "-c", "-o", outS+".o", outS)
		if d := objDiff(t, filepath.Join(dir, base+".o"), filepath.Join(dir, outS+".o"), !opts.ForceGlobal); d != "" {
			t.Errorf("%s (%+v): gensrc output assembles differently: %s", in, opts, d)
			ok = false
		}
	}
	return ok
}

// objDiff compares the allocated sections of two objects byte by byte and
// their relocations by offset, type, addend and symbol name; with strict,
// symbol bindings must also match (--force-global changes them on
// purpose).
func objDiff(t *testing.T, a, b string, strict bool) string {
	fa, fb := openELF(t, a), openELF(t, b)
	defer fa.Close()
	defer fb.Close()
	for _, sa := range fa.Sections {
		if sa.Flags&elf.SHF_ALLOC == 0 && sa.Type != elf.SHT_RELA {
			continue
		}
		sb := fb.Section(sa.Name)
		if sb == nil {
			return "section " + sa.Name + " missing"
		}
		if sa.Type == elf.SHT_NOBITS {
			if sa.Size != sb.Size {
				return fmt.Sprintf("section %s: got size %#x, want %#x", sa.Name, sb.Size, sa.Size)
			}
			continue
		}
		da, _ := sa.Data()
		db, _ := sb.Data()
		if sa.Type == elf.SHT_RELA {
			if sa.Name == ".rela.eh_frame" {
				continue
			}
			if d := relaDiff(fa, fb, sa.Name, da, db, strict); d != "" {
				return d
			}
			continue
		}
		if !strict {
			da, db = masked(fa, sa, da), masked(fb, sb, db)
			da, db = masked(fb, sb, da), masked(fa, sa, db)
		}
		if !bytes.Equal(da, db) {
			return fmt.Sprintf("section %s: bytes differ (%d vs %d bytes) first at %#x", sa.Name, len(db), len(da), firstDiff(da, db))
		}
	}
	return ""
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// masked returns d with the 4 bytes of every PC-relative relocation that
// f has for section s zeroed: with --force-global, calls to local
// functions resolved by the assembler become relocations.
func masked(f *elf.File, s *elf.Section, d []byte) []byte {
	out := append([]byte(nil), d...)
	for _, rs := range f.Sections {
		if rs.Type != elf.SHT_RELA || int(rs.Info) >= len(f.Sections) || f.Sections[rs.Info] != s {
			continue
		}
		rd, _ := rs.Data()
		for _, r := range relocs(f, rd) {
			if (r.typ == elf.R_X86_64_PC32 || r.typ == elf.R_X86_64_PLT32) && r.off+4 <= uint64(len(out)) {
				copy(out[r.off:], make([]byte, 4))
			}
		}
	}
	return out
}

func openELF(t *testing.T, p string) *elf.File {
	f, err := elf.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func relaDiff(fa, fb *elf.File, name string, da, db []byte, strict bool) string {
	ra, rb := relocs(fa, da), relocs(fb, db)
	if !strict {
		// Force-global lets references to local functions resolved by the
		// assembler become relocations: only the input's must all be kept.
		at := map[uint64]bool{}
		for _, r := range rb {
			at[r.off] = true
		}
		for _, r := range ra {
			if !at[r.off] {
				return fmt.Sprintf("%s: relocation %+v lost", name, r)
			}
		}
		return ""
	}
	if len(ra) != len(rb) {
		return fmt.Sprintf("%s: got %d relocations, want %d", name, len(rb), len(ra))
	}
	for i := range ra {
		x, y := ra[i], rb[i]
		if x != y {
			return fmt.Sprintf("%s[%d]: got %+v, want %+v", name, i, y, x)
		}
	}
	return ""
}

type reloc struct {
	off    uint64
	typ    elf.R_X86_64
	addend int64
	sym    string
}

func relocs(f *elf.File, d []byte) []reloc {
	syms, _ := f.Symbols()
	var out []reloc
	for i := 0; i+24 <= len(d); i += 24 {
		off := binary.LittleEndian.Uint64(d[i:])
		info := binary.LittleEndian.Uint64(d[i+8:])
		add := int64(binary.LittleEndian.Uint64(d[i+16:]))
		r := reloc{off: off, typ: elf.R_X86_64(elf.R_TYPE64(info)), addend: add}
		if s := elf.R_SYM64(info); s > 0 && int(s) <= len(syms) {
			sym := syms[s-1]
			r.sym = sym.Name
			if elf.ST_TYPE(sym.Info) == elf.STT_SECTION && int(sym.Section) < len(f.Sections) {
				r.sym = f.Sections[sym.Section].Name
			}
		}
		out = append(out, r)
	}
	return out
}
