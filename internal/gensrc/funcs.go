package gensrc

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/golibcare/golibcare/internal/asm"
)

// labelName returns the name of a label statement and whether a ':'
// follows it.
func labelName(s []byte) ([]byte, bool) {
	t, next := asm.NextToken(s, 0)
	return t, next >= 0 && s[next] == ':'
}

// matchLabels pairs the i-th label of b0 with the i-th label of b1
// (kpatch_gensrc.c cblock_func_match_labels): add=true records f0 renames,
// add=false removes them again.
func (g *gen) matchLabels(b0, b1 *blk, add bool) {
	f0, f1 := b0.fs.f, b1.fs.f
	i0, i1 := b0.Start, b1.Start
	for ; i0 < b0.End && i1 < b1.End; i0, i1 = i0+1, i1+1 {
		for i0 < b0.End && f0.Kinds[i0] != asm.Label {
			i0++
		}
		for i1 < b1.End && f1.Kinds[i1] != asm.Label {
			i1++
		}
		if i0 >= b0.End || i1 >= b1.End {
			break
		}
		s0, s1 := f0.Stmt(i0), f1.Stmt(i1)
		if bytes.Equal(s0, s1) {
			continue
		}
		t0, ok0 := labelName(s0)
		t1, ok1 := labelName(s1)
		if add {
			g.renameAdd(g.f0.ren, string(t0), string(t1))
		} else {
			delete(g.f0.ren, string(t0))
		}
		if !ok0 || !ok1 {
			g.fail(errors.New("Label parsing error"))
			return
		}
	}
}

// newLabels renames every label of b but its own name to LABEL.kpatch
// (kpatch_gensrc.c cblock_make_new_labels).
func (g *gen) newLabels(b *blk) {
	f := b.fs.f
	for i := b.Start; i < b.End; i++ {
		if f.Kinds[i] != asm.Label {
			continue
		}
		t, ok := labelName(f.Stmt(i))
		if !ok {
			g.fail(fmt.Errorf("Label parsing error at %d", f.LineOf(i)))
			return
		}
		if string(t) != b.Name {
			g.renameAdd(b.fs.ren, string(t), string(t)+".kpatch")
		}
	}
}

// pairFuncs links b0 and b1: labels by order, both names → NAME1.kpatch.
func (g *gen) pairFuncs(b0, b1 *blk) {
	g.debugf("matching %s <-> %s\n", b0.Name, b1.Name)
	b0.pair, b1.pair = b1, b0
	g.matchLabels(b0, b1, true)
	delete(g.f0.ren, b0.Name)
	g.renameAdd(g.f1.ren, b1.Name, b1.Name+".kpatch")
	g.renameAdd(g.f0.ren, b0.Name, b1.Name+".kpatch")
}

// matchByHuman finds an unpaired auto-named function of f1 with b0's human
// name; with cmp its content must be equal under label renames
// (kpatch_gensrc.c func_match_by_human_name).
func (g *gen) matchByHuman(b0 *blk, cmp bool) *blk {
	for _, b1 := range g.f1.byHuman[b0.Human] {
		if b1.Type != asm.BlockFunc || !b1.Auto || b1.pair != nil {
			continue
		}
		if !cmp {
			return b1
		}
		g.matchLabels(b0, b1, true)
		differs := g.blocksDiffer(b0, b1, cmpSect|cmpRename)
		g.matchLabels(b0, b1, false)
		if !differs {
			return b1
		}
	}
	return nil
}

func (g *gen) funcs(fs *fileState) []*blk {
	var out []*blk
	for _, b := range fs.blocks {
		if b.Type == asm.BlockFunc {
			out = append(out, b)
		}
	}
	return out
}

// analyzeFuncs pairs functions, renames new ones, applies the ignore and
// unlink lists and drops unchanged pairs (kpatch_gensrc.c
// analyze_func_cblocks).
func (g *gen) analyzeFuncs() {
	fn0, fn1 := g.funcs(g.f0), g.funcs(g.f1)
	for _, b0 := range fn0 {
		if b1 := g.f1.byName[b0.Name]; !b0.Auto && b1 != nil && b1.Type == asm.BlockFunc && b1.pair == nil {
			g.pairFuncs(b0, b1)
		}
	}
	for _, cmp := range []bool{true, false} {
		for _, b0 := range fn0 {
			if b0.pair != nil || !b0.Auto {
				continue
			}
			if b1 := g.matchByHuman(b0, cmp); b1 != nil {
				g.pairFuncs(b0, b1)
			}
		}
	}
	for _, b1 := range fn1 {
		if _, renamed := g.f1.ren[b1.Name]; b1.pair != nil || renamed {
			continue
		}
		if b1.Auto {
			g.renameAdd(g.f1.ren, b1.Name, b1.Name+".kpatch")
		}
		g.newLabels(b1)
	}
	g.applyLists(fn1)
	g.dropUnchanged(fn1)
}

