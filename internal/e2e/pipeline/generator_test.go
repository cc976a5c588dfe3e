package pipeline

import (
	"flag"
	"fmt"
	"math/rand/v2"
)

var dumpSeed = flag.Uint64("pipeline.dump", 0, "TestDumpSource prints the sources of this seed")

// The generator writes a C program of a few functions f0..fK, each built
// from two body templates; function i only calls functions below i, so
// the call graph has no cycles. Every printed value depends only on the
// iteration number n: mutable state (static locals, globals, TLS) is
// always written before it is read in the same iteration, which makes the
// output of a live-patched process comparable with a freshly started
// patched program.

// tmpl is one body template.
type tmpl int

const (
	tTable tmpl = iota
	tSwitch
	tStruct
	tFnPtr
	tRecur
	tString
	tQsort
	tStatic
	tTLS
	tGlobal
	tVarargs
	tCalls
	tCold      // an unlikely error path: a .cold partition at -O2
	tConstProp // a static helper called with constants: .constprop clones
	tPtr       // a pointer in .data to another variable
	tLeaf      // locals and a store to a global scalar (the red zone at -O0)
	nTmpl
)

var tmplNames = [...]string{"table", "switch", "struct", "fnptr", "recur", "string", "qsort", "static", "tls", "global", "varargs", "calls", "cold", "constprop", "ptr", "leaf"}

// usedConsts is how many of part.c a template uses, so a mutated
// constant always changes the code.
var usedConsts = [...]int{1, 4, 4, 2, 3, 4, 3, 2, 2, 2, 2, 2, 2, 3, 2, 2}

// part is one use of a template inside a function.
type part struct {
	t    tmpl
	c    [4]int // constants
	j, k int    // callees (lower function indexes)
}

// fn is one generated function.
type fn struct {
	idx    int
	static bool
	parts  []part
	decls  []string // file-scope code added before the function (mutations)
	hook   []string // statements added before "return r" (mutations)
}

// program is a generated original or patched program.
type program struct {
	seed    uint64
	cmpDesc bool // cmp_u sorts in descending order
	vsumMul int
	table   [8]int
	scale   int
	bias    int
	names   [4]string
	funcs   []fn
	muts    []string // what the mutation did, for messages
	// libcData is set when the mutation makes new code read a shared
	// library's variable, which ld copies into a program (a copy
	// relocation) unless it is reached through the GOT.
	libcData bool
}

func cst(r *rand.Rand) int { return 3 + r.IntN(95) }

// generate returns the original program of seed.
func generate(seed uint64) *program {
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	p := &program{seed: seed, scale: cst(r), bias: cst(r), vsumMul: 31}
	for i := range p.table {
		p.table[i] = r.IntN(1000)
	}
	words := []string{"alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta", "iota", "kappa"}
	for i := range p.names {
		p.names[i] = words[r.IntN(len(words))] + fmt.Sprint(r.IntN(100))
	}
	n := 4 + r.IntN(4)
	for i := 0; i < n; i++ {
		f := fn{idx: i, static: r.IntN(2) == 0}
		if i > 0 && r.IntN(6) == 0 {
			// A copy of a lower function: identical code folding.
			f.parts = append(f.parts, p.funcs[r.IntN(i)].parts...)
		}
		for len(f.parts) < 2 {
			t := tmpl(r.IntN(int(nTmpl)))
			if (t == tCalls && i < 1) || (t == tFnPtr && i < 2) || (len(f.parts) > 0 && f.parts[0].t == t) {
				continue
			}
			pt := part{t: t, c: [4]int{cst(r), cst(r), cst(r), cst(r)}}
			if i > 0 {
				pt.j, pt.k = r.IntN(i), r.IntN(i)
			}
			if t == tFnPtr && pt.j == pt.k {
				pt.k = (pt.j + 1) % i
			}
			f.parts = append(f.parts, pt)
		}
		p.funcs = append(p.funcs, f)
	}
	return p
}

func (p *program) clone() *program {
	q := *p
	q.funcs = make([]fn, len(p.funcs))
	for i, f := range p.funcs {
		f.parts = append([]part(nil), f.parts...)
		f.decls = append([]string(nil), f.decls...)
		f.hook = append([]string(nil), f.hook...)
		q.funcs[i] = f
	}
	q.muts = append([]string(nil), p.muts...)
	return &q
}

// mutate returns the patched version of p: one or two functions changed
// the ways a source patch does, never an existing variable's initializer.
func (p *program) mutate() *program {
	r := rand.New(rand.NewPCG(p.seed, 0x5851f42d4c957f2d))
	q := p.clone()
	n := 1 + r.IntN(2)
	for range n {
		// Numbered across generations, so names added by a mutation of
		// a mutated program stay unique.
		q.mutateOne(r, len(q.muts))
	}
	return q
}

