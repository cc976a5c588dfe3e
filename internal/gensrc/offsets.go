package gensrc

import (
	"fmt"

	"github.com/golibcare/golibcare/internal/asm"
)

// A struct layout change reaches a function as other displacements in its
// memory operands and nothing else. So does a fix that reads another
// member, so without debug information this is a warning, not a refusal
// (with -g, libcare-cc compares the layouts themselves).

// offsetsOnly reports whether b0 and b1 differ only in the displacement of
// memory operands based on a register other than %rsp, %rbp and %rip, and
// returns the first such pair ("4(%rdi)", "8(%rdi)").
func offsetsOnly(b0, b1 *blk) (was, now string, ok bool) {
	f0, f1 := b0.fs.f, b1.fs.f
	i0, i1 := b0.Start, b1.Start
	for ; ; i0, i1 = i0+1, i1+1 {
		i0, i1 = skip(b0, i0), skip(b1, i1)
		if i0 >= b0.End || i1 >= b1.End {
			break
		}
		s0, s1 := f0.Stmt(i0), f1.Stmt(i1)
		if !differ(b0.fs.ren, b1.fs.ren, s0, s1) {
			continue
		}
		w, n, same := displacementDiff(b0.fs.ren, b1.fs.ren, s0, s1)
		if !same {
			return "", "", false
		}
		if was == "" {
			was, now = w, n
		}
	}
	return was, now, was != "" && i0 >= b0.End && i1 >= b1.End
}

// displacementDiff compares two statements token by token; they may
// differ only in numbers directly before "(%reg" with reg a pointer
// register.
func displacementDiff(r0, r1 renames, s0, s1 []byte) (was, now string, ok bool) {
	t0, t1 := allTokens(s0), allTokens(s1)
	if len(t0) != len(t1) {
		return "", "", false
	}
	for i := range t0 {
		if !differ(r0, r1, t0[i], t1[i]) {
			continue
		}
		if i+2 >= len(t0) || string(t0[i+1]) != "(" || string(t1[i+1]) != "(" || !isDigit(t0[i][0]) || !isDigit(t1[i][0]) {
			return "", "", false
		}
		switch reg := string(t0[i+2]); reg {
		case "%rsp", "%rbp", "%rip", "%esp", "%ebp":
			return "", "", false
		default:
			if was == "" {
				was, now = string(t0[i])+"("+reg+")", string(t1[i])+"("+reg+")"
			}
		}
	}
	return was, now, true
}

func allTokens(s []byte) [][]byte {
	var out [][]byte
	for p := 0; p >= 0; {
		var t []byte
		if t, p = asm.NextToken(s, p); len(t) > 0 {
			out = append(out, t)
		}
	}
	return out
}

// warnOffsets warns about a changed function that only accesses memory
// at other offsets (Options.WarnOffsets).
func (g *gen) warnOffsets(b0, b1 *blk) {
	if !g.opts.WarnOffsets || g.opts.Log == nil {
		return
	}
	if was, now, ok := offsetsOnly(b0, b1); ok {
		fmt.Fprintf(g.opts.Log, "warning: %s: function %s changed only in the offsets of its memory accesses (%s became %s): "+
			"if a struct layout changed, the patch is not safe (build with -g to let libcare-cc compare the layouts)\n",
			g.source(), b1.Human, was, now)
	}
}