// ignored reports whether changes of a patched function are to be ignored:
// the filter file decides when configured, else --ignore-changes.
func (g *gen) ignored(b1 *blk) bool {
	if g.opts.filterConfigured() {
		return !g.opts.inFilter(b1.Human)
	}
	return listed(g.opts.IgnoreChanges, g.f1.f.Base, b1.Human)
}

func (g *gen) applyLists(fn1 []*blk) {
	for _, b1 := range fn1 {
		if b1.pair == nil {
			continue
		}
		if g.ignored(b1) {
			delete(g.f1.ren, b1.Name)
			delete(g.f0.ren, b1.pair.Name)
			b1.ignore = true
		}
		if listed(g.opts.UnlinkSymbols, g.f1.f.Base, b1.Human) {
			g.debugf("unlinking %s\n", b1.Name)
			b1.unlink = true
		}
	}
}

// dropUnchanged compares every pair: unchanged ones resolve to the
// original names, changed ones get .kpatch labels.
func (g *gen) dropUnchanged(fn1 []*blk) {
	notAdapted := false
	for _, b1 := range fn1 {
		if g.err != nil {
			return
		}
		if b1.pair == nil || b1.ignore {
			continue
		}
		b0 := b1.pair
		g.debugf("check content changes in symbol %s <-> %s\n", b0.Name, b1.Name)
		if !g.blocksDiffer(b0, b1, cmpSect|cmpRename) {
			delete(g.f0.ren, b0.Name)
			delete(g.f1.ren, b1.Name)
			g.renameAdd(g.f0.ren, b0.Name, b1.Name)
			g.renameAdd(g.f1.ren, b1.Name, b0.Name)
			b1.ignore = true
			continue
		}
		g.warnOffsets(b0, b1)
		if !b1.Adapted && listed(g.opts.MustAdapt, g.f1.f.Base, b1.Human) {
			notAdapted = true
			if g.opts.Log != nil {
				fmt.Fprintf(g.opts.Log, "FATAL! not adapted function change %s\n", b1.Name)
			}
		}
		g.newLabels(b1)
	}
	if notAdapted {
		g.fail(errors.New("not adapted function found"))
	}
}

// analyzeOthers pairs the other blocks in order; they must be identical,
// a longer one being split once (kpatch_gensrc.c analyze_other_cblocks).
func (g *gen) analyzeOthers() {
	i0, i1 := g.nextOther(g.f0, 0), g.nextOther(g.f1, 0)
	for i0 >= 0 && i1 >= 0 {
		b0, b1 := g.f0.blocks[i0], g.f1.blocks[i1]
		if g.blocksDiffer(b0, b1, 0) {
			if n0, n1 := b0.End-b0.Start, b1.End-b1.Start; n1 > n0 {
				g.split(g.f1, i1, n0)
			} else if n0 > n1 {
				g.split(g.f0, i0, n1)
			}
			if g.blocksDiffer(b0, b1, 0) {
				g.fail(fmt.Errorf("Blocks of type other mismatch %d-%d vs. %d-%d",
					g.f0.f.LineOf(b0.Start), g.f0.f.LineOf(b0.End-1), g.f1.f.LineOf(b1.Start), g.f1.f.LineOf(b1.End-1)))
				return
			}
		}
		b0.pair, b1.pair = b1, b0
		i0, i1 = g.nextOther(g.f0, i0+1), g.nextOther(g.f1, i1+1)
	}
}

func (g *gen) nextOther(fs *fileState, from int) int {
	for i := from; i < len(fs.blocks); i++ {
		if fs.blocks[i].Type == asm.BlockOther {
			return i
		}
	}
	return -1
}

// split cuts block i of fs after n statements.
func (g *gen) split(fs *fileState, i, n int) {
	b := fs.blocks[i]
	rest := &blk{Block: &asm.Block{Type: b.Type, Start: b.Start + n, End: b.End, Name: b.Name}, fs: fs}
	// The parsed file is shared with the caller: split a copy.
	b.Block = &asm.Block{Type: b.Type, Start: b.Start, End: b.Start + n, Name: b.Name}
	fs.blocks = append(fs.blocks, nil)
	copy(fs.blocks[i+2:], fs.blocks[i+1:])
	fs.blocks[i+1] = rest
}
