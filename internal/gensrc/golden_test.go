package gensrc

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/asm"
	"github.com/golibcare/golibcare/internal/testutil"
)

var update = flag.Bool("update", false, "regenerate testdata/*/{orig,patched}.s with gcc and want.s with gensrc")

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.CleanupTools()
	for _, c := range cleanups {
		c()
	}
	os.Exit(code)
}

// goldenCase is one testdata/<name> directory: orig.c/patched.c (or .cc for
// g++) compiled with cflags.
type goldenCase struct {
	name    string
	cflags  []string
	opts    Options
	wantErr string   // refusal cases: error prefix instead of want.s
	wantIn  []string // what the case is about, so a regenerated want.s still shows it
}

var (
	fg    = Options{ForceGlobal: true}
	fgGOT = Options{ForceGlobal: true, ForceGOTPCREL: true}
)

var goldenCases = []goldenCase{
	{name: "guide", opts: fg, wantIn: []string{"\t.text\nprint_hello.Lfe:", "leaq\t.LC1.kpatch(%rip)"}},
	{name: "o0", cflags: []string{"-O0"}, opts: fg},
	{name: "o1", cflags: []string{"-O1"}, opts: fgGOT, wantIn: []string{"\taddl\t$2, hits(%rip)\n"}}, // only movs go via the GOT,
	{name: "o2", cflags: []string{"-O2"}, opts: fgGOT},
	{name: "os", cflags: []string{"-Os"}, opts: fg},
	{name: "nopie", cflags: []string{"-O2", "-fno-pie", "-no-pie"}, opts: fgGOT, wantIn: []string{"total@GOTPCREL(%rip)"}},
	{name: "cfprot", cflags: []string{"-O2", "-fcf-protection=full"}, opts: fg, wantIn: []string{"compute.kpatch:\n.LFB", "endbr64", ".note.gnu.property"}},
	{name: "fortify", cflags: []string{"-O2", "-fstack-protector-strong", "-D_FORTIFY_SOURCE=2"}, opts: fg, wantIn: []string{"__stack_chk_fail", "__printf_chk"}},
	{name: "fsections", cflags: []string{"-O2", "-ffunction-sections", "-fdata-sections"}, opts: fg, wantIn: []string{"\t.section\t.text.compute\ncompute.Lfe:", "\t.section\t.text.startup.main\nmain.Lfe:"}},
	{name: "switch", cflags: []string{"-O2"}, opts: fg, wantIn: []string{".long\t.L11.kpatch-.L4.kpatch", "dispatch.cold.kpatch:"}},
	{name: "static_local", cflags: []string{"-O0"}, opts: fg, wantIn: []string{"\tmovl\tstep.1(%rip), %eax\n\tleal"}},
	{name: "strings", cflags: []string{"-O0"}, opts: fg, wantIn: []string{"leaq\t.LC1.kpatch(%rip)", ".LC1.kpatch:\n\t.string\t\"a brand new literal\""}},
	{name: "noreturn", cflags: []string{"-O2"}, opts: fg, wantIn: []string{"call\tdie.constprop.0\n"}},
	{name: "main_o2", cflags: []string{"-O2"}, opts: fg, wantIn: []string{"\t.section\t.text.startup\nmain.Lfe:"}},
	{name: "hot", cflags: []string{"-O2"}, opts: fg, wantIn: []string{"\t.section\t.text.hot\nhotfn.Lfe:"}},
	{name: "new_func", cflags: []string{"-O0"}, opts: fg, wantIn: []string{"#---------- new func ---------", "newly_added_function.Lpi:\n\t.quad 0\n\t.quad newly_added_function\n\t.long 0\n"}},
	{name: "new_var", cflags: []string{"-O2"}, opts: fgGOT, wantIn: []string{"\t.section .kpatch.data,\"aw\",@progbits\n\t.p2align 12\n", "added_var.kpatch:\n\t.long\t42"}},
	{name: "init_array", cflags: []string{"-O2"}, opts: fg, wantIn: []string{"\t.quad\tsetup\n\t.section\t.text.startup\nsetup.Lfe:"}},
	{name: "cxx_unique", cflags: []string{"-O2", "-std=c++17"}, opts: fg, wantIn: []string{"@gnu_unique_object", "_Z4worki.kpatch:"}},
	{name: "cxx_cold", cflags: []string{"-O2", "-std=c++17"}, opts: fg, wantIn: []string{"_Z5parsei.cold.kpatch:", ".LCOLDE1:\n\t.text\n.LHOTE1:\n\t.text\n_Z5parsei.Lfe:"}},
	{name: "cxx_comdat", cflags: []string{"-O2", "-std=c++17"}, opts: fg, wantIn: []string{"\t.section\t.text._Z5twicei,\"axG\",@progbits,_Z5twicei,comdat\n_Z5twicei.Lfe:"}},
	{name: "redzone", cflags: []string{"-O0"}, opts: fgGOT, wantIn: []string{"\tleaq\t-128(%rsp), %rsp\n\tpushq\t%rbx\n\tmovq\tg@GOTPCREL(%rip), %rbx\n\tmovl\t%eax, (%rbx)\n\tpopq\t%rbx\n\tleaq\t128(%rsp), %rsp\n"}},
	{name: "fpic_newvar", cflags: []string{"-O1", "-fPIC"}, opts: fg, wantIn: []string{"\tmovq\tadded.kpatch@GOTPCREL(%rip), %rdx\n"}},
	{name: "new_extern", cflags: []string{"-O2"}, opts: fg, wantIn: []string{"stderr@GOTPCREL(%rip)", "optind@GOTPCREL(%rip)",
		"environ@GOTPCREL(%rip)", "opterr@GOTPCREL(%rip)", "\taddl\t$1, hits(%rip)\n"}},
	{name: "refuse_var_changed", cflags: []string{"-O0"}, wantErr: "Variables limit (line 2) and limit (line 2) don't match: " +
		"orig.c: the initial value of limit changed; a patch cannot change data the running process already has"},
	{name: "refuse_var_removed", cflags: []string{"-O0"}, wantErr: "Variable spare was removed or changed? Patch requires adoptation: " +
		"orig.c: spare is gone from the patched code; a patch cannot remove a variable"},
	{name: "refuse_var_size", cflags: []string{"-O2"}, wantErr: "Variables origin (line ",
		wantIn: []string{"don't match: orig.c: the size of origin changed from 8 to 12 bytes: its type or struct layout changed, " +
			"and a layout change is not patchable"}},
	{name: "refuse_static_changed", cflags: []string{"-O2"}, wantErr: "Variable seq.0 was removed or changed? Patch requires adoptation: " +
		"orig.c: the initial value of seq (seq.0) changed"},
}

