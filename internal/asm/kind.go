package asm

// Kind classifies a statement by its first token (kpatch_parse.h DIRECTIVE_*).
type Kind uint8

// Statement kinds.
const (
	Other Kind = iota
	DirAlign
	DirType
	DirComm
	DirSize
	DirWeak
	DirText
	DirData
	DirBss
	DirSection
	DirPushSection
	DirPopSection
	DirPrevious
	DirSubsection
	DirGlobl
	DirLocal
	DirHidden
	DirProtected
	DirInternal
	DirSet
	DirKpFlags
	Comment
	Label      // name: (not starting with a digit)
	LocalLabel // 1: and friends, never renamed
)

// IsSectionCmd reports whether k changes the current section.
func (k Kind) IsSectionCmd() bool {
	switch k {
	case DirText, DirData, DirBss, DirSection, DirPushSection, DirPopSection, DirPrevious, DirSubsection:
		return true
	}
	return false
}

func directiveKind(t []byte) (Kind, bool) {
	if len(t) < 4 || t[0] != '.' {
		return Other, false
	}
	switch string(t) {
	case ".align", ".p2align":
		return DirAlign, true
	case ".type":
		return DirType, true
	case ".comm":
		return DirComm, true
	case ".size":
		return DirSize, true
	case ".weak":
		return DirWeak, true
	case ".text":
		return DirText, true
	case ".data":
		return DirData, true
	case ".bss":
		return DirBss, true
	case ".section":
		return DirSection, true
	case ".pushsection":
		return DirPushSection, true
	case ".popsection":
		return DirPopSection, true
	case ".previous":
		return DirPrevious, true
	case ".subsection":
		return DirSubsection, true
	case ".globl", ".global":
		return DirGlobl, true
	case ".local":
		return DirLocal, true
	case ".hidden":
		return DirHidden, true
	case ".protected":
		return DirProtected, true
	case ".internal":
		return DirInternal, true
	case ".set":
		return DirSet, true
	case ".kpgensrc_flags":
		return DirKpFlags, true
	}
	return Other, false
}

// Classify returns the kind of one statement (arch_parse.c parse_ctype).
func Classify(s []byte) Kind {
	p := skipBlanks(s, 0)
	if p < len(s) && s[p] == '#' {
		return Comment
	}
	t, next := NextToken(s, p)
	if k, ok := directiveKind(t); ok {
		return k
	}
	if next >= 0 && s[next] == ':' && len(t) > 0 {
		if t[0] >= '0' && t[0] <= '9' {
			return LocalLabel
		}
		return Label
	}
	return Other
}

// IsDataDef reports whether the statement defines data (arch_parse.c
// is_data_def): .ascii .asciz .string .byte .word .short .int .long .quad
// .double .float .single .value .comm .zero .uleb128 .sleb128 .4byte.
func IsDataDef(s []byte) bool {
	t, _ := NextToken(s, 0)
	if len(t) < 4 || t[0] != '.' {
		return false
	}
	switch string(t) {
	case ".ascii", ".asciz", ".string", ".byte", ".word", ".short", ".int",
		".long", ".quad", ".double", ".float", ".single", ".value", ".comm",
		".zero", ".uleb128", ".sleb128", ".4byte":
		return true
	}
	return false
}
