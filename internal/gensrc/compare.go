package gensrc

import (
	"bytes"

	"github.com/golibcare/golibcare/internal/asm"
)

const (
	cmpSect   = 1 // lines must be in sections of the same name
	cmpRename = 2 // compare after renames
)

// skip moves i over section switches, .globl lines and empty statements,
// which may legitimately differ (kpatch_gensrc.c cblock_cmp_skip).
func skip(b *blk, i int) int {
	f := b.fs.f
	for i < b.End {
		if k := f.Kinds[i]; k.IsSectionCmd() || k == asm.DirGlobl || f.Blank(i) {
			i++
			continue
		}
		break
	}
	return i
}

// blocksDiffer compares two blocks line by line (kpatch_gensrc.c
// cblock_cmp), tolerating line-number-only differences.
func (g *gen) blocksDiffer(b0, b1 *blk, flags int) bool {
	f0, f1 := b0.fs.f, b1.fs.f
	i0, i1 := b0.Start, b1.Start
	for ; ; i0, i1 = i0+1, i1+1 {
		i0, i1 = skip(b0, i0), skip(b1, i1)
		if i0 >= b0.End || i1 >= b1.End {
			break
		}
		s0, t0 := f0.Stmt(i0), f0.Kinds[i0]
		s1, t1 := f1.Stmt(i1), f1.Kinds[i1]
		if flags&cmpSect != 0 && f0.SectionOf(i0).Name != f1.SectionOf(i1).Name &&
			t0 != asm.DirLocal && t0 != asm.DirComm && t1 != asm.DirLocal && t1 != asm.DirComm {
			return g.diffAt(f0, f1, i0, i1)
		}
		if t0 == asm.Comment && t1 == asm.Comment {
			continue
		}
		if flags&cmpRename != 0 {
			if !differ(b0.fs.ren, b1.fs.ren, s0, s1) {
				continue
			}
		} else if bytes.Equal(s0, s1) {
			continue
		}
		if g.tolerated(b0, &i0, b1, &i1) {
			continue
		}
		return g.diffAt(f0, f1, i0, i1)
	}
	if i0 != b0.End || i1 != b1.End {
		return g.diffAt(f0, f1, i0, i1)
	}
	return false
}

func (g *gen) diffAt(f0, f1 *asm.File, i0, i1 int) bool {
	g.debugf("cblock_cmp: difference at %d vs. %d\n", f0.LineOf(i0), f1.LineOf(i1))
	return true
}

// tolerated applies the heuristics for differences that do not change code.
func (g *gen) tolerated(b0 *blk, i0 *int, b1 *blk, i1 *int) bool {
	switch b0.Type {
	case asm.BlockFunc:
		return g.matchLinenoFunc(b0, i0, b1, i1) || g.matchBugOn(b0, *i0, b1, *i1)
	case asm.BlockVar:
		return matchBuildPath(b0, *i0, b1, *i1) || matchVarDescriptor(b0, *i0, b1, *i1)
	}
	return false
}

// linenoFuncs are functions that take __LINE__ in a register
// (kpatch_gensrc.c lineno_functions).
var linenoFuncs = []struct{ fn, reg string }{
	{"warn_slowpath_null", "esi"},
	{"warn_slowpath_fmt", "esi"},
	{"warn_slowpath_fmt_taint", "esi"},
	{"object_dynamic_cast_assert@PLT", "ecx"},
	{"object_class_dynamic_cast_assert@PLT", "ecx"},
	{"error_setg_internal@PLT", "edx"},
	{"error_setg_errno_internal@PLT", "edx"},
	{"g_assertion_message_expr@PLT", "edx"},
	{"__assert_fail@PLT", "edx"},
	{"__assert_fail@PLT", "dx"},
}

