package gensrc

import (
	"bytes"
	"strings"

	"github.com/golibcare/golibcare/internal/asm"
)

// New references to another object's data: gcc reaches an external
// variable PC-relatively (stderr(%rip)) and leaves it to the linker to copy
// the variable into the executable (a copy relocation). A patch cannot add
// a copy relocation to a running process, so when new code reaches a
// symbol that the original file neither defines nor references, the
// reference goes through the GOT instead: kpatch_strip keeps the GOT
// relocation for a symbol of another object and turns it into a lea for
// one the binary defines. References the original already has keep their
// form (facts §2.6 is the --force-gotpcrel variant for every mov).

// splitInsn splits an instruction statement into its mnemonic (with a
// lock/rep prefix) and its operands; commas inside parentheses belong to
// the operand.
func splitInsn(s []byte) (mn string, ops []string, ok bool) {
	str := strings.TrimLeft(string(s), " \t")
	if str == "" || str[0] == '.' || str[0] == '#' || strings.HasSuffix(str, ":") {
		return "", nil, false
	}
	mn, rest, _ := strings.Cut(str, "\t")
	if m, r, found := strings.Cut(mn, " "); found {
		mn, rest = m, strings.TrimSpace(r+"\t"+rest)
	}
	switch mn {
	case "lock", "rep", "repe", "repz", "repne", "repnz", "notrack":
		next, r, _ := strings.Cut(strings.TrimLeft(rest, " \t"), "\t")
		if n, r2, found := strings.Cut(next, " "); found {
			next, r = n, strings.TrimSpace(r2+"\t"+r)
		}
		mn, rest = mn+" "+next, r
	}
	depth, start := 0, 0
	rest = strings.TrimSpace(rest)
	for i := 0; i < len(rest); i++ {
		switch rest[i] {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				ops = append(ops, strings.TrimSpace(rest[start:i]))
				start = i + 1
			}
		}
	}
	if rest != "" {
		ops = append(ops, strings.TrimSpace(rest[start:]))
	}
	return mn, ops, true
}

// ripSymbol parses "SYM(%rip)", "SYM+8(%rip)" or "48+SYM(%rip)" into the
// symbol and its offset ("", "8", "48", "-8"). Local labels and symbols with a relocation
// operator (@GOTPCREL, @PLT) are not candidates.
func ripSymbol(op string) (sym, off string, ok bool) {
	expr, found := strings.CutSuffix(op, "(%rip)")
	if !found {
		return "", "", false
	}
	sym, off, ok = splitOffset(strings.TrimPrefix(expr, "*"))
	if !ok || !isSymbol(sym) {
		return "", "", false
	}
	return sym, off, true
}

// immSymbol parses "$SYM", an absolute address (non-PIE code).
func immSymbol(op string) (string, bool) {
	sym, found := strings.CutPrefix(op, "$")
	return sym, found && isSymbol(sym)
}

// isSymbol accepts a plain global symbol name: not a number, not a .L
// local label, no relocation operator.
func isSymbol(s string) bool {
	if s == "" || strings.HasPrefix(s, ".L") || isDigit(s[0]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && c != '_' && c != '.' && c != '$' {
			return false
		}
	}
	return true
}

// externRefs calls fn for every symbol an instruction reaches
// PC-relatively or as a mov immediate.
func externRefs(s []byte, fn func(string)) {
	if !bytes.Contains(s, []byte("%rip")) && !bytes.Contains(s, []byte("$")) {
		return
	}
	mn, ops, ok := splitInsn(s)
	if !ok {
		return
	}
	for i, op := range ops {
		if sym, _, ok := ripSymbol(op); ok {
			fn(sym)
		} else if sym, ok := immSymbol(op); ok && i == 0 && strings.HasPrefix(mn, "mov") && len(ops) == 2 {
			fn(sym)
		}
	}
}

// newCode reports whether b1 is written as patch code.
func newCode(b1 *blk) bool {
	return b1.Type == asm.BlockFunc && (b1.pair == nil || !b1.ignore || b1.unlink)
}

// findNewExterns returns the symbols new code reaches that neither file
// defines and the original never names.
func (g *gen) findNewExterns() map[string]bool {
	cand := map[string]bool{}
	for _, b1 := range g.f1.blocks {
		if !newCode(b1) {
			continue
		}
		for i := b1.Start; i < b1.End; i++ {
			externRefs(b1.fs.f.Stmt(i), func(sym string) { cand[sym] = true })
		}
	}
	if len(cand) == 0 {
		return nil
	}
	for _, fs := range []*fileState{g.f0, g.f1} {
		for sym := range cand {
			if fs.byName[sym] != nil {
				delete(cand, sym)
			}
		}
		dropNamed(fs.f, cand, fs == g.f0)
	}
	return cand
}

// dropNamed removes from cand the symbols f defines (labels, .comm, .set)
// or, with anyUse, names anywhere.
func dropNamed(f *asm.File, cand map[string]bool, anyUse bool) {
	for i := 1; i < f.Len() && len(cand) > 0; i++ {
		s := f.Stmt(i)
		for sym := range cand {
			if !bytes.Contains(s, []byte(sym)) {
				continue
			}
			if anyUse && namesSymbol(s, sym) || definesSymbol(f, i, sym) {
				delete(cand, sym)
			}
		}
	}
}

