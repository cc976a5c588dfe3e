package ccwrap

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestAsInput(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--gdwarf-5", "--64", "-o", "a.o", "/tmp/cc1.s"}, "/tmp/cc1.s"},
		{[]string{"--64", "-o", "a.o"}, ""},
		{[]string{"--64", "-o", "a.o", "-"}, ""},
		{[]string{"--64", "--noexecstack", "-I", "inc", "-o", "sub/a.o", "a.s"}, "a.s"},
		{[]string{"--64", "--debug-prefix-map", "/b=.", "-o", "x.o", "x.s"}, "x.s"},
		{[]string{"--32", "--defsym", "X=1", "-o", "x.o"}, ""},
	}
	for _, tt := range tests {
		if got := asInput(tt.args); got != tt.want {
			t.Errorf("asInput(%q): got %q, want %q", tt.args, got, tt.want)
		}
	}
}

func TestFileDirective(t *testing.T) {
	tests := []struct{ in, want string }{
		{"\t.file\t\"foo.c\"\n\t.text\n", "foo.c"},
		{"\t.file\t\"<stdin>\"\n", "<stdin>"},
		{"# hand written\n\t.text\nf:\n\tret\n", ""},
		{"\t.file 0 \"/d\" \"foo.c\"\n", ""},
	}
	for _, tt := range tests {
		if got := fileDirective([]byte(tt.in)); got != tt.want {
			t.Errorf("fileDirective(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestHookMismatch: a run whose assembly names another source of the plan
// is not kept and makes the result "not as planned", so libcare-cc
// compiles the assembly separately.
func TestHookMismatch(t *testing.T) {
	dir := t.TempDir()
	keeps := []Keep{{Asm: filepath.Join(dir, "a.s"), Source: "a.c"}, {Asm: filepath.Join(dir, "b.s"), Source: "sub/b.c"}}
	mark, err := keepAsm(keeps[0], keeps, []byte("\t.file\t\"b.c\"\n"))
	if err != nil || mark != markMismatch {
		t.Fatalf("got %q %v, want %q", mark, err, markMismatch)
	}
	if _, err := os.Stat(keeps[0].Asm); err == nil {
		t.Errorf("a.s: got a file, want none")
	}
	mark, err = keepAsm(keeps[1], keeps, []byte("\t.file\t\"b.c\"\n\t.text\n"))
	if err != nil || mark != markKept {
		t.Fatalf("got %q %v, want %q", mark, err, markKept)
	}
	if b, _ := os.ReadFile(keeps[1].Asm); !strings.Contains(string(b), ".text") {
		t.Errorf("b.s: got %q", b)
	}
	h := &hook{dir: dir, keeps: keeps}
	for n, m := range []string{markKept, markMismatch} {
		if err := writeMark(dir, n, m); err != nil {
			t.Fatal(err)
		}
	}
	if runs, ok := h.result(); runs != 2 || ok {
		t.Errorf("result: got %d %v, want 2 false", runs, ok)
	}
	if err := writeMark(dir, 1, markKept); err != nil {
		t.Fatal(err)
	}
	if runs, ok := h.result(); runs != 2 || !ok {
		t.Errorf("result: got %d %v, want 2 true", runs, ok)
	}
	plan, err := readPlan(mustHook(t, keeps).dir)
	if err != nil || !slices.EqualFunc(plan, keeps, func(a, b Keep) bool { return a.Asm == b.Asm && a.Source == b.Source }) {
		t.Errorf("readPlan: got %v %v, want %v", plan, err, keeps)
	}
}

func mustHook(t *testing.T, keeps []Keep) *hook {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	h, err := newHook(self, keeps)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.remove)
	if fi, err := os.Lstat(filepath.Join(h.dir, "as")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("hook dir: got %v, want an as link", err)
	}
	return h
}
