package pipeline

import (
	"fmt"
	"strings"
	"testing"
)

// This file renders a generated program as C.

const prelude = `#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <unistd.h>

struct pt {
	unsigned a;
	unsigned b;
	unsigned long c;
};

`

// source renders p as C.
func (p *program) source() string {
	var b strings.Builder
	b.WriteString(prelude)
	fmt.Fprintf(&b, "unsigned g_scale = %du;\nstatic unsigned s_bias = %du;\n", p.scale, p.bias)
	fmt.Fprintf(&b, "const unsigned k_table[8] = {")
	for i, v := range p.table {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%du", v)
	}
	b.WriteString("};\nstatic const char *const k_names[4] = {")
	for i, s := range p.names {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", s)
	}
	b.WriteString("};\n__thread unsigned t_acc;\nunsigned g_work[16];\nunsigned g_last;\n\n")
	cmp := "x < y ? -1 : x > y"
	if p.cmpDesc {
		cmp = "x > y ? -1 : x < y"
	}
	fmt.Fprintf(&b, `static int cmp_u(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	return %s;
}

unsigned vsum(int cnt, ...)
{
	va_list ap;
	unsigned s = 0;
	va_start(ap, cnt);
	for (int i = 0; i < cnt; i++)
		s = s * %du + va_arg(ap, unsigned);
	va_end(ap);
	return s;
}

`, cmp, p.vsumMul)
	for i := range p.funcs {
		p.writeFunc(&b, &p.funcs[i])
	}
	b.WriteString("__attribute__((noipa)) void step(unsigned n)\n{\n\tprintf(\"iter %u:\", n);\n")
	for _, f := range p.funcs {
		fmt.Fprintf(&b, "\tprintf(\" %%u\", f%d(n));\n", f.idx)
	}
	b.WriteString("\tputchar('\\n');\n\tfflush(stdout);\n}\n\n")
	b.WriteString(`int main(int argc, char **argv)
{
	/* With an argument: print that many iterations at once, for the
	   expected output; without: run until killed. */
	unsigned count = argc > 1 ? (unsigned)atoi(argv[1]) : 0;
	for (unsigned n = 0; count == 0 || n < count; n++) {
		step(n);
		if (count == 0)
			usleep(20000);
	}
	return 0;
}
`)
	return b.String()
}

func (p *program) writeFunc(b *strings.Builder, f *fn) {
	for pi, pt := range f.parts {
		p.writeHelper(b, f, pi, pt)
	}
	for _, d := range f.decls {
		b.WriteString(d)
		b.WriteString("\n")
	}
	st := ""
	if f.static {
		st = "static "
	}
	fmt.Fprintf(b, "%sunsigned f%d(unsigned n)\n{\n\tunsigned r = %du;\n", st, f.idx, f.idx*7+1)
	for pi, pt := range f.parts {
		p.writeBody(b, f, pi, pt)
	}
	for _, h := range f.hook {
		fmt.Fprintf(b, "\t%s\n", h)
	}
	b.WriteString("\treturn r;\n}\n\n")
}

// writeHelper writes the file-scope helpers a template needs.
func (p *program) writeHelper(b *strings.Builder, f *fn, pi int, pt part) {
	id := fmt.Sprintf("%d_%d", f.idx, pi)
	c := pt.c
	switch pt.t {
	case tStruct:
		fmt.Fprintf(b, "static void adj%s(struct pt *p, unsigned k)\n{\n\tp->a = p->a * %du + k;\n\tp->b ^= p->a >> 3;\n\tp->c += p->b;\n}\n\n", id, c[0])
	case tFnPtr:
		fmt.Fprintf(b, "static unsigned (*const ops%s[2])(unsigned) = { f%d, f%d };\n\n", id, pt.j, pt.k)
	case tConstProp:
		fmt.Fprintf(b, "static __attribute__((noinline)) unsigned cp%s(unsigned x, unsigned k, const unsigned *t)\n{\n\tunsigned s = 0;\n\tfor (unsigned i = 0; i < k; i++)\n\t\ts += t[i & 7u] * x + i;\n\treturn s;\n}\n\n", id)
	case tPtr:
		fmt.Fprintf(b, "unsigned *p_work%s = &g_work[%d];\n\n", id, c[2]%16)
	case tRecur:
		fmt.Fprintf(b, "static unsigned rec%s(unsigned x, int d)\n{\n\tif (d <= 0)\n\t\treturn x;\n\treturn rec%s(x / 2u + %du, d - 1) + (unsigned)d * %du;\n}\n\n", id, id, c[0], c[1])
	}
}