// movConstReg returns REG of " movX $CONST, %REG" (the sscanf of
// get_mov_const_reg).
func movConstReg(s []byte) string {
	s = bytes.TrimLeft(s, " \t\n\v\f\r")
	if len(s) < 4 || string(s[:3]) != "mov" {
		return ""
	}
	s = bytes.TrimLeft(s[4:], " \t\n\v\f\r")
	if len(s) == 0 || s[0] != '$' {
		return ""
	}
	s = s[1:]
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	n := 0
	for n < len(s) && isAlnum(s[n]) {
		n++
	}
	if n == 0 || !isDigit(s[0]) {
		return ""
	}
	s = s[n:]
	if len(s) == 0 || s[0] != ',' {
		return ""
	}
	s = bytes.TrimLeft(s[1:], " \t\n\v\f\r")
	if len(s) == 0 || s[0] != '%' {
		return ""
	}
	s = s[1:]
	n = 0
	for n < len(s) && n < 31 && isAlnum(s[n]) {
		n++
	}
	return string(s[:n])
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlnum(c byte) bool {
	return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

// possibleLinenoFuncs returns the bit mask of linenoFuncs whose register
// both lines load with a constant.
func possibleLinenoFuncs(s0, s1 []byte) uint {
	r0, r1 := movConstReg(s0), movConstReg(s1)
	if r0 == "" || r1 == "" || r0 != r1 {
		return 0
	}
	var m uint
	for i, lf := range linenoFuncs {
		if lf.reg == r0 {
			m |= 1 << i
		}
	}
	return m
}

// matchLinenoFunc accepts "mov $LINE, %reg" differing only in the constant
// when, within 15 identical lines, the matching line-number function is
// called (kpatch_gensrc.c match_lineno_func).
func (g *gen) matchLinenoFunc(b0 *blk, p0 *int, b1 *blk, p1 *int) bool {
	f0, f1 := b0.fs.f, b1.fs.f
	i0, i1 := *p0, *p1
	possible := possibleLinenoFuncs(f0.Stmt(i0), f1.Stmt(i1))
	if possible == 0 {
		return false
	}
	i0, i1 = i0+1, i1+1
	for n := 0; n < 15; n, i0, i1 = n+1, i0+1, i1+1 {
		if i0 >= b0.End || i1 >= b1.End {
			return false
		}
		s0, s1 := f0.Stmt(i0), f1.Stmt(i1)
		possible &^= possibleLinenoFuncs(s0, s1)
		if possible == 0 || differ(b0.fs.ren, b1.fs.ren, s0, s1) {
			return false
		}
		op, p := asm.NextToken(s0, 0)
		if string(op) != "call" {
			continue
		}
		callee, _ := asm.NextToken(s0, p)
		for i, lf := range linenoFuncs {
			if possible&(1<<i) != 0 && lf.fn == string(callee) {
				*p0, *p1 = i0, i1
				return true
			}
		}
		return false
	}
	return false
}

// matchBugOn accepts differing BUG() line numbers (kpatch_gensrc.c
// match_bug_on).
func (g *gen) matchBugOn(b0 *blk, i0 int, b1 *blk, i1 int) bool {
	f0, f1 := b0.fs.f, b1.fs.f
	s0, s1 := f0.Stmt(i0), f1.Stmt(i1)
	if g.opts.RHEL5 {
		a, b := asm.Tokens(s0, 7), asm.Tokens(s1, 7)
		want := []string{"ud2", ";", "pushq", "", ";", "ret", ""}
		for i, w := range want {
			if w != "" && (string(a[i]) != w || string(b[i]) != w) {
				return false
			}
		}
		return len(asm.Tokens(s0, 8)[7]) == 0 && len(asm.Tokens(s1, 8)[7]) == 0
	}
	if f0.SectionOf(i0).Name != "__bug_table" || f1.SectionOf(i1).Name != "__bug_table" {
		return false
	}
	const longPrefix = "2:\t.long 1b - 2b, "
	if bytes.HasPrefix(s0, []byte(longPrefix)) && bytes.HasPrefix(s1, []byte(longPrefix)) {
		return true
	}
	t0, _ := asm.NextToken(s0, 0)
	t1, _ := asm.NextToken(s1, 0)
	return string(t0) == ".word" && string(t1) == ".word"
}

// matchBuildPath accepts .string lines that differ only in the build
// directory prefix (kpatch_gensrc.c match_build_path).
func matchBuildPath(b0 *blk, i0 int, b1 *blk, i1 int) bool {
	f0, f1 := b0.fs.f, b1.fs.f
	a, b := asm.Tokens(f0.Stmt(i0), 2), asm.Tokens(f1.Stmt(i1), 2)
	if string(a[0]) != ".string" || string(b[0]) != ".string" {
		return false
	}
	t0, t1 := a[1], b[1]
	if len(t0) == 0 || len(t1) == 0 || t0[0] != '"' || t1[0] != '"' {
		return false
	}
	t0, t1 = t0[1:], t1[1:]
	if !bytes.HasPrefix(t0, []byte(f0.Dir)) || !bytes.HasPrefix(t1, []byte(f1.Dir)) {
		return false
	}
	return bytes.Equal(t0[len(f0.Dir):], t1[len(f1.Dir):])
}

// matchVarDescriptor accepts differing .byte lines of pr_debug descriptors.
func matchVarDescriptor(b0 *blk, i0 int, b1 *blk, i1 int) bool {
	const desc = "descriptor."
	if len(b0.Name) < len(desc) || b0.Name[:len(desc)] != desc ||
		len(b1.Name) < len(desc) || b1.Name[:len(desc)] != desc {
		return false
	}
	t0, _ := asm.NextToken(b0.fs.f.Stmt(i0), 0)
	t1, _ := asm.NextToken(b1.fs.f.Stmt(i1), 0)
	return string(t0) == ".byte" && string(t1) == ".byte"
}