func (c goldenCase) dir() string { return filepath.Join("testdata", c.name) }

// cxx reports a g++ case (sources named *.cc).
func (c goldenCase) cxx() bool {
	_, err := os.Stat(filepath.Join(c.dir(), "orig.cc"))
	return err == nil
}

func (c goldenCase) compiler() string {
	if c.cxx() {
		return "g++"
	}
	return "gcc"
}

// regenerate compiles the sources to orig.s and patched.s; patched.s gets
// the original's .file name, as the user guide's sed does.
func (c goldenCase) regenerate(t *testing.T) {
	t.Helper()
	ext := ".c"
	if c.cxx() {
		ext = ".cc"
	}
	for _, v := range []string{"orig", "patched"} {
		args := append([]string{"-S"}, c.cflags...)
		args = append(args, "-o", v+".s", v+ext)
		testutil.Run(t, c.dir(), c.compiler(), args...)
	}
	p := filepath.Join(c.dir(), "patched.s")
	b := readFile(t, p)
	b = bytes.ReplaceAll(b, []byte(`"patched`+ext+`"`), []byte(`"orig`+ext+`"`))
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parseFile(t testing.TB, p string) *asm.File {
	t.Helper()
	f, err := asm.Parse(p, readFile(t, p))
	if err != nil {
		t.Fatalf("parse %s: %v", p, err)
	}
	return f
}

func TestGolden(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			if *update {
				testutil.MustHaveGCC(t)
				c.regenerate(t)
			}
			f0 := parseFile(t, filepath.Join(c.dir(), "orig.s"))
			f1 := parseFile(t, filepath.Join(c.dir(), "patched.s"))
			got, err := Generate(f0, f1, c.opts)
			if c.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), c.wantErr) {
					t.Fatalf("got error %v, want %q", err, c.wantErr)
				}
				for _, w := range c.wantIn {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("got error %v, want %q in it", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Generate: %v", err)
			}
			want := filepath.Join(c.dir(), "want.s")
			if *update {
				if err := os.WriteFile(want, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if w := readFile(t, want); !bytes.Equal(got, w) {
				t.Errorf("output differs from %s (run with -update after checking):\n%s", want, firstDiff(got, w))
			}
			for _, w := range c.wantIn {
				if !bytes.Contains(got, []byte(w)) {
					t.Errorf("output lacks %q", w)
				}
			}
			if !bytes.Contains(got, []byte("#---------- kpatch begin")) && !bytes.Contains(got, []byte("#---------- new func")) {
				t.Errorf("got no patched function, want at least one")
			}
			checkLinked(t, c, got)
		})
	}
}

// firstDiff describes the first differing line of got and want.
func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d: got %q, want %q", i+1, gl, wl)
		}
	}
	return "(same lines)"
}

// checkLinked assembles and links the output with -Wl,-q (as the manual
// flow does) and checks that every kpatch_info record points at the right
// symbols.
func checkLinked(t *testing.T, c goldenCase, out []byte) {
	t.Helper()
	testutil.MustHaveGCC(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "out.s")
	if err := os.WriteFile(src, out, 0o644); err != nil {
		t.Fatal(err)
	}
	testutil.Run(t, dir, "gcc", "-c", "-o", "out.o", "out.s")
	args := []string{"-o", "out", "out.s", "-Wl,-q"}
	if strings.Contains(strings.Join(c.cflags, " "), "-no-pie") {
		args = append(args, "-no-pie")
	}
	testutil.Run(t, dir, c.compiler(), args...)
	checkInfos(t, filepath.Join(dir, "out"), out)
}

