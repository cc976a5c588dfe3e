package gensrc

import (
	"bytes"
	"fmt"

	"github.com/golibcare/golibcare/internal/asm"
)

// renames maps tokens of one file to their new names.
type renames map[string]string

// add records src → dst; a different existing target is a conflict.
func (g *gen) renameAdd(r renames, src, dst string) {
	if src == dst {
		return
	}
	if old, ok := r[src]; ok {
		if old != dst {
			g.fail(fmt.Errorf("Rename conflict %s -> %s and -> %s", src, old, dst))
		}
		return
	}
	r[src] = dst
	g.debugf("RENAME: %s -> %s\n", src, dst)
}

// noRename marks first bytes of tokens that are never renamed: registers,
// numbers and delimiters (renames are symbol and label names, and labels
// starting with a digit are local ones). Skipping their map lookups halves
// the cost of comparing blocks.
var noRename = func() (t [256]bool) {
	for _, c := range []byte("%$0123456789,;:-+*()[]") {
		t[c] = true
	}
	return t
}()

func lookup(r renames, t []byte) (string, bool) {
	if len(t) == 0 || noRename[t[0]] {
		return "", false
	}
	if d, ok := r[string(t)]; ok {
		return d, true
	}
	// sym@GOTPCREL, sym@PLT, sym@tpoff: '@' is no token delimiter, but
	// the symbol before it is renamed like a bare one (upstream misses
	// these, so new variables of -fPIC code were left undefined).
	if i := bytes.IndexByte(t, '@'); i > 0 && t[0] != '"' {
		if d, ok := r[string(t[:i])]; ok {
			return d + string(t[i:]), true
		}
	}
	return "", false
}

// differ compares two statements token by token after renames
// (kpatch_gensrc.c strcmp_after_rename): tokens are equal when both map to
// the same name, map to each other, t0 maps to t1, or both are unmapped and
// identical.
func differ(r0, r1 renames, s0, s1 []byte) bool {
	p0, p1 := 0, 0
	for p0 >= 0 && p1 >= 0 {
		var t0, t1 []byte
		t0, p0 = asm.NextToken(s0, p0)
		t1, p1 = asm.NextToken(s1, p1)
		d0, ok0 := lookup(r0, t0)
		d1, ok1 := lookup(r1, t1)
		switch {
		case ok0 && ok1 && d0 == d1:
		case ok0 && ok1 && d0 == string(t1) && d1 == string(t0):
		case ok0 && !ok1 && d0 == string(t1):
		case !ok0 && !ok1 && string(t0) == string(t1):
		default:
			return true
		}
	}
	return !(p0 < 0 && p1 < 0)
}

// appendRenamed appends s with every token replaced by its rename
// (kpatch_gensrc.c str_do_rename); blanks are kept as they are.
func appendRenamed(dst []byte, r renames, s []byte) []byte {
	if len(r) == 0 {
		return append(dst, s...)
	}
	last, pos := 0, 0
	for pos >= 0 {
		st, e, next := asm.TokenBounds(s, pos)
		if st < 0 {
			break
		}
		if to, ok := lookup(r, s[st:e]); ok {
			dst = append(dst, s[last:st]...)
			dst = append(dst, to...)
			last = e
		}
		pos = next
	}
	return append(dst, s[last:]...)
}
