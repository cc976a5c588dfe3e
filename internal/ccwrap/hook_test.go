package ccwrap

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/testutil"
)

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

// runScript runs the hook's as script as gcc would, with a fake real as
// that records its arguments and standard input.
func runScript(t *testing.T, h *hook, stdin string, args ...string) string {
	t.Helper()
	bin := t.TempDir()
	fake := "#!/bin/sh\nprintf '%s\\n' \"$*\" >" + filepath.Join(bin, "args") + "\ncat >" + filepath.Join(bin, "stdin") + "\n"
	if err := os.WriteFile(filepath.Join(bin, "as"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(h.dir, "as"), args...)
	cmd.Env = append(os.Environ(), "COMPILER_PATH="+h.dir+"/:"+bin)
	cmd.Stdin = strings.NewReader(stdin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("hook %q: %v\n%s", args, err, out)
	}
	got, err := os.ReadFile(filepath.Join(bin, "args"))
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Join(args, " ") + "\n"; string(got) != want {
		t.Errorf("real as got %q, want the hook's arguments %q", got, want)
	}
	in, _ := os.ReadFile(filepath.Join(bin, "stdin"))
	return string(in)
}

// TestHookScript: each run is numbered, kept copies are collected under
// their names, a piped input still reaches the real assembler.
func TestHookScript(t *testing.T) {
	dir := t.TempDir()
	testutil.WriteFile(t, dir, "a.s", "\t.file\t\"a.c\"\n\t.text\n")
	keeps := []Keep{{Asm: filepath.Join(dir, "kept-a.s"), Source: "a.c"}, {Source: "x.s"},
		{Asm: filepath.Join(dir, "kept-b.s"), Source: "sub/b.c"}}
	h, err := newHook(keeps)
	if err != nil {
		t.Fatal(err)
	}
	defer h.remove()
	runScript(t, h, "", "--gdwarf-5", "--64", "-o", "a.o", filepath.Join(dir, "a.s"))
	runScript(t, h, "", "--64", "-I", "inc", "-o", "x.o", filepath.Join(dir, "a.s"))
	piped := "\t.file\t\"b.c\"\n\t.data\n"
	if got := runScript(t, h, piped, "--64", "-o", "b.o"); got != piped {
		t.Errorf("piped input reached as as %q, want %q", got, piped)
	}
	if err := h.collect(); err != nil {
		t.Fatalf("collect: %v", err)
	}
	for f, want := range map[string]string{"kept-a.s": "\t.file\t\"a.c\"\n\t.text\n", "kept-b.s": piped} {
		if b, err := os.ReadFile(filepath.Join(dir, f)); err != nil || string(b) != want {
			t.Errorf("%s: got %q %v, want %q", f, b, err, want)
		}
	}
}

// TestHookNotPlanned: a run whose copy names another source of the line,
// or a missing run, sends libcare-cc to the separate compiles.
func TestHookNotPlanned(t *testing.T) {
	dir := t.TempDir()
	testutil.WriteFile(t, dir, "b.s", "\t.file\t\"b.c\"\n")
	keeps := []Keep{{Asm: filepath.Join(dir, "kept-a.s"), Source: "a.c"}, {Asm: filepath.Join(dir, "kept-b.s"), Source: "b.c"}}
	h, err := newHook(keeps)
	if err != nil {
		t.Fatal(err)
	}
	defer h.remove()
	runScript(t, h, "", "--64", "-o", "a.o", filepath.Join(dir, "b.s"))
	if err := h.collect(); !errors.Is(err, errNotPlanned) {
		t.Errorf("one run of two: got %v, want errNotPlanned", err)
	}
	runScript(t, h, "", "--64", "-o", "b.o", filepath.Join(dir, "b.s"))
	if err := h.collect(); !errors.Is(err, errNotPlanned) || !strings.Contains(err.Error(), "a.c is b.c's") {
		t.Errorf("b.c's assembly for a.c: got %v, want errNotPlanned", err)
	}
	if _, err := os.Stat(keeps[0].Asm); err == nil {
		t.Errorf("kept-a.s: got a file, want none")
	}
}
