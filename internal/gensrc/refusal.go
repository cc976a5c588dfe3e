package gensrc

import (
	"fmt"
	"strconv"

	"github.com/golibcare/golibcare/internal/asm"
)

// ErrLTO is the reason given for gcc -flto output, whose assembly holds
// GIMPLE bytecode in .gnu.lto_* sections instead of machine code.
const ErrLTO = "LTO is not supported by live patching: build with -fno-lto"

// The refusals keep upstream's FATAL text first (scripts grep it) and add
// the source file, the name and why the change cannot be patched.

// source names the file in messages: the .file of the patched assembly,
// else of the original, else the patched input's name.
func (g *gen) source() string {
	for _, f := range []*asm.File{g.f1.f, g.f0.f} {
		if s := SourceName(f); s != "" {
			return s
		}
	}
	return g.f1.f.Base
}

// checkLTO refuses LTO bytecode before anything is compared: upstream
// fails later on "Blocks of type other mismatch" with no hint.
func (g *gen) checkLTO() {
	for _, fs := range []*fileState{g.f0, g.f1} {
		if sec := ltoSection(fs.f); sec != "" {
			g.fail(fmt.Errorf("%s: %s (section %s in %s)", g.source(), ErrLTO, sec, fs.f.Name))
			return
		}
	}
}

// varName is how a variable is named to the user: static locals and other
// numbered names with their C name first ("calls (calls.1)").
func varName(b *blk) string {
	if b.Auto && b.Human != "." && b.Human != "" {
		return fmt.Sprintf("%s (%s)", b.Human, b.Name)
	}
	return b.Name
}

// varSize returns N of the block's ".size NAME, N", or -1.
func varSize(b *blk) int64 {
	f := b.fs.f
	for i := b.Start; i < b.End; i++ {
		if f.Kinds[i] != asm.DirSize {
			continue
		}
		t := asm.Tokens(f.Stmt(i), 4)
		if string(t[1]) != b.Name || string(t[2]) != "," {
			continue
		}
		if n, err := strconv.ParseInt(string(t[3]), 0, 64); err == nil {
			return n
		}
	}
	return -1
}

// removedVar is the refusal of an original variable with no counterpart.
// A numbered name (a static local) whose C name is still there had its
// contents changed, as pairing those goes by content.
func (g *gen) removedVar(b0 *blk) error {
	detail := fmt.Sprintf("%s is gone from the patched code; a patch cannot remove a variable", varName(b0))
	if b0.Auto {
		for _, b1 := range g.f1.byHuman[b0.Human] {
			if b1.Type == asm.BlockVar && b1.pair == nil {
				detail = g.changedVar(b0, b1)
				break
			}
		}
	} else if b1 := g.f1.byName[b0.Name]; b1 != nil {
		detail = fmt.Sprintf("%s is no longer a variable in the patched code; a patch cannot change a variable", b0.Name)
	}
	return fmt.Errorf("Variable %s was removed or changed? Patch requires adoptation: %s: %s", b0.Name, g.source(), detail)
}

// mismatchedVars is the refusal of a variable whose contents changed.
func (g *gen) mismatchedVars(b0, b1 *blk) error {
	return fmt.Errorf("Variables %s (line %d) and %s (line %d) don't match: %s: %s",
		b0.Name, g.f0.f.LineOf(b0.Start), b1.Name, g.f1.f.LineOf(b1.Start), g.source(), g.changedVar(b0, b1))
}

// changedVar says what changed between two versions of a variable.
func (g *gen) changedVar(b0, b1 *blk) string {
	s0, s1 := varSize(b0), varSize(b1)
	if s0 >= 0 && s1 >= 0 && s0 != s1 {
		return fmt.Sprintf("the size of %s changed from %d to %d bytes: its type or struct layout changed, "+
			"and a layout change is not patchable (the running process keeps the old one)", varName(b0), s0, s1)
	}
	return fmt.Sprintf("the initial value of %s changed; a patch cannot change data the running process already has "+
		"(a changed struct layout shows the same way)", varName(b0))
}
