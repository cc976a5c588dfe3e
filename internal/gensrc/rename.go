package gensrc

import (
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
		d0, ok0 := r0[string(t0)]
		d1, ok1 := r1[string(t1)]
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
		if to, ok := r[string(s[st:e])]; ok {
			dst = append(dst, s[last:st]...)
			dst = append(dst, to...)
			last = e
		}
		pos = next
	}
	return append(dst, s[last:]...)
}
