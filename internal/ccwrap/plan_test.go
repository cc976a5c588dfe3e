package ccwrap

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// render turns a plan into one line per step for comparison.
func render(p *Plan) []string {
	if p.Exec != nil {
		if p.Passthrough {
			return []string{"passthrough " + strings.Join(p.Exec, " ")}
		}
		return []string{"exec " + strings.Join(p.Exec, " ")}
	}
	var out []string
	for _, s := range p.Steps {
		switch s.Op {
		case OpRun:
			out = append(out, "run "+strings.Join(s.Argv, " "))
		case OpRename:
			out = append(out, "rename "+s.From+" "+s.To)
		case OpCopy:
			out = append(out, "copy "+s.From+" "+s.To)
		}
	}
	return out
}

func testConfig(stage Stage) *Config {
	return &Config{
		Stage: stage, CC: "gcc", CXX: "g++", KpatchPath: "/kp", Prefix: DefaultPrefix,
		RemoveDebug: true, DbgFilterArgs: splitList(DefaultDbgFilterArgs),
		PatchArgs: splitList(DefaultPatchArgs),
	}
}

func TestPlanOriginal(t *testing.T) {
	tests := []struct {
		name string
		argv string
		want []string
	}{
		{"compile", "cc -c sub/a.c -o sub/a.o", []string{
			"run gcc -S sub/a.c -o sub/.kpatch_a.o.original.s",
			"run gcc -c -x assembler sub/.kpatch_a.o.original.s -o sub/a.o",
		}},
		{"debug removed", "cc -ggdb3 -O2 -g -gdwarf-4 -c a.c", []string{
			"run gcc -O2 -S a.c -o .kpatch_a.o.original.s",
			"run gcc -O2 -c -x assembler .kpatch_a.o.original.s -o a.o",
		}},
		{"separate values", "cc -D X=1 -I inc -c -o a.o a.c", []string{
			"run gcc -D X=1 -I inc -S a.c -o .kpatch_a.o.original.s",
			"run gcc -D X=1 -I inc -c -x assembler .kpatch_a.o.original.s -o a.o",
		}},
		{"deps", "cc -MD -c a.c -o obj/a.o", []string{
			"run gcc -MD -S a.c -o obj/.kpatch_a.o.original.s -MF obj/a.d -MQ obj/a.o",
			"run gcc -c -x assembler obj/.kpatch_a.o.original.s -o obj/a.o",
		}},
		{"automake deps", "cc -MT a.o -MD -MP -MF .deps/a.Tpo -c -o a.o a.c", []string{
			"run gcc -MT a.o -MD -MP -MF .deps/a.Tpo -S a.c -o .kpatch_a.o.original.s",
			"run gcc -c -x assembler .kpatch_a.o.original.s -o a.o",
		}},
		{"stdin", "cc -x c - -c -o s.o", []string{
			"run gcc -x c -S - -o .kpatch_s.o.original.s",
			"run gcc -c -x assembler .kpatch_s.o.original.s -o s.o",
		}},
		{"asm", "cc -S a.c", []string{
			"run gcc -S a.c -o .kpatch_a.s.original.s",
			"copy .kpatch_a.s.original.s a.s",
		}},
		{"cxx default output", "cc -c x.cpp", []string{
			"run g++ -S x.cpp -o .kpatch_x.o.original.s",
			"run g++ -c -x assembler .kpatch_x.o.original.s -o x.o",
		}},
		{"cxx name", "/p/g++ -c x.c", []string{
			"run g++ -S x.c -o .kpatch_x.o.original.s",
			"run g++ -c -x assembler .kpatch_x.o.original.s -o x.o",
		}},
		{"link", "cc -o prog main.c sub/b.c lib.o -lm", []string{
			"run gcc -S main.c -o .kpatch_main.c.original.s",
			"run gcc -S sub/b.c -o sub/.kpatch_b.c.original.s",
			"run gcc -o prog .kpatch_main.c.original.s sub/.kpatch_b.c.original.s lib.o -lm",
		}},
		{"link lang", "cc -x c foo -x none a.o -o p", []string{
			"run gcc -x c -S foo -o .kpatch_foo.original.s",
			"run gcc .kpatch_foo.original.s a.o -o p",
		}},
		{"link deps", "cc -MMD -o out/p.x main.c", []string{
			"run gcc -MMD -S main.c -o .kpatch_main.c.original.s -MF out/p.d -MQ out/p.x",
			"run gcc -MMD -o out/p.x .kpatch_main.c.original.s",
		}},
		{"link deps no output", "cc -MD main.c", []string{
			"run gcc -MD -S main.c -o .kpatch_main.c.original.s -MF a-main.d -MQ main.o",
			"run gcc -MD .kpatch_main.c.original.s",
		}},
		{"link only", "cc -g -o prog a.o b.o", []string{"exec gcc -o prog a.o b.o"}},
		{"passthrough E", "cc -E -g a.c", []string{"passthrough gcc -E -g a.c"}},
		{"passthrough M", "cc -M a.c", []string{"passthrough gcc -M a.c"}},
		{"passthrough version", "cc --version", []string{"passthrough gcc --version"}},
		{"passthrough v", "cc -v", []string{"passthrough gcc -v"}},
		{"passthrough print", "cc -print-prog-name=ld", []string{"passthrough gcc -print-prog-name=ld"}},
		{"passthrough none", "cc -O2", []string{"passthrough gcc -O2"}},
		{"passthrough two", "cc -c a.c b.c", []string{"passthrough gcc -c a.c b.c"}},
		{"passthrough conftest", "cc -c conftest.c -o conftest.o", []string{"passthrough gcc -c conftest.c -o conftest.o"}},
		{"passthrough qemu", "cc -c qemu-conf-x.c", []string{"passthrough gcc -c qemu-conf-x.c"}},
		{"passthrough devnull", "cc -x c -c /dev/null -o x.o", []string{"passthrough gcc -x c -c /dev/null -o x.o"}},
		{"passthrough devnull out", "cc -c a.c -o /dev/null", []string{"passthrough gcc -c a.c -o /dev/null"}},
		{"passthrough asm", "cc -c a.S -o a.o", []string{"passthrough gcc -c a.S -o a.o"}},
		{"passthrough missing value", "cc -c a.c -o", []string{"passthrough gcc -c a.c -o"}},
		{"passthrough cxx", "c++ --version", []string{"passthrough g++ --version"}},
		{"passthrough syntax", "cc -fsyntax-only a.c", []string{"passthrough gcc -fsyntax-only a.c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			p, err := testConfig(StageOriginal).NewPlan(strings.Fields(tt.argv))
			if err != nil {
				t.Fatal(err)
			}
			if got := render(p); !slices.Equal(got, tt.want) {
				t.Errorf("plan of %q:\ngot  %q\nwant %q", tt.argv, got, tt.want)
			}
		})
	}
}

