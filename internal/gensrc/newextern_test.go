package gensrc

import (
	"strings"
	"testing"
)

func TestRewriteNewExtern(t *testing.T) {
	ext := map[string]bool{"stderr": true, "optind": true, "environ": true, "tab": true, "hook": true}
	tests := []struct {
		name, in, want string // want "" = left as it is
	}{
		{"load", "\tmovq\tstderr(%rip), %rcx", "\tmovq\tstderr@GOTPCREL(%rip), %rcx\n\tmovq\t(%rcx), %rcx"},
		{"load 32", "\tmovl\toptind(%rip), %eax", "\tmovq\toptind@GOTPCREL(%rip), %rax\n\tmovl\t(%rax), %eax"},
		{"load offset first", "\tmovl\t48+tab(%rip), %ecx", "\tmovq\ttab@GOTPCREL(%rip), %rcx\n\tmovl\t48(%rcx), %ecx"},
		{"load offset", "\tmovl\ttab+8(%rip), %r9d", "\tmovq\ttab@GOTPCREL(%rip), %r9\n\tmovl\t8(%r9), %r9d"},
		{"load byte", "\tmovzbl\ttab(%rip), %esi", "\tmovq\ttab@GOTPCREL(%rip), %rsi\n\tmovzbl\t(%rsi), %esi"},
		{"lea", "\tleaq\tenviron(%rip), %rdi", "\tmovq\tenviron@GOTPCREL(%rip), %rdi"},
		{"lea offset", "\tleaq\ttab-16(%rip), %rax", "\tmovq\ttab@GOTPCREL(%rip), %rax\n\tleaq\t-16(%rax), %rax"},
		{"store", "\tmovl\t$0, optind(%rip)", "\tleaq\t-128(%rsp), %rsp\n\tpushq\t%r11\n\tmovq\toptind@GOTPCREL(%rip), %r11\n\tmovl\t$0, (%r11)\n\tpopq\t%r11\n\tleaq\t128(%rsp), %rsp"},
		{"cmp", "\tcmpl\t%edi, optind(%rip)", "\tleaq\t-128(%rsp), %rsp\n\tpushq\t%r11\n\tmovq\toptind@GOTPCREL(%rip), %r11\n\tcmpl\t%edi, (%r11)\n\tpopq\t%r11\n\tleaq\t128(%rsp), %rsp"},
		{"xmm", "\tmovsd\ttab(%rip), %xmm0", "\tleaq\t-128(%rsp), %rsp\n\tpushq\t%r11\n\tmovq\ttab@GOTPCREL(%rip), %r11\n\tmovsd\t(%r11), %xmm0\n\tpopq\t%r11\n\tleaq\t128(%rsp), %rsp"},
		{"lock", "\tlock addl\t$1, optind(%rip)", "\tleaq\t-128(%rsp), %rsp\n\tpushq\t%r11\n\tmovq\toptind@GOTPCREL(%rip), %r11\n\tlock addl\t$1, (%r11)\n\tpopq\t%r11\n\tleaq\t128(%rsp), %rsp"},
		{"indirect call", "\tcall\t*hook(%rip)", "\tmovq\thook@GOTPCREL(%rip), %r11\n\tcall\t*(%r11)"},
		{"immediate", "\tmovl\t$environ, %edi", "\tmovq\tenviron@GOTPCREL(%rip), %rdi"},
		{"high byte", "\tmovb\ttab(%rip), %ah", "\tleaq\t-128(%rsp), %rsp\n\tpushq\t%r11\n\tmovq\ttab@GOTPCREL(%rip), %r11\n\tmovb\t(%r11), %ah\n\tpopq\t%r11\n\tleaq\t128(%rsp), %rsp"},
		{"uses r11", "\tmovl\t%r11d, optind(%rip)", ""},
		{"push", "\tpushq\toptind(%rip)", ""},
		{"stack operand", "\tmovq\t%rsp, optind(%rip)", ""},
		{"other symbol", "\tmovl\thits(%rip), %eax", ""},
		{"already GOT", "\tmovq\tstderr@GOTPCREL(%rip), %rax", ""},
		{"local label", "\tleaq\t.LC0(%rip), %rdi", ""},
		{"directive", "\t.quad\tstderr", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := rewriteNewExtern([]byte(tt.in), ext)
			if tt.want == "" {
				if ok {
					t.Errorf("got %q, want the line left as it is", got)
				}
				return
			}
			if !ok || string(got) != tt.want {
				t.Errorf("got %q (%v), want %q", got, ok, tt.want)
			}
		})
	}
}

func TestSplitInsn(t *testing.T) {
	tests := []struct{ in, mn, ops string }{
		{"\tmovl\t8(%rdi,%rax,4), %eax", "movl", "8(%rdi,%rax,4)|%eax"},
		{"\tret", "ret", ""},
		{"\trep stosq", "rep stosq", ""},
		{"\tlock xaddl\t%eax, cnt(%rip)", "lock xaddl", "%eax|cnt(%rip)"},
		{"\tnotrack jmp\t*%rax", "notrack jmp", "*%rax"},
	}
	for _, tt := range tests {
		mn, ops, ok := splitInsn([]byte(tt.in))
		if !ok || mn != tt.mn || strings.Join(ops, "|") != tt.ops {
			t.Errorf("splitInsn(%q): got %q %q %v, want %q %q", tt.in, mn, ops, ok, tt.mn, tt.ops)
		}
	}
	for _, s := range []string{"\t.long\t1", "foo:", "# comment", ""} {
		if _, _, ok := splitInsn([]byte(s)); ok {
			t.Errorf("splitInsn(%q): got an instruction", s)
		}
	}
}

func TestSplitOffset(t *testing.T) {
	tests := []struct{ in, sym, off string }{
		{"g", "g", ""},
		{"g+8", "g", "8"},
		{"48+g_work", "g_work", "48"},
		{"g-8", "g", "-8"},
		{"8+g+4", "g", "8+4"},
		{"-8+g", "g", "-8"},
		{"a-b", "", ""},
		{"a+b", "", ""},
		{"48", "", ""},
		{"-g", "", ""},
	}
	for _, tt := range tests {
		sym, off, ok := splitOffset(tt.in)
		if ok != (tt.sym != "") || sym != tt.sym || off != tt.off {
			t.Errorf("splitOffset(%q): got %q %q %v, want %q %q", tt.in, sym, off, ok, tt.sym, tt.off)
		}
	}
}