func (q *program) mutateOne(r *rand.Rand, m int) {
	i := r.IntN(len(q.funcs))
	f := &q.funcs[i]
	id := fmt.Sprintf("%d_%d", i, m)
	c := cst(r)
	kind := r.IntN(12)
	switch kind {
	case 0: // change a constant
		pi := r.IntN(len(f.parts))
		ci := r.IntN(usedConsts[f.parts[pi].t])
		f.parts[pi].c[ci] += 1 + r.IntN(9)
		q.note("f%d: constant %d of %s", i, ci, tmplNames[f.parts[pi].t])
	case 1: // add a statement
		f.hook = append(f.hook, fmt.Sprintf("r += (n & 7) * %du;", c))
		q.note("f%d: added statement", i)
	case 2: // call an existing function
		if i == 0 {
			f.hook = append(f.hook, fmt.Sprintf("r ^= %du;", c))
			q.note("f0: added xor")
			return
		}
		j := r.IntN(i)
		f.hook = append(f.hook, fmt.Sprintf("r += f%d(n ^ %du);", j, c))
		q.note("f%d: calls f%d", i, j)
	case 3: // a new function
		st := "static "
		if r.IntN(2) == 0 {
			st = ""
		}
		f.decls = append(f.decls, fmt.Sprintf("%sunsigned kp_new%s(unsigned x)\n{\n\treturn x * %du + %du;\n}\n", st, id, c, cst(r)))
		f.hook = append(f.hook, fmt.Sprintf("r += kp_new%s(n);", id))
		q.note("f%d: new %sfunction", i, st)
	case 4: // a new variable
		st := "static "
		if r.IntN(2) == 0 {
			st = ""
		}
		f.decls = append(f.decls, fmt.Sprintf("%sunsigned kp_var%s = %du;\n", st, id, c))
		if r.IntN(2) == 0 {
			f.hook = append(f.hook, fmt.Sprintf("r += kp_var%s;", id))
		} else {
			f.hook = append(f.hook, fmt.Sprintf("kp_var%s = n + %du;", id, cst(r)), fmt.Sprintf("r ^= kp_var%s * 3u;", id))
		}
		q.note("f%d: new %svariable", i, st)
	case 5: // a new string literal
		f.hook = append(f.hook, fmt.Sprintf("{ char nb[40]; snprintf(nb, sizeof nb, \"fresh-%s-%%u\", n); r += (unsigned)strlen(nb) * %du + (unsigned char)nb[%d]; }", id, c, r.IntN(6)))
		q.note("f%d: new string literal", i)
	case 6: // change a switch case (or a constant when there is none)
		for pi := range f.parts {
			if f.parts[pi].t == tSwitch {
				f.parts[pi].c[3] += 1 + r.IntN(5)
				q.note("f%d: switch case changed", i)
				return
			}
		}
		f.parts[0].c[0] += 2
		q.note("f%d: constant 0 of %s", i, tmplNames[f.parts[0].t])
	case 7: // a new static local
		f.hook = append(f.hook, fmt.Sprintf("{ static unsigned kp_cnt%s; kp_cnt%s = n * %du; r += kp_cnt%s; }", id, id, c, id))
		q.note("f%d: new static local", i)
	case 8: // a new const table
		f.decls = append(f.decls, fmt.Sprintf("static const unsigned kp_tab%s[4] = { %du, %du, %du, %du };\n", id, c, cst(r), cst(r), cst(r)))
		f.hook = append(f.hook, fmt.Sprintf("r += kp_tab%s[n %% 4u];", id))
		q.note("f%d: new const table", i)
	case 9: // change a shared helper: the qsort comparator or vsum
		switch {
		case q.uses(tQsort) && !q.cmpDesc && (r.IntN(2) == 0 || !q.uses(tVarargs)):
			q.cmpDesc = true
			q.note("cmp_u order changed")
		case q.uses(tVarargs):
			q.vsumMul += 2 + r.IntN(9)
			q.note("vsum multiplier changed")
		default:
			f.hook = append(f.hook, fmt.Sprintf("r -= %du;", c))
			q.note("f%d: added subtraction", i)
		}
	case 10: // a new reference to a libc variable (a copy relocation)
		f.hook = append(f.hook, fmt.Sprintf("r += (unsigned)optind * %du;", c))
		q.note("f%d: reads optind", i)
		q.libcData = true
	case 11: // a new reference to stderr on an unlikely path
		f.hook = append(f.hook, "if (n == 0xffffffffu) {\n\t\tfputs(\"never\\n\", stderr);\n\t\tabort();\n\t}", fmt.Sprintf("r += %du;", c))
		q.note("f%d: uses stderr", i)
		q.libcData = true
	}
}

func (q *program) uses(t tmpl) bool {
	for _, f := range q.funcs {
		for _, pt := range f.parts {
			if pt.t == t {
				return true
			}
		}
	}
	return false
}

func (q *program) note(format string, args ...any) {
	q.muts = append(q.muts, fmt.Sprintf(format, args...))
}