func (p *program) writeBody(b *strings.Builder, f *fn, pi int, pt part) {
	id := fmt.Sprintf("%d_%d", f.idx, pi)
	c := pt.c
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	switch pt.t {
	case tTable:
		w("\tfor (int i = 0; i < 8; i++)\n\t\tr += k_table[i] * (n + (unsigned)i) %% %du;\n", c[0])
	case tSwitch:
		w("\tswitch ((n + %du) %% 8u) {\n", c[0])
		w("\tcase 0: r += %du; break;\n\tcase 1: r ^= n * %du; break;\n", c[1], c[2])
		w("\tcase 2: r += g_scale * n; break;\n\tcase 3: r -= s_bias; break;\n")
		w("\tcase 4: r += k_table[n %% 8u]; break;\n\tcase 5: r *= %du; break;\n", c[3])
		w("\tcase 6: r += %du; break;\n\tdefault: r = ~r; break;\n\t}\n", c[1]+c[2])
	case tStruct:
		w("\t{\n\t\tstruct pt p = { n, %du, %du };\n\t\tadj%s(&p, n & 15u);\n\t\tr += p.a + p.b * %du + (unsigned)p.c;\n\t}\n", c[1], c[2], id, c[3])
	case tFnPtr:
		w("\tr += ops%s[n %% 2u](n + %du) * %du;\n", id, c[0], c[1])
	case tRecur:
		w("\tr += rec%s(n, (int)(n %% 5u) + 1) ^ %du;\n", id, c[2])
	case tString:
		w("\t{\n\t\tchar buf[48];\n\t\tsnprintf(buf, sizeof buf, \"%%s%c%%u\", k_names[n %% 4u], n * %du);\n", "-+:/"[c[3]%4], c[0])
		w("\t\tr += (unsigned)strlen(buf) * %du + (unsigned char)buf[%d];\n\t}\n", c[1], c[2]%4)
	case tQsort:
		w("\t{\n\t\tunsigned a[8];\n\t\tmemcpy(a, k_table, sizeof a);\n")
		w("\t\tfor (int i = 0; i < 8; i++)\n\t\t\ta[i] = (a[i] * (n + %du)) %% 101u;\n", c[0])
		w("\t\tqsort(a, 8, sizeof a[0], cmp_u);\n\t\tr += a[0] + a[7] * %du + a[%d];\n\t}\n", c[1], c[2]%8)
	case tStatic:
		w("\t{\n\t\tstatic unsigned memo;\n\t\tstatic const char *tag = \"tag%s\";\n", id)
		w("\t\tmemo = n * %du + r;\n\t\tr += memo + (unsigned)strlen(tag) * %du;\n\t}\n", c[0], c[1])
	case tTLS:
		w("\tt_acc = n + %du;\n\tfor (unsigned i = 0; i < (n & 3u); i++)\n\t\tt_acc += i * %du;\n\tr += t_acc;\n", c[0], c[1])
	case tGlobal:
		w("\tg_work[n %% 16u] = n * %du;\n\tr += g_work[n %% 16u] + g_scale + s_bias * %du;\n", c[0], c[1])
	case tVarargs:
		w("\tr += vsum(3, n, %du, n ^ %du);\n", c[0], c[1])
	case tCalls:
		w("\tr += f%d(n + %du) ^ (f%d(n) * %du);\n", pt.j, c[0], pt.k, c[1])
	case tCold:
		w("\tif (__builtin_expect(n == 0xfffffff0u - %du, 0)) {\n\t\tfprintf(stderr, \"cold%d: impossible %%u\\n\", n);\n\t\tabort();\n\t}\n", c[3]%16, c[3])
		w("\tr += (n ^ %du) * %du;\n", c[0], c[1])
	case tConstProp:
		w("\tr += cp%s(n, %du, k_table) + cp%s(n + 1u, %du, k_table) * %du;\n", id, c[0]%8+1, id, c[1]%8+1, c[2])
	case tLeaf:
		w("\t{\n\t\tunsigned a = n * %du, b = a + %du;\n\t\tg_last = b;\n\t\tr += a + b + g_last;\n\t}\n", c[0], c[1])
	case tPtr:
		w("\t*p_work%s = n * %du;\n\tr += g_work[%d] + %du;\n", id, c[0], c[2]%16, c[1])
	}
}

// TestDumpSource prints the generated sources of -pipeline.dump=SEED, to
// look at a failing seed by hand.
func TestDumpSource(t *testing.T) {
	if *dumpSeed == 0 {
		t.Skip("no -pipeline.dump seed given")
	}
	p := generate(*dumpSeed)
	q := p.mutate()
	fmt.Printf("/* ---- orig.c ---- */\n%s/* ---- patched.c (%s) ---- */\n%s", p.source(), strings.Join(q.muts, "; "), q.source())
}