// namesSymbol reports a token sym or sym@RELOC in s.
func namesSymbol(s []byte, sym string) bool {
	for p := 0; p >= 0; {
		var t []byte
		t, p = asm.NextToken(s, p)
		if string(t) == sym || bytes.HasPrefix(t, []byte(sym+"@")) {
			return true
		}
	}
	return false
}

func definesSymbol(f *asm.File, i int, sym string) bool {
	s := f.Stmt(i)
	switch f.Kinds[i] {
	case asm.Label:
		t, _ := labelName(s)
		return string(t) == sym
	case asm.DirComm, asm.DirSet:
		return string(asm.Tokens(s, 2)[1]) == sym
	}
	return false
}

// rewriteNewExtern routes an instruction's reference to a symbol in ext
// through the GOT; ok is false when there is none or the form is not
// handled (kpatch_strip then names the symbol). Loads into a general
// register and lea use the destination; calls and jumps use %r11, which
// the ABI gives up at every call; anything else borrows %r11 below the
// red zone (lea, push and pop leave the flags alone).
func rewriteNewExtern(s []byte, ext map[string]bool) ([]byte, bool) {
	mn, ops, ok := splitInsn(s)
	if !ok {
		return nil, false
	}
	mem, sym, off := -1, "", ""
	for i, op := range ops {
		if n, o, ok := ripSymbol(op); ok && ext[n] {
			mem, sym, off = i, n, o
		}
	}
	if mem < 0 {
		return rewriteImmediate(mn, ops, ext)
	}
	got := "\tmovq\t" + sym + gotpcrelSuffix + ", "
	indirect := strings.HasPrefix(ops[mem], "*")
	switch {
	case (mn == "leaq" || mn == "lea") && mem == 0 && len(ops) == 2 && isReg64(ops[1]):
		out := got + ops[1]
		if off != "" {
			out += "\n\tleaq\t" + off + "(" + ops[1] + "), " + ops[1]
		}
		return []byte(out), true
	case strings.HasPrefix(mn, "mov") && mem == 0 && len(ops) == 2 && !indirect && loadsGPR(ops[1]):
		r, _ := fullReg(ops[1])
		return []byte(got + r + "\n\t" + mn + "\t" + off + "(" + r + "), " + ops[1]), true
	case usesReg(s, "r11") || mentionsStack(s):
		return nil, false
	case (mn == "call" || mn == "jmp" || mn == "callq" || mn == "jmpq") && indirect && len(ops) == 1:
		return []byte(got + "%r11\n\t" + mn + "\t*" + off + "(%r11)"), true
	case usesStackImplicitly(mn) || indirect:
		return nil, false
	}
	ops[mem] = off + "(%r11)"
	return []byte("\tleaq\t-128(%rsp), %rsp\n\tpushq\t%r11\n" + got + "%r11\n\t" + mn + "\t" + strings.Join(ops, ", ") +
		"\n\tpopq\t%r11\n\tleaq\t128(%rsp), %rsp"), true
}

// rewriteImmediate turns "mov $SYM, %reg" (an absolute address) into a
// GOT load of the full register.
func rewriteImmediate(mn string, ops []string, ext map[string]bool) ([]byte, bool) {
	if !strings.HasPrefix(mn, "mov") || len(ops) != 2 {
		return nil, false
	}
	sym, ok := immSymbol(ops[0])
	if !ok || !ext[sym] || !loadsGPR(ops[1]) {
		return nil, false
	}
	r, _ := fullReg(ops[1])
	return []byte("\tmovq\t" + sym + gotpcrelSuffix + ", " + r), true
}

// loadsGPR reports a general register whose full register may hold an
// address first: not %ah-%dh (the address would survive in the rest).
func loadsGPR(op string) bool {
	switch op {
	case "%ah", "%bh", "%ch", "%dh", "%rsp", "%esp", "%sp", "%spl":
		return false
	}
	_, ok := fullReg(op)
	return ok
}

func isReg64(op string) bool {
	r, ok := fullReg(op)
	return ok && r == op && op != "%rsp"
}

// usesReg reports whether s names any part of %rN or a legacy register.
func usesReg(s []byte, full string) bool {
	for p := 0; p >= 0; {
		var t []byte
		t, p = asm.NextToken(s, p)
		if len(t) > 1 && t[0] == '%' {
			if r, ok := fullReg(string(t)); ok && r == "%"+full {
				return true
			}
		}
	}
	return false
}

func mentionsStack(s []byte) bool { return usesReg(s, "rsp") }

// usesStackImplicitly lists the instructions that move %rsp themselves.
func usesStackImplicitly(mn string) bool {
	for _, p := range []string{"push", "pop", "call", "ret", "enter", "leave", "j", "loop"} {
		if strings.HasPrefix(mn, p) {
			return true
		}
	}
	return false
}

func (g *gen) markExterns() { g.externs = g.findNewExterns() }
