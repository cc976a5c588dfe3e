package ccwrap

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/testutil"
)

const mainName = `MAIN_NAME="main"`

func TestOriginalCompile(t *testing.T) {
	tc := newCCTest(t)
	tc.mustCC("original", nil, "-c", "sub/bar.c", "-o", "sub/bar.o")
	tc.mustCC("original", nil, "-O2", "-c", "foo.c")
	tc.mustExist("sub/bar.o", "sub/.kpatch_bar.o.original.s", "foo.o", ".kpatch_foo.o.original.s")
	if s := tc.read(".kpatch_foo.o.original.s"); !strings.Contains(s, "foo:") || !strings.Contains(s, "report:") {
		t.Errorf(".kpatch_foo.o.original.s: got no foo: and report: labels in\n%s", s)
	}
	f, err := elf.Open(tc.path("foo.o"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Type != elf.ET_REL {
		t.Errorf("foo.o type: got %v, want ET_REL", f.Type)
	}
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(syms, func(s elf.Symbol) bool { return s.Name == "foo" }) {
		t.Errorf("foo.o: got no symbol foo, want one")
	}
}

func TestOriginalLink(t *testing.T) {
	tc := newCCTest(t)
	tc.mustCC("original", nil, "-D", mainName, "-o", "prog", "main.c", "foo.c", "sub/bar.c")
	want := []string{".kpatch_foo.c.original.s", ".kpatch_main.c.original.s", "sub/.kpatch_bar.c.original.s"}
	if got := tc.asmFiles(); !slices.Equal(got, want) {
		t.Errorf("asm files: got %q, want %q", got, want)
	}
	out, err := exec.Command(tc.path("prog")).Output()
	if err != nil {
		t.Fatalf("run prog: %v", err)
	}
	if want := "main: foo(1)=2 counter=2\nbar=42\n"; string(out) != want {
		t.Errorf("prog output: got %q, want %q", out, want)
	}
}

func TestAsmOutput(t *testing.T) {
	tc := newCCTest(t)
	tc.mustCC("original", nil, "-S", "foo.c")
	tc.mustExist("foo.s", ".kpatch_foo.s.original.s")
	if got, want := tc.read("foo.s"), tc.read(".kpatch_foo.s.original.s"); got != want {
		t.Errorf("foo.s differs from .kpatch_foo.s.original.s")
	}
}

func TestCXX(t *testing.T) {
	tc := newCCTest(t)
	if _, err := exec.LookPath("g++"); err != nil {
		t.Skipf("skipping test: g++ unavailable: %v", err)
	}
	tc.mustCC("original", nil, "-c", "hello.cpp")
	tc.mustExist("hello.o", ".kpatch_hello.o.original.s")
	tc.mustCC("original", nil, "-o", "hello", "hello.o")
	out, err := exec.Command(tc.path("hello")).Output()
	if err != nil || string(out) != "hello from c++\n" {
		t.Errorf("hello: got %q, %v, want %q", out, err, "hello from c++\n")
	}
}

// TestCXXCompileAndLink: one g++ command that compiles and links C++
// must still link libstdc++ after its source is replaced by assembly.
func TestCXXCompileAndLink(t *testing.T) {
	tc := newCCTest(t)
	if _, err := exec.LookPath("g++"); err != nil {
		t.Skipf("skipping test: g++ unavailable: %v", err)
	}
	testutil.Tool(t, "kpatch_gensrc") // the patched stage runs it from libcare-cc's directory
	gxx := filepath.Join(t.TempDir(), "g++")
	if err := os.Symlink(tc.tool, gxx); err != nil {
		t.Fatal(err)
	}
	for _, stage := range []string{"original", "patched"} {
		r := tc.command(gxx, []string{"KPATCH_STAGE=" + stage}, "-o", "strings", "strings.cpp")
		if r.code != 0 {
			t.Fatalf("%s: g++ -o strings strings.cpp: exit status %d\n%s%s", stage, r.code, r.stdout, r.stderr)
		}
		out, err := exec.Command(tc.path("strings")).Output()
		if want := "hello from libstdc++\n"; err != nil || string(out) != want {
			t.Errorf("%s: strings: got %q, %v, want %q", stage, out, err, want)
		}
	}
}

func TestPassthrough(t *testing.T) {
	tc := newCCTest(t)
	tests := []struct {
		name  string
		stage string
		args  []string
	}{
		{"preprocess", "original", []string{"-E", "-D", mainName, "main.c"}},
		{"deps only", "original", []string{"-M", "main.c"}},
		{"version", "original", []string{"--version"}},
		{"print prog", "patched", []string{"-print-prog-name=ld"}},
		{"configure stage", "configure", []string{"-c", "foo.c", "-o", "foo.o"}},
		{"conftest", "original", []string{"-E", "conftest.c"}},
		{"dev null", "original", []string{"-x", "c", "-c", "/dev/null", "-o", "null.o"}},
		{"two inputs and -o", "original", []string{"-c", "foo.c", "sub/bar.c", "-o", "x.o"}},
	}
	if err := os.WriteFile(tc.path("conftest.c"), []byte("int x = __LINE__;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tc.cc(tt.stage, []string{"KPCC_DEBUG=1"}, tt.args...)
			want := tc.gcc(tt.args...)
			if got.code != want.code || got.stdout != want.stdout {
				t.Errorf("got status %d stdout %q, want %d %q", got.code, got.stdout, want.code, want.stdout)
			}
			if !strings.Contains(got.stderr, "libcare-cc: passthrough") {
				t.Errorf("stderr: got %q, want a passthrough line", got.stderr)
			}
			if files := tc.asmFiles(); len(files) != 0 {
				t.Errorf("asm files: got %q, want none", files)
			}
		})
	}
}

// TestDebugOptionsKept: -g and friends stay (design §3.8); only an
// explicit KPCC_REMOVE_ARGS drops an option.
func TestDebugOptionsKept(t *testing.T) {
	tc := newCCTest(t)
	tc.mustCC("original", nil, "-ggdb3", "-gdwarf-4", "-c", "foo.c", "-o", "debug.o")
	if secs := tc.sections("debug.o"); !secs[".debug_info"] || !secs[".debug_macro"] {
		t.Errorf("debug.o: got no .debug_info/.debug_macro, want -ggdb3 kept")
	}
	if s := tc.read(".kpatch_debug.o.original.s"); !strings.Contains(s, ".loc ") {
		t.Errorf("asm: got no .loc lines, want the debug information kept")
	}
	tc.mustCC("original", []string{"KPCC_REMOVE_ARGS=-g"}, "-g", "-c", "foo.c", "-o", "nodebug.o")
	if secs := tc.sections("nodebug.o"); secs[".debug_info"] {
		t.Errorf("nodebug.o: got .debug_info, want -g removed by KPCC_REMOVE_ARGS")
	}
}

func TestFailingCompile(t *testing.T) {
	tc := newCCTest(t)
	got := tc.cc("original", nil, "-c", "broken.c", "-o", "broken.o")
	want := tc.gcc("-c", "broken.c", "-o", "broken.o")
	if got.code == 0 || got.code != want.code {
		t.Errorf("exit status: got %d, want gcc's %d (non-zero)", got.code, want.code)
	}
	if !strings.Contains(got.stderr, "no_such_variable") || !strings.Contains(got.stderr, "error:") {
		t.Errorf("stderr: got %q, want gcc's error", got.stderr)
	}
	if _, err := os.Stat(tc.path("broken.o")); err == nil {
		t.Errorf("broken.o: got a file, want none")
	}
}

func TestDebugOutput(t *testing.T) {
	tc := newCCTest(t)
	r := tc.mustCC("original", []string{"KPCC_DEBUG=1"}, "-c", "foo.c")
	lines := strings.Count(r.stderr, "libcare-cc: run")
	if lines != 1 || !strings.Contains(r.stderr, "gcc -c foo.c\n") {
		t.Errorf("stderr: got %d run lines, want 1, the command as given:\n%s", lines, r.stderr)
	}
}

func TestDependencyFile(t *testing.T) {
	tc := newCCTest(t)
	if err := os.Mkdir(tc.path("obj"), 0o755); err != nil {
		t.Fatal(err)
	}
	tc.mustCC("original", nil, "-MD", "-c", "sub/bar.c", "-o", "obj/bar.o")
	d := tc.read("obj/bar.d")
	if !strings.HasPrefix(d, "obj/bar.o:") || !strings.Contains(d, "foo.h") {
		t.Errorf("obj/bar.d: got %q, want a rule for obj/bar.o naming foo.h", d)
	}
}

func TestFatalErrors(t *testing.T) {
	tc := newCCTest(t)
	for _, stage := range []string{"", "final"} {
		r := tc.cc(stage, nil, "-c", "foo.c")
		if r.code != ExitFatal || !strings.HasPrefix(r.stderr, "libcare-cc: wrong KPATCH_STAGE") {
			t.Errorf("stage %q: got %d %q, want %d and a libcare-cc: error", stage, r.code, r.stderr, ExitFatal)
		}
	}
}

// TestPrivatePath runs libcare-cc as "gcc" and "cc" from a directory that is
// first on PATH, as libcare-patch-make does: the real gcc must still be found.
func TestPrivatePath(t *testing.T) {
	tc := newCCTest(t)
	bin := t.TempDir()
	for _, n := range []string{"gcc", "cc"} {
		if err := os.Symlink(tc.tool, filepath.Join(bin, n)); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{"KPATCH_STAGE=original", "KPCC_DEBUG=1", "PATH=" + bin + ":" + os.Getenv("PATH")}
	r := tc.command(filepath.Join(bin, "cc"), env, "-c", "foo.c")
	if r.code != 0 {
		t.Fatalf("cc -c foo.c: exit status %d\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, bin) {
		t.Errorf("stderr: got commands run from %s, want the real gcc:\n%s", bin, r.stderr)
	}
	r = tc.command(filepath.Join(bin, "gcc"), env, "--version")
	if want := tc.gcc("--version"); r.code != 0 || r.stdout != want.stdout {
		t.Errorf("gcc --version: got %d %q, want 0 %q", r.code, r.stdout, want.stdout)
	}
}

// TestExecLoop: a compiler wrapper that runs "gcc" from PATH finds
// libcare-cc again; libcare-cc must stop instead of looping.
func TestExecLoop(t *testing.T) {
	tc := newCCTest(t)
	bin, wrap := t.TempDir(), t.TempDir()
	if err := os.Symlink(tc.tool, filepath.Join(bin, "gcc")); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\nexec gcc \"$@\"\n"
	if err := os.WriteFile(filepath.Join(wrap, "gcc"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	env := []string{"KPATCH_STAGE=original", "PATH=" + bin + ":" + wrap + ":" + os.Getenv("PATH")}
	r := tc.command(filepath.Join(bin, "gcc"), env, "-c", "foo.c")
	if r.code != ExitFatal || !strings.Contains(r.stderr, "exec loop") {
		t.Errorf("got %d %q, want %d and an exec loop error", r.code, r.stderr, ExitFatal)
	}
}
