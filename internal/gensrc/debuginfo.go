package gensrc

import (
	"strings"

	"github.com/golibcare/golibcare/internal/asm"
)

// HasDebugInfo reports whether f carries gcc's debug information (-g and
// its variants): .loc lines, numbered .file lines or .debug_* sections.
// Such input is compared after DbgFilter: line moves would otherwise make
// unchanged functions differ and the .debug_* data mismatch.
func HasDebugInfo(f *asm.File) bool {
	for i := 1; i < f.Len(); i++ {
		s := f.Stmt(i)
		if firstTokenIs(s, ".loc") || isNumberedFile(s) || isSectionStart(s, ".debug_") {
			return true
		}
	}
	return false
}

// SourceName returns the source file named by f's first plain .file
// directive ("foo.c"), or "" when there is none.
func SourceName(f *asm.File) string {
	for i := 1; i < f.Len(); i++ {
		s := f.Stmt(i)
		t, p := asm.NextToken(s, 0)
		if string(t) != ".file" || p < 0 {
			continue
		}
		name, _ := asm.NextToken(s, p)
		if len(name) >= 2 && name[0] == '"' && name[len(name)-1] == '"' {
			return string(name[1 : len(name)-1])
		}
	}
	return ""
}

// ltoSection returns the name of a .gnu.lto_* section of f: gcc -flto
// writes GIMPLE bytecode there instead of machine code.
func ltoSection(f *asm.File) string {
	for _, s := range f.Sections {
		if strings.HasPrefix(s.Name, ".gnu.lto_") {
			return s.Name
		}
	}
	return ""
}