// wantInfos lists, per kpatch_info record, the daddr and saddr symbols
// named in the output text.
func wantInfos(out []byte) [][2]string {
	var recs [][2]string
	lines := strings.Split(string(out), "\n")
	for i, l := range lines {
		if !strings.HasSuffix(l, ".Lpi:") || i+2 >= len(lines) {
			continue
		}
		d := strings.TrimPrefix(lines[i+1], "\t.quad ")
		s := strings.TrimPrefix(lines[i+2], "\t.quad ")
		recs = append(recs, [2]string{d, s})
	}
	return recs
}

func checkInfos(t *testing.T, bin string, out []byte) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, name := range []string{".kpatch.text", ".kpatch.strtab", ".kpatch.info", ".rela.kpatch.info"} {
		if f.Section(name) == nil {
			t.Fatalf("section %s missing in linked output", name)
		}
	}
	want := wantInfos(out)
	info := f.Section(".kpatch.info")
	if got := int(info.Size) / 48; got != len(want) || info.Size%48 != 0 {
		t.Fatalf("got .kpatch.info size %d, want %d records of 48 bytes", info.Size, len(want))
	}
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	rela, err := f.Section(".rela.kpatch.info").Data()
	if err != nil {
		t.Fatal(err)
	}
	named := map[uint64]string{}
	for off := 0; off+24 <= len(rela); off += 24 {
		r := elf.Rela64{Off: binary.LittleEndian.Uint64(rela[off:]), Info: binary.LittleEndian.Uint64(rela[off+8:])}
		if idx := elf.R_SYM64(r.Info); idx > 0 && int(idx) <= len(syms) {
			named[r.Off-info.Addr] = syms[idx-1].Name
		}
	}
	for i, w := range want {
		base := uint64(48 * i)
		if w[0] != "0" && named[base] != w[0] {
			t.Errorf("record %d: got daddr symbol %q, want %q", i, named[base], w[0])
		}
		if named[base+8] != w[1] {
			t.Errorf("record %d: got saddr symbol %q, want %q", i, named[base+8], w[1])
		}
	}
}

// TestIdentity runs every testdata .s against itself: nothing may be
// patched and, without the block markers, the output is the input. For
// g++ output, where upstream moves lone .weak/.hidden lines to the end,
// the lines must be the same as a multiset and the lines of facts §9's
// check (.cold, gnu_unique_object, init_array) in the same order.
func TestIdentity(t *testing.T) {
	files, _ := filepath.Glob("testdata/*/*.s")
	for _, p := range files {
		if strings.HasSuffix(p, "want.s") {
			continue
		}
		t.Run(p, func(t *testing.T) {
			f := parseFile(t, p)
			got, err := Generate(f, f, Options{})
			if err != nil {
				t.Fatalf("Generate: %v", err)
			}
			if bytes.Contains(got, []byte("kpatch begin")) {
				t.Errorf("got a kpatch block for identical inputs, want none")
			}
			var kept []string
			for _, l := range strings.SplitAfter(string(got), "\n") {
				if !strings.HasPrefix(l, "#----------") {
					kept = append(kept, l)
				}
			}
			out, in := strings.Join(kept, ""), string(readFile(t, p))
			_, err = os.Stat(filepath.Join(filepath.Dir(p), "orig.cc"))
			if err != nil {
				if out != in {
					t.Errorf("output without markers differs from input:\n%s", firstDiff([]byte(out), []byte(in)))
				}
				return
			}
			if a, b := sortedLines(out), sortedLines(in); a != b {
				t.Errorf("output lines differ from input lines:\n%s", firstDiff([]byte(a), []byte(b)))
			}
			if a, b := gnuLines(out), gnuLines(in); a != b {
				t.Errorf("g++ specific lines differ:\n%s", firstDiff([]byte(a), []byte(b)))
			}
		})
	}
}

func sortedLines(s string) string {
	l := strings.Split(s, "\n")
	sort.Strings(l)
	return strings.Join(l, "\n")
}

func gnuLines(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, ".cold") || strings.Contains(l, "gnu_unique_object") || strings.Contains(l, "init_array") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestOtherMismatch checks the refusal of differing top-level directives:
// the guide's patched file without its .file line fixed.
func TestOtherMismatch(t *testing.T) {
	f0 := parseFile(t, "testdata/guide/orig.s")
	b := bytes.Replace(readFile(t, "testdata/guide/patched.s"), []byte(`"orig.c"`), []byte(`"patched.c"`), 1)
	f1, err := asm.Parse("patched.s", b)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Generate(f0, f1, Options{})
	if want := "Blocks of type other mismatch 1-1 vs. 1-1"; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
}

func parseBytes(b []byte) (*asm.File, error) { return asm.Parse("fuzz.s", b) }

func init() {
	// The benchmark's compiled inputs live outside testdata.
	cleanups = append(cleanups, func() {
		if large.dir != "" {
			os.RemoveAll(large.dir)
		}
	})
}

var cleanups []func()
