package gensrc

import (
	"bytes"
	"strings"

	"github.com/golibcare/golibcare/internal/asm"
)

const (
	ripSuffix      = "(%rip)"
	gotpcrelSuffix = "@GOTPCREL(%rip)"
	gottpoffSuffix = "@GOTTPOFF(%rip)"
)

func hasSuffixFold(t []byte, suf string) bool {
	return len(t) > len(suf)+1 && strings.EqualFold(string(t[len(t)-len(suf):]), suf)
}

// isGlobalRIPRef reports SYM(%rip) with SYM not a .L local label.
func isGlobalRIPRef(t []byte) bool {
	return len(t) > len(ripSuffix) && strings.EqualFold(string(t[len(t)-len(ripSuffix):]), ripSuffix) &&
		!(t[0] == '.' && t[1] == 'L')
}

// operand collects the tokens of one operand up to a ',' (or the end),
// relying on gcc writing operands without blanks.
func operand(s []byte, pos int) (op []byte, next int) {
	st, e, next := asm.TokenBounds(s, pos)
	if st < 0 {
		return nil, -1
	}
	for next >= 0 {
		st2, e2, n2 := asm.TokenBounds(s, next)
		if st2 < 0 || (e2-st2 == 1 && s[st2] == ',') {
			return s[st:e], n2
		}
		e, next = e2, n2
	}
	return s[st:e], next
}

// rewriteGOTPCREL routes a global rip-relative mov of new code through the
// GOT so the patch may load anywhere (kpatch_gensrc.c str_do_gotpcrel,
// facts §2.6). ok is false when s is left as it is. Stores save the
// scratch register below the red zone (upstream pushes it into the red
// zone and corrupts the locals of leaf functions).
func rewriteGOTPCREL(s []byte) ([]byte, bool) {
	mov, p := asm.NextToken(s, 0)
	if !bytes.HasPrefix(mov, []byte("mov")) || p < 0 || !bytes.Contains(s[p:], []byte("%rip")) {
		return nil, false
	}
	flavor := string(mov[3:])
	src, p := operand(s, p)
	if p < 0 {
		return nil, false
	}
	dst, _ := operand(s, p)
	switch {
	case isGlobalRIPRef(src):
		if hasSuffixFold(src, gotpcrelSuffix) || hasSuffixFold(src, gottpoffSuffix) || bytes.Contains(dst, []byte("%xmm")) {
			return nil, false
		}
		aux, ok := fullReg(string(dst))
		if !ok {
			return nil, false
		}
		sym, off, ok := splitOffset(string(src[:len(src)-len(ripSuffix)]))
		if !ok {
			return nil, false
		}
		return []byte("\tmovq\t" + sym + gotpcrelSuffix + ", " + aux + "\n\tmov" + flavor + "\t" + off + "(" + aux + "), " + string(dst)), true
	case isGlobalRIPRef(dst):
		if hasSuffixFold(dst, gotpcrelSuffix) || hasSuffixFold(dst, gottpoffSuffix) {
			return nil, false
		}
		if bytes.Contains(src, []byte("sp")) {
			// %rsp moves with the push below: leave the store as it is.
			return nil, false
		}
		aux := "%rax"
		if len(src) > 2 && src[0] == '%' && src[len(src)-2] == 'a' {
			aux = "%rbx"
		}
		sym, off, ok := splitOffset(string(dst[:len(dst)-len(ripSuffix)]))
		if !ok {
			return nil, false
		}
		// Unlike upstream, step over the red zone first: a leaf function
		// (any function at -O0) keeps its locals below %rsp, where a bare
		// push would overwrite them. lea leaves the flags alone.
		return []byte("\tleaq\t-128(%rsp), %rsp\n\tpushq\t" + aux + "\n\tmovq\t" + sym + gotpcrelSuffix + ", " + aux +
			"\n\tmov" + flavor + "\t" + string(src) + ", " + off + "(" + aux + ")\n\tpopq\t" + aux + "\n\tleaq\t128(%rsp), %rsp"), true
	}
	return nil, false
}

// splitOffset splits a displacement expression into its one symbol and
// the constant terms around it ("sym+8", "48+sym", "sym-8" → sym and "8",
// "48", "-8"); ok is false for anything else (two symbols, no symbol). The
// GOT holds sym's address: upstream wrote 48+sym@GOTPCREL, which reads 48
// bytes past the GOT entry.
func splitOffset(expr string) (sym, off string, ok bool) {
	var consts strings.Builder
	for len(expr) > 0 {
		sign := ""
		if expr[0] == '+' || expr[0] == '-' {
			sign, expr = expr[:1], expr[1:]
		}
		i := strings.IndexAny(expr, "+-")
		if i < 0 {
			i = len(expr)
		}
		term := expr[:i]
		expr = expr[i:]
		switch {
		case term == "":
			return "", "", false
		case isDigit(term[0]):
			if sign == "" && consts.Len() > 0 {
				sign = "+"
			}
			consts.WriteString(sign + term)
		case sym != "" || sign == "-":
			return "", "", false
		default:
			sym = term
		}
	}
	if sym == "" {
		return "", "", false
	}
	return sym, strings.TrimPrefix(consts.String(), "+"), true
}

// fullReg returns the 64-bit register containing reg (%eax → %rax,
// %r8d → %r8, %sil → %rsi). Upstream's get_full_reg guesses from the last
// two letters and gets %sil/%dil/%spl/%bpl and %rNw/%rNb wrong; a table
// cannot.
func fullReg(reg string) (string, bool) {
	if len(reg) < 3 || reg[0] != '%' {
		return "", false
	}
	r := reg[1:]
	if r[0] == 'r' && len(r) >= 2 && isDigit(r[1]) {
		n := strings.TrimRight(r[1:], "dwb")
		return "%r" + n, true
	}
	if full, ok := legacyRegs[r]; ok {
		return "%r" + full, true
	}
	return "", false
}

var legacyRegs = func() map[string]string {
	m := map[string]string{}
	for _, x := range []string{"ax", "bx", "cx", "dx"} {
		c := x[:1]
		for _, v := range []string{"r" + x, "e" + x, x, c + "l", c + "h"} {
			m[v] = x
		}
	}
	for _, x := range []string{"si", "di", "sp", "bp"} {
		for _, v := range []string{"r" + x, "e" + x, x, x + "l"} {
			m[v] = x
		}
	}
	return m
}()
