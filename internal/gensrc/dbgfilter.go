package gensrc

import (
	"bytes"

	"github.com/golibcare/golibcare/internal/asm"
)

// DbgOptions select what DbgFilter removes besides the debug information.
type DbgOptions struct {
	SkipEHFrame     bool // --dbg-filter-eh-frame
	SkipExceptTable bool // --dbg-filter-gcc-except-table
	SkipCFI         bool // --dbg-filter-cfi
	EmitNewlines    bool // --dbg-filter-emit-newlines: keep blank lines instead
}

func hasTokenPrefix(s []byte, prefixes ...string) bool {
	t, _ := asm.NextToken(s, 0)
	for _, p := range prefixes {
		if bytes.HasPrefix(t, []byte(p)) {
			return true
		}
	}
	return false
}

func firstTokenIs(s []byte, w string) bool {
	t, _ := asm.NextToken(s, 0)
	return string(t) == w
}

// DbgFilter copies f without comments, .loc, numbered .file, debug labels,
// .Ltext/.Letext labels, .debug_* sections and optionally CFI, .eh_frame
// and .gcc_except_table (kpatch_dbgfilter.c, facts §2.7).
func DbgFilter(f *asm.File, o DbgOptions) []byte {
	var out bytes.Buffer
	out.Grow(f.Len() * 16)
	for i := 1; i < f.Len(); {
		n := filterSkip(f, i, o)
		if n == 0 {
			s := f.Stmt(i)
			out.Write(s)
			switch {
			case f.LineOf(i) != f.LineOf(i+1):
				out.WriteByte('\n')
			case len(s) == 0 || s[len(s)-1] != ':':
				out.WriteString("; ")
			}
			i++
			continue
		}
		i += n
		if o.EmitNewlines {
			if n > 16 {
				n = 1
			}
			out.Write(bytes.Repeat([]byte{'\n'}, n))
		}
	}
	return out.Bytes()
}

// filterSkip returns how many statements at l are filtered out.
func filterSkip(f *asm.File, l int, o DbgOptions) int {
	s := f.Stmt(l)
	switch {
	case hasTokenPrefix(s, ".LCOLD", ".LHOT", "#"):
		return 1
	case firstTokenIs(s, ".loc"):
		return 1
	case isNumberedFile(s):
		return 1
	case hasTokenPrefix(s, ".LBB", ".LBE", ".LBI", ".LFB", ".LCFI", ".LFE", ".LVL"):
		// .LBI (inlined-block entry, gcc -O2 -g) is missing upstream; left
		// in, its numbering makes functions differ when only lines moved.
		return 1
	case o.SkipCFI && hasTokenPrefix(s, ".cfi"):
		return 1
	case o.SkipExceptTable && firstTokenIs(s, ".cfi_lsda"):
		// The .LLSDA labels live in the dropped .gcc_except_table; a kept
		// reference to them would not link (g++ code with cleanups).
		return 1
	}
	if n := skipLtext(f, l); n > 0 {
		return n
	}
	if n := skipSections(f, l, ".debug_"); n > 0 {
		return n
	}
	if o.SkipEHFrame {
		if n := skipSections(f, l, ".eh_frame"); n > 0 {
			return n
		}
	}
	if o.SkipExceptTable {
		if n := skipSections(f, l, ".gcc_except_table"); n > 0 {
			return n
		}
	}
	return 0
}

func isNumberedFile(s []byte) bool {
	t, p := asm.NextToken(s, 0)
	return string(t) == ".file" && p >= 0 && isDigit(s[p])
}

// skipLtext matches ".Ltext0:"/".Letext0:", with the ".text" before it
// (facts §2.7; upstream's skip_ltext_lbl looks one statement too far after
// a ".text" and so usually keeps it, which only leaves a harmless switch).
func skipLtext(f *asm.File, l int) int {
	n := 0
	if firstTokenIs(f.Stmt(l), ".text") {
		n = 1
	}
	if l+n >= f.Len() || !hasTokenPrefix(f.Stmt(l+n), ".Ltext", ".Letext") {
		return 0
	}
	return n + 1
}

// skipSections matches runs of ".section PREFIX..." with their aligns,
// labels and data, eating a closing .previous.
func skipSections(f *asm.File, l0 int, prefix string) int {
	l := l0
	for l < f.Len() && isSectionStart(f.Stmt(l), prefix) {
		l++
		for l < f.Len() {
			s := f.Stmt(l)
			k := asm.Classify(s)
			if k == asm.DirPrevious {
				l++
				break
			}
			// A numbered .file may sit in .debug_macro (gcc -g3): it names
			// a header, not a section end.
			if k != asm.DirAlign && k != asm.Label && k != asm.LocalLabel && !asm.IsDataDef(s) && !isNumberedFile(s) {
				break
			}
			l++
		}
	}
	return l - l0
}

func isSectionStart(s []byte, prefix string) bool {
	if asm.Classify(s) != asm.DirSection {
		return false
	}
	t := asm.Tokens(s, 2)[1]
	return bytes.HasPrefix(t, []byte(prefix))
}