func TestPlanOptions(t *testing.T) {
	t.Chdir(t.TempDir())
	c := testConfig(StageOriginal)
	c.RemoveDebug, c.RemoveArgs = false, []string{"-O2", "-include"}
	c.AppendArgs = []string{"-Wl,-q"}
	p, err := c.NewPlan(strings.Fields("cc -g -O2 -include cfg.h -c a.c"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"run gcc -g -S a.c -o .kpatch_a.o.original.s -Wl,-q",
		"run gcc -g -c -x assembler .kpatch_a.o.original.s -o a.o -Wl,-q",
	}
	if got := render(p); !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	p, err = c.NewPlan(strings.Fields("cc -o prog a.o"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := render(p), []string{"exec gcc -o prog a.o -Wl,-q"}; !slices.Equal(got, want) {
		t.Errorf("link only: got %q, want %q", got, want)
	}
}

func TestPlanAsmDir(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	asmDir := filepath.Join(t.TempDir(), "asm")
	c := testConfig(StageOriginal)
	c.AsmDir = asmDir
	if err := os.Mkdir("sub", 0o755); err != nil {
		t.Fatal(err)
	}
	p, err := c.NewPlan(strings.Fields("cc -c sub/a.c -o sub/a.o"))
	if err != nil {
		t.Fatal(err)
	}
	asm := filepath.Join(asmDir, real, "sub", ".kpatch_a.o.original.s")
	want := []string{
		"run gcc -S sub/a.c -o " + asm,
		"run gcc -c -x assembler " + asm + " -o sub/a.o",
	}
	if got := render(p); !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if fi, err := os.Stat(filepath.Dir(asm)); err != nil || !fi.IsDir() {
		t.Errorf("asm dir %s: got %v, want a directory", filepath.Dir(asm), err)
	}
}

func TestPlanPatched(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.WriteFile(".kpatch_a.o.original.s", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	c := testConfig(StagePatched)
	p, err := c.NewPlan(strings.Fields("cc -c a.c -o a.o"))
	if err != nil {
		t.Fatal(err)
	}
	const gs = "run /kp/kpatch_gensrc "
	want := []string{
		"run gcc -S a.c -o .kpatch_a.o.patched.s",
		gs + "--dbg-filter --dbg-filter-eh-frame --dbg-filter-gcc-except-table --os=rhel6 -i .kpatch_a.o.original.s -o .kpatch_a.o.original.s.tmp",
		"rename .kpatch_a.o.original.s.tmp .kpatch_a.o.original.s",
		gs + "--dbg-filter --dbg-filter-eh-frame --dbg-filter-gcc-except-table --os=rhel6 -i .kpatch_a.o.patched.s -o .kpatch_a.o.patched.s.tmp",
		"rename .kpatch_a.o.patched.s.tmp .kpatch_a.o.patched.s",
		gs + "--force-gotpcrel --os=rhel6 -i .kpatch_a.o.original.s -i .kpatch_a.o.patched.s -o .kpatch_a.o.s.tmp",
		"rename .kpatch_a.o.s.tmp .kpatch_a.o.s",
		"run gcc -c -x assembler .kpatch_a.o.s -o a.o",
	}
	if got := render(p); !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}

	// No original assembly and no filter: the whole file is new code.
	c.DbgFilterArgs = nil
	p, err = c.NewPlan(strings.Fields("cc -S b.c"))
	if err != nil {
		t.Fatal(err)
	}
	want = []string{
		"run gcc -S b.c -o .kpatch_b.s.patched.s",
		gs + "--force-gotpcrel --os=rhel6 -i /dev/null -i .kpatch_b.s.patched.s -o .kpatch_b.s.s.tmp",
		"rename .kpatch_b.s.s.tmp .kpatch_b.s.s",
		"copy .kpatch_b.s.s b.s",
	}
	if got := render(p); !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestPlanGensrcAsm(t *testing.T) {
	t.Chdir(t.TempDir())
	c := testConfig(StageOriginal)
	c.GensrcAsm = true
	tests := []struct {
		argv string
		want []string
	}{
		{"cc -c x.S -o x.o", []string{
			"run gcc -E x.S -o .kpatch_x.o.original.s",
			"run gcc -c -x assembler .kpatch_x.o.original.s -o x.o",
		}},
		{"cc -c y.s", []string{
			"copy y.s .kpatch_y.o.original.s",
			"run gcc -c -x assembler .kpatch_y.o.original.s -o y.o",
		}},
	}
	for _, tt := range tests {
		p, err := c.NewPlan(strings.Fields(tt.argv))
		if err != nil {
			t.Fatal(err)
		}
		if got := render(p); !slices.Equal(got, tt.want) {
			t.Errorf("plan of %q:\ngot  %q\nwant %q", tt.argv, got, tt.want)
		}
	}
}
