package gensrc

import (
	"fmt"

	"github.com/golibcare/golibcare/internal/asm"
)

func (g *gen) writeOther(b *blk) {
	g.writeBlock(b, 0)
	b.handled = true
	if b.pair != nil {
		b.pair.handled = true
	}
}

func (g *gen) writeAttr(b, pair *blk) {
	g.writeBlock(b, flagRename)
	b.handled = true
	if pair != nil {
		b.pair, pair.pair = pair, b
		pair.handled = true
	}
}

func (g *gen) writeVar(b *blk) {
	g.out.WriteString("#---------- var ---------\n")
	if b.pair != nil && b.pair.Global && !b.Global {
		g.printf("\t.globl %s\n", b.Name)
	}
	g.writeBlock(b, 0)
	b.handled = true
	if b.pair != nil {
		b.pair.handled = true
	}
}

// write emits the result (kpatch_gensrc.c write_cblocks): the patched
// file's header, the original blocks with their patches, new functions and
// variables, unlinked functions, attributes, the footer.
func (g *gen) write() {
	for _, b1 := range g.f1.blocks {
		if b1.Type == asm.BlockOther {
			g.writeOther(b1)
			break
		}
	}
	for _, b0 := range g.f0.blocks {
		switch b0.Type {
		case asm.BlockFunc:
			g.writeFunc(b0)
		case asm.BlockVar:
			g.writeVar(b0)
		}
	}
	for _, b1 := range g.f1.blocks {
		if b1.pair != nil {
			continue
		}
		switch b1.Type {
		case asm.BlockFunc:
			g.out.WriteString("#---------- new func ---------\n")
			g.writeNewFunction(b1)
		case asm.BlockVar:
			g.genBlock(b1, flagRename)
		}
	}
	g.writeUnlinked()
	g.writeAttrs()
	for _, b1 := range g.f1.blocks {
		if b1.Type == asm.BlockOther && !b1.handled {
			g.writeOther(b1)
		}
	}
	g.checkHandled(g.f0)
	g.checkHandled(g.f1)
}

func (g *gen) writeUnlinked() {
	for _, b1 := range g.f1.blocks {
		if b1.Type == asm.BlockFunc && b1.unlink {
			g.newLabels(b1)
			g.renameAdd(g.f1.ren, b1.Name, b1.Name+".kpatch")
		}
	}
	for _, b1 := range g.f1.blocks {
		if b1.Type == asm.BlockFunc && b1.unlink {
			g.out.WriteString("#---------- unlinked func ---------\n")
			g.writeNewFunction(b1)
		}
	}
}

func (g *gen) writeAttrs() {
	for _, b0 := range g.f0.blocks {
		if b0.Type == asm.BlockAttr {
			g.writeAttr(b0, g.f1.byName[b0.Name])
		}
	}
	for _, b1 := range g.f1.blocks {
		if b1.Type == asm.BlockAttr && !b1.handled {
			g.writeAttr(b1, g.f0.byName[b1.Name])
		}
	}
}

func (g *gen) checkHandled(fs *fileState) {
	for _, b := range fs.blocks {
		if !b.handled {
			g.fail(fmt.Errorf("Unhandled block left %d:%d-%d", fs.id, fs.f.LineOf(b.Start), fs.f.LineOf(b.End)))
			return
		}
	}
}
