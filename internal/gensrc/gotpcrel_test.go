package gensrc

import "testing"

func TestRewriteGOTPCREL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"\tmovl\ttotal(%rip), %eax", "\tmovq\ttotal@GOTPCREL(%rip), %rax\n\tmovl\t(%rax), %eax"},
		{"\tmovq\tstderr(%rip), %rdi", "\tmovq\tstderr@GOTPCREL(%rip), %rdi\n\tmovq\t(%rdi), %rdi"},
		{"\tmovzbl\tflag(%rip), %r8d", "\tmovq\tflag@GOTPCREL(%rip), %r8\n\tmovzbl\t(%r8), %r8d"},
		{"\tmovb\tc(%rip), %sil", "\tmovq\tc@GOTPCREL(%rip), %rsi\n\tmovb\t(%rsi), %sil"},
		{"\tmovl\t%edx, hits(%rip)", "\tpushq\t%rax\n\tmovq\thits@GOTPCREL(%rip), %rax\n\tmovl\t%edx, (%rax)\n\tpopq\t%rax"},
		{"\tmovl\t%eax, hits(%rip)", "\tpushq\t%rbx\n\tmovq\thits@GOTPCREL(%rip), %rbx\n\tmovl\t%eax, (%rbx)\n\tpopq\t%rbx"},
		{"\tmovl\t$4, counter(%rip)", "\tpushq\t%rax\n\tmovq\tcounter@GOTPCREL(%rip), %rax\n\tmovl\t$4, (%rax)\n\tpopq\t%rax"},
		{"\tmovq\tstderr@GOTPCREL(%rip), %rax", ""},
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
