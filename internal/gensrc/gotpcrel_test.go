package gensrc

import (
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/testutil"
)

func TestRewriteGOTPCREL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"\tmovl\ttotal(%rip), %eax", "\tmovq\ttotal@GOTPCREL(%rip), %rax\n\tmovl\t(%rax), %eax"},
		{"\tmovq\tstderr(%rip), %rdi", "\tmovq\tstderr@GOTPCREL(%rip), %rdi\n\tmovq\t(%rdi), %rdi"},
		{"\tmovzbl\tflag(%rip), %r8d", "\tmovq\tflag@GOTPCREL(%rip), %r8\n\tmovzbl\t(%r8), %r8d"},
		{"\tmovb\tc(%rip), %sil", "\tmovq\tc@GOTPCREL(%rip), %rsi\n\tmovb\t(%rsi), %sil"},
		{"\tmovl\t%edx, hits(%rip)", "\tleaq\t-128(%rsp), %rsp\n\tpushq\t%rax\n\tmovq\thits@GOTPCREL(%rip), %rax\n\tmovl\t%edx, (%rax)\n\tpopq\t%rax\n\tleaq\t128(%rsp), %rsp"},
		{"\tmovl\t%eax, hits(%rip)", "\tleaq\t-128(%rsp), %rsp\n\tpushq\t%rbx\n\tmovq\thits@GOTPCREL(%rip), %rbx\n\tmovl\t%eax, (%rbx)\n\tpopq\t%rbx\n\tleaq\t128(%rsp), %rsp"},
		{"\tmovl\t$4, counter(%rip)", "\tleaq\t-128(%rsp), %rsp\n\tpushq\t%rax\n\tmovq\tcounter@GOTPCREL(%rip), %rax\n\tmovl\t$4, (%rax)\n\tpopq\t%rax\n\tleaq\t128(%rsp), %rsp"},
		{"\tmovq\tstderr@GOTPCREL(%rip), %rax", ""},
		{"\tmovq\t%rsp, top(%rip)", ""},
		{"\tmovl\t.LC0(%rip), %eax", ""},
		{"\tmovsd\tval(%rip), %xmm0", ""},
		{"\tleaq\tx(%rip), %rax", ""},
		{"\tmovl\t%eax, %edx", ""},
	}
	for _, tt := range tests {
		got, ok := rewriteGOTPCREL([]byte(tt.in))
		if tt.want == "" {
			if ok {
				t.Errorf("%q: got %q, want no rewrite", tt.in, got)
			}
			continue
		}
		if string(got) != tt.want {
			t.Errorf("%q: got %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestGOTPCRELRedZone runs the patched copy of a -O0 leaf function whose
// store to a global --force-gotpcrel rewrites: upstream's bare push of the
// scratch register overwrote the function's locals in the red zone, so
// f.kpatch(5) returned 34 instead of 32.
func TestGOTPCRELRedZone(t *testing.T) {
	testutil.MustHaveGCC(t)
	f0 := parseFile(t, "testdata/redzone/orig.s")
	f1 := parseFile(t, "testdata/redzone/patched.s")
	out, err := Generate(f0, f1, fgGOT)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	dir := t.TempDir()
	// The harness brings its own main.
	testutil.WriteFile(t, dir, "out.s", strings.ReplaceAll(string(out), "main", "orig_main"))
	testutil.WriteFile(t, dir, "main.c", `#include <stdio.h>
extern unsigned g;
extern unsigned fk(unsigned) __asm__("f.kpatch");
int main(void) { unsigned r = fk(5); printf("%u %u\n", r, g); return 0; }
`)
	testutil.Run(t, dir, "gcc", "-o", "t", "out.s", "main.c")
	if got, want := testutil.Run(t, dir, "./t"), "32 17\n"; got != want {
		t.Errorf("f.kpatch(5), g: got %q, want %q", got, want)
	}
}
