package gensrc

import (
	"strings"

	"github.com/golibcare/golibcare/internal/asm"
)

const descPrefix = "descriptor."

func (fs *fileState) vars() []*blk {
	var out []*blk
	for _, b := range fs.blocks {
		if b.Type == asm.BlockVar {
			out = append(out, b)
		}
	}
	return out
}

// varCandidate reports whether b1 may be b0's counterpart: same human
// name, not taken, equal content under tentative renames
// (kpatch_gensrc.c __cblock_var_cmp).
func (g *gen) varCandidate(b0, b1 *blk) bool {
	if b1 == nil || b1.Type != asm.BlockVar || (b1.pair != nil && b1.pair != b0) {
		return false
	}
	if d, ok := g.f1.ren[b1.Name]; ok && d != b0.Name {
		return false
	}
	if b0.Human != b1.Human {
		return false
	}
	_, had0 := g.f0.ren[b0.Name]
	_, had1 := g.f1.ren[b1.Name]
	g.renameAdd(g.f0.ren, b0.Name, b1.Name)
	g.renameAdd(g.f1.ren, b1.Name, b0.Name)
	differs := g.blocksDiffer(b0, b1, cmpSect|cmpRename)
	if !had0 {
		delete(g.f0.ren, b0.Name)
	}
	if !had1 {
		delete(g.f1.ren, b1.Name)
	}
	return !differs
}

// varMatch finds the patched variable for b0: by exact name, or for
// auto-named ones (.LC5, x.2) by human name and content, trying the
// cursor first (kpatch_gensrc.c cblock_var_try_to_match).
func (g *gen) varMatch(b0, cursor *blk) *blk {
	if !b0.Auto {
		if b1 := g.f1.byName[b0.Name]; b1 != nil && b1.Type == asm.BlockVar {
			return b1
		}
		return nil
	}
	if cursor != nil && g.varCandidate(b0, cursor) {
		return cursor
	}
	for _, b1 := range g.f1.byHuman[b0.Human] {
		if g.varCandidate(b0, b1) {
			return b1
		}
	}
	return nil
}

// nextVar returns the first variable of l after b (nil at the end).
func nextVar(l []*blk, idx map[*blk]int, b *blk) *blk {
	if i, ok := idx[b]; ok && i+1 < len(l) {
		return l[i+1]
	}
	return nil
}

// pairVars pairs variables in two passes (descriptors last) until no
// progress (kpatch_gensrc.c analyze_var_cblocks_matches).
func (g *gen) pairVars() {
	v0, v1 := g.f0.vars(), g.f1.vars()
	idx1 := make(map[*blk]int, len(v1))
	for i, b := range v1 {
		idx1[b] = i
	}
	for pass := 0; pass < 2 && g.err == nil; {
		progress := false
		var cursor *blk
		if len(v1) > 0 {
			cursor = v1[0]
		}
		for _, b0 := range v0 {
			if b0.pair != nil || (pass == 0 && strings.HasPrefix(b0.Name, descPrefix)) {
				continue
			}
			b1 := g.varMatch(b0, cursor)
			cursor = b1
			if b1 == nil {
				continue
			}
			g.renameAdd(g.f0.ren, b0.Name, b1.Name)
			g.renameAdd(g.f1.ren, b1.Name, b0.Name)
			b0.pair, b1.pair = b1, b0
			progress = true
			cursor = nextVar(v1, idx1, b1)
		}
		if !progress {
			pass++
		}
	}
}

// mayVanish lists generated variables that may disappear with the code
// using them (string literals, WARN_ONCE flags, __func__, descriptors).
func mayVanish(name string) bool {
	for _, p := range []string{".LC", "warned.", "__warned.", "__func__.", descPrefix} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// analyzeVars pairs variables, refuses removed or changed ones and renames
// new ones to NAME.kpatch (kpatch_gensrc.c analyze_var_cblocks).
func (g *gen) analyzeVars() {
	g.pairVars()
	for _, b0 := range g.f0.blocks {
		if g.err != nil {
			return
		}
		if b0.Type == asm.BlockVar && b0.pair == nil && !mayVanish(b0.Name) {
			g.fail(g.removedVar(b0))
		}
	}
	for _, b0 := range g.f0.blocks {
		if g.err != nil || b0.Type != asm.BlockVar || b0.pair == nil {
			continue
		}
		b1 := b0.pair
		if listed(g.opts.IgnoreChanges, g.f1.f.Base, b0.Human) {
			continue
		}
		if g.blocksDiffer(b0, b1, cmpSect|cmpRename) {
			g.fail(g.mismatchedVars(b0, b1))
		}
	}
	for _, b1 := range g.f1.blocks {
		if b1.Type == asm.BlockVar && b1.pair == nil {
			g.renameAdd(g.f1.ren, b1.Name, b1.Name+".kpatch")
		}
	}
}
