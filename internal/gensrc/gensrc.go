// Package gensrc compares the assembly of an original and a patched
// compilation and writes the original assembly augmented with the changed
// and new code in .kpatch.* sections, one kpatch_info record per function
// (LibcarePlus kpatch_gensrc, facts §2). It also implements the debug
// filter mode. The package is pure: files come in as parsed asm.File
// values and the result goes out as bytes.
package gensrc

import (
	"bytes"
	"fmt"

	"github.com/golibcare/golibcare/internal/asm"
)

// blk is a block with the matching state of one run.
type blk struct {
	*asm.Block
	fs      *fileState
	pair    *blk
	handled bool
	ignore  bool // paired and unchanged (or ignored): no patch
	unlink  bool
}

type fileState struct {
	f       *asm.File
	id      int
	ren     renames
	blocks  []*blk
	byName  map[string]*blk
	byHuman map[string][]*blk
}

func newFileState(f *asm.File, id int) *fileState {
	fs := &fileState{
		f:       f,
		id:      id,
		ren:     make(renames),
		blocks:  make([]*blk, 0, len(f.Blocks)+4),
		byName:  make(map[string]*blk, len(f.Blocks)),
		byHuman: make(map[string][]*blk, len(f.Blocks)),
	}
	for _, b := range f.Blocks {
		x := &blk{Block: b, fs: fs}
		fs.blocks = append(fs.blocks, x)
		if b.Name != "" {
			fs.byName[b.Name] = x
			fs.byHuman[b.Human] = append(fs.byHuman[b.Human], x)
		}
	}
	return fs
}

// gen holds one Generate run; err is sticky: the first failure wins and
// later steps stop.
type gen struct {
	opts   Options
	f0, f1 *fileState
	err    error
	out    bytes.Buffer
	nsyms  int
	tmp    []byte
	// externs are the symbols new code reaches that the original file
	// neither defines nor references (newextern.go).
	externs map[string]bool
	// dataAligned is set once .kpatch.data has been emitted with its page
	// alignment.
	dataAligned bool
}

func (g *gen) fail(err error) {
	if g.err == nil {
		g.err = err
	}
}

func (g *gen) debugf(format string, args ...any) {
	if g.opts.LogLevel >= 3 && g.opts.Log != nil {
		fmt.Fprintf(g.opts.Log, format, args...)
	}
}

// Generate compares orig and patched (both from asm.Parse) and returns the
// augmented assembly. Errors carry upstream's FATAL messages (without the
// "FATAL! " prefix), e.g. "Variable x was removed or changed? Patch
// requires adoptation".
func Generate(orig, patched *asm.File, opts Options) ([]byte, error) {
	if orig == nil || patched == nil || !orig.Parsed() || !patched.Parsed() {
		return nil, fmt.Errorf("gensrc: inputs must come from asm.Parse")
	}
	g := &gen{opts: opts, f0: newFileState(orig, 0), f1: newFileState(patched, 1)}
	g.out.Grow(orig.Size() + orig.Size()/4 + 4096)
	steps := []func(){g.checkLTO, g.analyzeVars, g.analyzeFuncs, g.analyzeOthers, g.markExterns, g.write}
	for _, step := range steps {
		if step(); g.err != nil {
			return nil, g.err
		}
	}
	return g.out.Bytes(), nil
}
