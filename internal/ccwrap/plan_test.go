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
		case OpHook:
			out = append(out, "hook "+strings.Join(s.Argv, " "))
			for _, k := range s.Keeps {
				line := "keep " + k.Source + " " + cmp(k.Asm, "-")
				if k.Fallback != nil {
					line += " (or " + strings.Join(k.Fallback, " ") + ")"
				}
				out = append(out, line)
			}
		case OpLayout:
			out = append(out, "layout "+s.From+" "+s.To+" by "+strings.Join(s.Argv, " "))
		case OpCheck:
			var srcs []string
			for _, k := range s.Keeps {
				srcs = append(srcs, k.Source)
			}
			out = append(out, "check "+s.From+" "+strings.Join(srcs, " "))
		}
	}
	return out
}

func testConfig(stage Stage) *Config {
	return &Config{
		Stage: stage, CC: "gcc", CXX: "g++", KpatchPath: "/kp", Prefix: DefaultPrefix,
		DbgFilterArgs: splitList(DefaultDbgFilterArgs),
		PatchArgs:     splitList(DefaultPatchArgs),
	}
}

func TestPlanOriginal(t *testing.T) {
	const a = "keep a.c .kpatch_a.o.original.s (or gcc "
	tests := []struct {
		name string
		argv string
		want []string
	}{
		{"compile", "cc -c sub/a.c -o sub/a.o", []string{
			"hook gcc -c sub/a.c -o sub/a.o",
			"keep sub/a.c sub/.kpatch_a.o.original.s (or gcc -S sub/a.c -o sub/.kpatch_a.o.original.s)",
		}},
		{"debug kept", "cc -ggdb3 -O2 -g -gdwarf-4 -c a.c", []string{
			"hook gcc -ggdb3 -O2 -g -gdwarf-4 -c a.c",
			a + "-ggdb3 -O2 -g -gdwarf-4 -S a.c -o .kpatch_a.o.original.s)",
		}},
		{"separate values", "cc -D X=1 -I inc -c -o a.o a.c", []string{
			"hook gcc -D X=1 -I inc -c -o a.o a.c",
			a + "-D X=1 -I inc -S a.c -o .kpatch_a.o.original.s)",
		}},
		{"deps", "cc -MD -c a.c -o obj/a.o", []string{
			"hook gcc -MD -c a.c -o obj/a.o",
			"keep a.c obj/.kpatch_a.o.original.s (or gcc -S a.c -o obj/.kpatch_a.o.original.s)",
		}},
		{"automake deps", "cc -MT a.o -MD -MP -MF .deps/a.Tpo -c -o a.o a.c", []string{
			"hook gcc -MT a.o -MD -MP -MF .deps/a.Tpo -c -o a.o a.c",
			a + "-S a.c -o .kpatch_a.o.original.s)",
		}},
		{"save-temps pipe", "cc -save-temps -pipe -c a.c", []string{
			"hook gcc -save-temps -pipe -c a.c",
			a + "-pipe -S a.c -o .kpatch_a.o.original.s)",
		}},
		{"stdin", "cc -x c - -c -o s.o", []string{
			"hook gcc -x c - -c -o s.o",
			"keep - .kpatch_s.o.original.s (or gcc -x c -S - -o .kpatch_s.o.original.s)",
		}},
		{"several", "cc -c a.c sub/b.c x.s", []string{
			"hook gcc -c a.c sub/b.c x.s",
			a + "-S a.c -o .kpatch_a.o.original.s)",
			"keep sub/b.c .kpatch_b.o.original.s (or gcc -S sub/b.c -o .kpatch_b.o.original.s)",
			"keep x.s -",
		}},
		{"asm", "cc -S a.c", []string{"run gcc -S a.c", "copy a.s .kpatch_a.s.original.s"}},
		{"asm output", "cc -S a.c -o out/x.s", []string{"run gcc -S a.c -o out/x.s", "copy out/x.s out/.kpatch_x.s.original.s"}},
		{"cxx default output", "cc -c x.cpp", []string{
			"hook gcc -c x.cpp",
			"keep x.cpp .kpatch_x.o.original.s (or g++ -S x.cpp -o .kpatch_x.o.original.s)",
		}},
		{"cxx name", "/p/g++ -c x.c", []string{
			"hook g++ -c x.c",
			"keep x.c .kpatch_x.o.original.s (or g++ -S x.c -o .kpatch_x.o.original.s)",
		}},
		{"link", "cc -o prog main.c sub/b.c lib.o -lm -Wl,-z,now", []string{
			"hook gcc -o prog main.c sub/b.c lib.o -lm -Wl,-z,now",
			"keep main.c .kpatch_main.c.original.s (or gcc -S main.c -o .kpatch_main.c.original.s)",
			"keep sub/b.c sub/.kpatch_b.c.original.s (or gcc -S sub/b.c -o sub/.kpatch_b.c.original.s)",
		}},
		{"link lang", "cc -x c foo -x none a.o -o p", []string{
			"hook gcc -x c foo -x none a.o -o p",
			"keep foo .kpatch_foo.original.s (or gcc -x c -S foo -o .kpatch_foo.original.s)",
		}},
		{"link deps", "cc -MMD -o out/p.x main.c", []string{
			"hook gcc -MMD -o out/p.x main.c",
			"keep main.c .kpatch_main.c.original.s (or gcc -S main.c -o .kpatch_main.c.original.s)",
		}},
		{"link only", "cc -g -o prog a.o b.o", []string{"exec gcc -g -o prog a.o b.o"}},
		{"passthrough E", "cc -E -g a.c", []string{"passthrough gcc -E -g a.c"}},
		{"passthrough M", "cc -M a.c", []string{"passthrough gcc -M a.c"}},
		{"passthrough version", "cc --version", []string{"passthrough gcc --version"}},
		{"passthrough v", "cc -v", []string{"passthrough gcc -v"}},
		{"passthrough print", "cc -print-prog-name=ld", []string{"passthrough gcc -print-prog-name=ld"}},
		{"passthrough none", "cc -O2", []string{"passthrough gcc -O2"}},
		{"passthrough two with -o", "cc -c a.c b.c -o x.o", []string{"passthrough gcc -c a.c b.c -o x.o"}},
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

// TestPlanLTO: -flto is refused at the first compile, naming the sources;
// -fno-lto after it, a link of objects and the configure stage pass.
func TestPlanLTO(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, stage := range []Stage{StageOriginal, StagePatched} {
		for _, argv := range []string{"cc -O2 -flto -c a.c", "cc -flto=auto -o p a.c b.o", "cc -fno-lto -flto=4 -c a.c"} {
			_, err := testConfig(stage).NewPlan(strings.Fields(argv))
			if err == nil || !strings.HasPrefix(err.Error(), "a.c: LTO is not supported by live patching: build with -fno-lto") {
				t.Errorf("%s: %q: got %v, want the LTO refusal naming a.c", stage, argv, err)
			}
		}
	}
	for _, argv := range []string{"cc -flto -fno-lto -c a.c", "cc -flto -o p a.o b.o", "cc -flto -E a.c"} {
		if _, err := testConfig(StageOriginal).NewPlan(strings.Fields(argv)); err != nil {
			t.Errorf("%q: got %v, want no refusal", argv, err)
		}
	}
	if _, err := testConfig(StageConfigure).NewPlan(strings.Fields("cc -flto -c a.c")); err != nil {
		t.Errorf("configure stage: got %v, want a passthrough", err)
	}
}

func TestPlanOptions(t *testing.T) {
	t.Chdir(t.TempDir())
	c := testConfig(StageOriginal)
	c.RemoveArgs = []string{"-O2", "-include"}
	c.AppendArgs = []string{"-Wl,-q"}
	p, err := c.NewPlan(strings.Fields("cc -g -O2 -include cfg.h -c a.c"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"hook gcc -g -c a.c -Wl,-q",
		"keep a.c .kpatch_a.o.original.s (or gcc -g -S a.c -o .kpatch_a.o.original.s)",
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
		"hook gcc -c sub/a.c -o sub/a.o",
		"keep sub/a.c " + asm + " (or gcc -S sub/a.c -o " + asm + ")",
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
		"layout .kpatch_a.o.original.s .kpatch_a.o.patched.s by gcc -c -x assembler",
		gs + "--dbg-filter --dbg-filter-eh-frame --dbg-filter-gcc-except-table --os=rhel6 -i .kpatch_a.o.original.s -o .kpatch_a.o.original.s.tmp",
		"rename .kpatch_a.o.original.s.tmp .kpatch_a.o.original.s",
		gs + "--dbg-filter --dbg-filter-eh-frame --dbg-filter-gcc-except-table --os=rhel6 -i .kpatch_a.o.patched.s -o .kpatch_a.o.patched.s.tmp",
		"rename .kpatch_a.o.patched.s.tmp .kpatch_a.o.patched.s",
		gs + "--force-gotpcrel --os=rhel6 -i .kpatch_a.o.original.s -i .kpatch_a.o.patched.s -o .kpatch_a.o.s.tmp",
		"rename .kpatch_a.o.s.tmp .kpatch_a.o.s",
		"run gcc -c -x assembler .kpatch_a.o.s -o a.o",
		"check a.o a.c",
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
			"hook gcc -c x.S -o x.o",
			"keep x.S .kpatch_x.o.original.s (or gcc -E x.S -o .kpatch_x.o.original.s)",
		}},
		{"cc -c y.s", []string{"hook gcc -c y.s", "keep y.s .kpatch_y.o.original.s"}},
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

// TestPlanPatchedSeveral: each input of a multi-source -c goes its own
// way in the patched stage, named after its object.
func TestPlanPatchedSeveral(t *testing.T) {
	t.Chdir(t.TempDir())
	c := testConfig(StagePatched)
	c.DbgFilterArgs = nil
	p, err := c.NewPlan(strings.Fields("cc -O2 -c a.c sub/b.c x.s"))
	if err != nil {
		t.Fatal(err)
	}
	const gs = "run /kp/kpatch_gensrc --force-gotpcrel --os=rhel6 -i /dev/null "
	want := []string{
		"run gcc -O2 -S a.c -o .kpatch_a.o.patched.s",
		gs + "-i .kpatch_a.o.patched.s -o .kpatch_a.o.s.tmp",
		"rename .kpatch_a.o.s.tmp .kpatch_a.o.s",
		"run gcc -O2 -c -x assembler .kpatch_a.o.s -o a.o",
		"check a.o a.c",
		"run gcc -O2 -S sub/b.c -o .kpatch_b.o.patched.s",
		gs + "-i .kpatch_b.o.patched.s -o .kpatch_b.o.s.tmp",
		"rename .kpatch_b.o.s.tmp .kpatch_b.o.s",
		"run gcc -O2 -c -x assembler .kpatch_b.o.s -o b.o",
		"check b.o sub/b.c",
		"run gcc -O2 -c x.s",
	}
	if got := render(p); !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
