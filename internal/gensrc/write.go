package gensrc

import (
	"fmt"
	"strconv"

	"github.com/golibcare/golibcare/internal/asm"
)

const (
	flagPush     = 0x01
	flagRename   = 0x10
	flagGOTPCREL = 0x20
	// flagNewExtern routes references to g.externs through the GOT.
	flagNewExtern = 0x40

	kpatchText = `.kpatch.text,"ax",@progbits`
	kpatchData = `.kpatch.data,"aw",@progbits`
)

func (g *gen) printf(format string, args ...any) {
	fmt.Fprintf(&g.out, format, args...)
}

// writeLine writes statement l of b, renamed and rewritten as flags say,
// re-joining statements of one physical line with "; " (kpatch_gensrc.c
// cblock_write_line).
func (g *gen) writeLine(b *blk, l int, flags int) {
	f := b.fs.f
	s := f.Stmt(l)
	if flags&(flagRename|flagGOTPCREL|flagNewExtern) != 0 {
		g.tmp = g.tmp[:0]
		if flags&flagRename != 0 {
			g.tmp = appendRenamed(g.tmp, b.fs.ren, s)
		} else {
			g.tmp = append(g.tmp, s...)
		}
		done := false
		if flags&flagGOTPCREL != 0 {
			if r, ok := rewriteGOTPCREL(g.tmp); ok {
				g.tmp, done = append(g.tmp[:0], r...), true
			}
		}
		if !done && flags&flagNewExtern != 0 {
			if r, ok := rewriteNewExtern(g.tmp, g.externs); ok {
				g.tmp = append(g.tmp[:0], r...)
			}
		}
		s = g.tmp
	}
	g.out.Write(s)
	switch {
	case f.LineOf(l) != f.LineOf(l+1):
		g.out.WriteByte('\n')
	case len(s) == 0 || s[len(s)-1] != ':':
		g.out.WriteString("; ")
	}
}

func (g *gen) writeBlock(b *blk, flags int) {
	for i := b.Start; i < b.End; i++ {
		g.writeLine(b, i, flags)
	}
}

// changeSection switches to the .kpatch counterpart of sect
// (kpatch_gensrc.c change_section); the first .kpatch.data gets page
// alignment so kpatch_strip can map it on its own pages.
func (g *gen) changeSection(sect *asm.Section, flags int) {
	s := outName(sect)
	push := ""
	if flags&flagPush != 0 {
		push = "push"
	}
	g.printf("\t.%ssection %s\n", push, s)
	if s == kpatchData && !g.dataAligned {
		g.dataAligned = true
		g.out.WriteString("\t.p2align 12\n")
	}
}

// outName is where new code or data of sect goes.
func outName(sect *asm.Section) string {
	switch {
	case sect.OutName != "":
		return sect.OutName
	case sect.Exec:
		return kpatchText
	}
	return kpatchData
}

var dataSection = asm.Section{Name: ".data"}

// addComm replaces ".comm NAME,SIZE[,ALIGN]" of new code, which implies
// .bss, by a definition in .kpatch.data (kpatch_gensrc.c add_comm_cmd).
func (g *gen) addComm(b *blk, l int, flags int) {
	s := b.fs.f.Stmt(l)
	t := asm.Tokens(s, 6)
	if string(t[0]) != ".comm" {
		g.fail(fmt.Errorf("get_comm_args() on non .comm cmd"))
		return
	}
	name := string(t[1])
	if string(t[2]) != "," {
		g.fail(fmt.Errorf("can't parse .comm token #3"))
		return
	}
	size, err := strconv.ParseUint(leadingDigits(t[3]), 10, 31)
	if err != nil {
		g.fail(fmt.Errorf("can't parse .comm size"))
		return
	}
	var align uint64
	if t[4] != nil {
		if string(t[4]) != "," {
			g.fail(fmt.Errorf("can't parse .comm token #5"))
			return
		}
		if align, err = strconv.ParseUint(leadingDigits(t[5]), 10, 31); err != nil {
			g.fail(fmt.Errorf("can't parse .comm align"))
			return
		}
	}
	if d, ok := b.fs.ren[name]; ok && flags&flagRename != 0 {
		name = d
	}
	g.changeSection(&dataSection, flagPush)
	if align != 0 {
		g.printf("\t.align\t%d\n", align)
	}
	g.printf("%s:\n", name)
	if size != 0 {
		g.printf("\t.zero\t%d\n", size)
	}
	g.out.WriteString("\t.popsection\n")
}

func leadingDigits(t []byte) string {
	n := 0
	for n < len(t) && isDigit(t[n]) {
		n++
	}
	return string(t[:n])
}

// genBody writes a block as new code: section switches go to the .kpatch
// sections, .comm to .kpatch.data (kpatch_gensrc.c __cblock_gen).
func (g *gen) genBody(b *blk, flags int) {
	f := b.fs.f
	for i := b.Start; i < b.End; i++ {
		switch f.Kinds[i] {
		case asm.DirText, asm.DirData, asm.DirBss, asm.DirPushSection, asm.DirSection, asm.DirPopSection, asm.DirPrevious:
			if i != b.Start {
				g.changeSection(f.SectionOf(i), 0)
			}
		case asm.DirComm:
			g.addComm(b, i, flags)
		default:
			g.writeLine(b, i, flags)
		}
	}
}

// genBlock writes new code or data wrapped in push/popsection
// (kpatch_gensrc.c cblock_gen).
func (g *gen) genBlock(b *blk, flags int) {
	g.changeSection(b.fs.f.SectionOf(b.Start), flagPush)
	if g.opts.ForceGlobal && b.Type == asm.BlockFunc {
		// The name the code is emitted under: NAME.kpatch for a changed
		// function, NAME itself for a new one (upstream declared a
		// NAME.kpatch that does not exist). Hidden, as the static
		// originals (writeFunc): its address may be taken PC-relatively,
		// also in a shared library.
		name := b.Name
		if d, ok := b.fs.ren[b.Name]; ok {
			name = d
		}
		g.printf("\t.globl\t%s\n\t.hidden\t%s\n", name, name)
	}
	g.genBody(b, flags)
	if b.Type == asm.BlockFunc {
		// A function block may end in a data section (its .init_array
		// entry); the end label must be beside the code for slen.
		if entry := entrySection(b); outName(entry) != outName(b.fs.f.SectionOf(b.End-1)) {
			g.changeSection(entry, 0)
		}
		g.printf("%s.kpatch_end:\n", b.Name)
	}
	g.out.WriteString("\t.popsection\n")
	b.handled = true
}
