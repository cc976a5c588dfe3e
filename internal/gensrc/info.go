package gensrc

import (
	"github.com/golibcare/golibcare/internal/asm"
)

// writeNewFunction writes b's code into .kpatch.text followed by its name
// in .kpatch.strtab and its struct kpatch_info record in .kpatch.info
// (kpatch_gensrc.c write_new_function; layout in facts §1.3).
func (g *gen) writeNewFunction(b *blk) {
	saddr := b.Name
	if d, ok := b.fs.ren[b.Name]; ok {
		saddr = d
	}
	flags := flagRename
	if g.opts.ForceGOTPCREL {
		flags |= flagGOTPCREL
	}
	if len(g.externs) > 0 {
		flags |= flagNewExtern
	}
	g.genBlock(b, flags)
	g.out.WriteString("\n")
	g.nsyms++
	g.out.WriteString("\t.pushsection .kpatch.strtab,\"a\",@progbits\n")
	g.printf("kpatch_strtab%d:\n", g.nsyms)
	g.printf("\t.string \"%s\"\n", saddr)
	g.out.WriteString("\t.popsection\n")
	g.writeInfo(b, saddr)
}

// writeInfo writes the kpatch_info record of b: daddr and dlen are 0 for
// new and unlinked functions; i686 pads each address to 8 bytes.
func (g *gen) writeInfo(b *blk, saddr string) {
	quad, pad := "\t.quad", ""
	if g.opts.Arch32 {
		quad, pad = "\t.long", "\t.long 0\n"
	}
	g.out.WriteString("\t.pushsection .kpatch.info,\"a\",@progbits\n")
	g.printf("%s.Lpi:\n", b.Name)
	if hooked := b.pair != nil && !b.unlink; hooked {
		g.printf("%s %s\n%s", quad, b.pair.Name, pad)
		g.printf("%s %s\n%s", quad, saddr, pad)
		g.printf("\t.long %s.Lfe - %s\n", b.pair.Name, b.pair.Name)
	} else {
		g.out.WriteString("\t.quad 0\n")
		g.printf("%s %s\n%s", quad, saddr, pad)
		g.out.WriteString("\t.long 0\n")
	}
	g.printf("\t.long %s.kpatch_end - %s\n", b.Name, saddr)
	g.printf("%s kpatch_strtab%d\n%s", quad, g.nsyms, pad)
	g.out.WriteString("\t.quad 0\n\t.long 0\n\t.byte 0, 0, 0, 0\n\t.popsection\n\n")
}

// entrySection returns the section where function b's own label is, which
// is where its first instruction and so the patch jump are.
func entrySection(b *blk) *asm.Section {
	f := b.fs.f
	for i := b.Start; i < b.End; i++ {
		if f.Kinds[i] != asm.Label {
			continue
		}
		if t, _ := labelName(f.Stmt(i)); string(t) == b.Name {
			return f.SectionOf(i)
		}
	}
	return f.SectionOf(b.Start)
}

// switchTo writes a plain switch to an existing section of the original
// file.
func (g *gen) switchTo(s *asm.Section) {
	switch {
	case s.Name == ".text":
		g.out.WriteString("\t.text\n")
	case s.Group:
		g.printf("\t.section\t%s\n", s.Spec)
	default:
		g.printf("\t.section\t%s\n", quoteSection(s.Name))
	}
}

func quoteSection(name string) string {
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(isAlnum(c) || c == '.' || c == '_' || c == '$' || c == '-') {
			return `"` + name + `"`
		}
	}
	return name
}

// writeFunc writes an original function, then, when its pair changed, the
// end label and the patched copy (kpatch_gensrc.c cblock_write_func).
// Deliberate fix (design §3.1): foo.Lfe goes into the section where foo
// starts, not into a literal .text, and the section in force at the end
// of the block is restored afterwards.
func (g *gen) writeFunc(b *blk) {
	g.out.WriteString("#---------- func ---------\n")
	if g.opts.ForceGlobal || (b.pair != nil && b.pair.Global && !b.Global) {
		g.printf("\t.globl\t%s\n", b.Name)
	}
	if g.opts.ForceGlobal && !b.Global && (b.pair == nil || !b.pair.Global) {
		// Unlike upstream: a static function made global must stay
		// non-preemptible, or the PC-relative references to it (its
		// address taken) cannot be linked into a shared library.
		g.printf("\t.hidden\t%s\n", b.Name)
	}
	g.writeBlock(b, 0)
	b.handled = true
	p := b.pair
	if p == nil {
		return
	}
	p.handled = true
	if p.ignore || p.unlink {
		return
	}
	entry, end := entrySection(b), b.fs.f.SectionOf(b.End-1)
	g.switchTo(entry)
	g.printf("%s.Lfe:\n", b.Name)
	g.out.WriteString("#---------- kpatch begin ---------\n")
	g.writeNewFunction(p)
	g.out.WriteString("#---------- kpatch end -----------\n")
	if end.Name != entry.Name {
		g.switchTo(end)
	}
}
