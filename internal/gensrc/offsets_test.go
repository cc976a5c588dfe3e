package gensrc

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/asm"
)

const offsetsFunc = "\t.file\t\"layout.c\"\n\t.text\n\t.globl\twidth_of\n\t.type\twidth_of, @function\nwidth_of:\n" +
	"\tmovl\t-4(%%rbp), %%edx\n\tmovl\t%s(%%rdi), %%eax\n\taddl\t%%edx, %%eax\n\tret\n\t.size\twidth_of, .-width_of\n"

func offsetsRun(t *testing.T, orig, patched string) string {
	t.Helper()
	f0, err := asm.Parse("a.s", []byte(orig))
	if err != nil {
		t.Fatal(err)
	}
	f1, err := asm.Parse("b.s", []byte(patched))
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	if _, err := Generate(f0, f1, Options{WarnOffsets: true, Log: &log}); err != nil {
		t.Fatal(err)
	}
	return log.String()
}

// TestWarnOffsets: a function whose only change is the displacement of a
// pointer access is flagged (a struct layout change looks like that);
// other changes, and stack slots, are not.
func TestWarnOffsets(t *testing.T) {
	f := func(disp string) string { return fmt.Sprintf(offsetsFunc, disp) }
	got := offsetsRun(t, f("4"), f("8"))
	want := "warning: layout.c: function width_of changed only in the offsets of its memory accesses (4(%rdi) became 8(%rdi))"
	if !strings.HasPrefix(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	other := strings.Replace(f("8"), "addl", "subl", 1)
	if got := offsetsRun(t, f("4"), other); got != "" {
		t.Errorf("another change too: got %q, want no warning", got)
	}
	stack := strings.Replace(f("4"), "-4(%rbp)", "-8(%rbp)", 1)
	if got := offsetsRun(t, f("4"), stack); got != "" {
		t.Errorf("a stack slot: got %q, want no warning", got)
	}
}
