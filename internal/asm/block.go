package asm

import (
	"bytes"
	"strings"
)

// BlockType is the kind of a code block (kpatch_parse.h CBLOCK_*).
type BlockType uint8

// Block types.
const (
	BlockOther BlockType = iota
	BlockFunc
	BlockVar
	BlockAttr
)

// String returns other, func, var or attr.
func (t BlockType) String() string {
	return [...]string{"other", "func", "var", "attr"}[t]
}

// Block is a run of statements [Start, End) forming one function, variable,
// attribute directive or other chunk.
type Block struct {
	Type       BlockType
	Start, End int
	// Name is the symbol; for attributes the whole directive text; empty
	// for other blocks.
	Name string
	// Human is Name without gcc's numbered suffixes: foo.part.0 → foo,
	// x.3 → x, every .LCn → "."; Auto is Human != Name.
	Human string
	Auto  bool
	// Global is set when the block contains a .globl for its symbol.
	Global bool
	// Adapted is set by ".kpgensrc_flags KPGENSRC_ADAPTED" in a function.
	Adapted bool
}

// HumanName returns name without gcc's numbered suffixes
// (kpatch_parse.c cblock_make_human_name).
func HumanName(name string) string {
	if name == "" {
		return name
	}
	last := name[len(name)-1]
	digit := last >= '0' && last <= '9'
	if digit {
		if name[0] == '.' {
			return "."
		}
		if i := strings.IndexAny(name, ".,\t"); i > 0 {
			return name[:i]
		}
	}
	if digit && strings.HasPrefix(name, "__mod_") {
		return strings.TrimRight(name, "0123456789")
	}
	return name
}

func (f *File) addBlock(t BlockType, s, e int, name string, globl bool, names map[string]bool) (*Block, error) {
	if name != "" {
		if names[name] {
			return nil, errDuplicate(name)
		}
		names[name] = true
	}
	h := HumanName(name)
	b := &Block{Type: t, Start: s, End: e, Name: name, Human: h, Auto: h != name, Global: globl}
	f.Blocks = append(f.Blocks, b)
	return b, nil
}

// buildBlocks cuts the file into blocks (kpatch_parse.c cblocks_init).
func (f *File) buildBlocks() error {
	names := make(map[string]bool, 256)
	f.Blocks = f.Blocks[:0]
	for i := 1; i < f.Len(); {
		if f.Blank(i) {
			i++
			continue
		}
		var err error
		if nm, ok := f.functionStart(i); ok {
			i, err = f.funcBlock(i, nm, names)
		} else if nm, _, _, ok := f.variableStart(i); ok {
			i, err = f.varBlock(i, nm, names)
		} else if f.Kinds[i] == DirSet {
			_, err = f.addBlock(BlockVar, i, i+1, string(secondToken(f.Stmt(i))), false, names)
			i++
		} else if f.Kinds[i] == DirWeak || f.Kinds[i] == DirGlobl {
			f.attrBlock(i, names)
			i++
		} else {
			i = f.otherBlock(i)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// functionStart reports whether a function's header starts at l: blank
// lines, code-section switches, aligns and .LCOLD/.LHOT labels, then
// .globl/.hidden/.protected/.internal/.weak (not first) and .type @function
// lines that all name the same symbol (arch_parse.c is_function_start).
func (f *File) functionStart(l int) (string, bool) {
	var nm []byte
	func_ := false
	for l0 := l; l < f.Len(); l++ {
		k := f.Kinds[l]
		if l != l0 && f.Blank(l) {
			continue
		}
		if (k.IsSectionCmd() && f.SectionOf(l).Exec) || k == DirAlign {
			continue
		}
		isType := false
		if k == DirType {
			_, attr := typeArgs(f.Stmt(l))
			isType = string(attr) == "@function"
		}
		if (k == DirWeak && l != l0) || k == DirGlobl || k == DirHidden || k == DirProtected || k == DirInternal || isType {
			nm2 := secondToken(f.Stmt(l))
			if nm != nil && !bytes.Equal(nm, nm2) {
				return "", false
			}
			nm = nm2
			func_ = func_ || k == DirType
			continue
		}
		if f.isColdHotLabel(l) {
			continue
		}
		break
	}
	if !func_ {
		return "", false
	}
	return string(nm), true
}

// stripColdHot removes a .cold/.hot part suffix when it leaves want.
func stripColdHot(name []byte, want string) bool {
	if len(name) <= len(want) || string(name[:len(want)]) != want {
		return string(name) == want
	}
	rest := name[len(want):]
	return bytes.HasPrefix(rest, []byte(".cold")) || bytes.HasPrefix(rest, []byte(".hot"))
}

// funcBlock reads a function from its header to the .size that balances its
// .type @function lines, so that foo.cold belongs to foo, plus a following
// .init_array entry for it.
func (f *File) funcBlock(s int, nm string, names map[string]bool) (int, error) {
	globl, adapted, types := false, false, 0
	e := s
scan:
	for ; e < f.Len()-1; e++ {
		switch f.Kinds[e] {
		case DirGlobl:
			globl = true
		case DirKpFlags:
			adapted = adapted || bytes.Contains(f.Stmt(e), []byte("KPGENSRC_ADAPTED"))
			f.blank(e)
		case DirType:
			if name, attr := typeArgs(f.Stmt(e)); string(attr) == "@function" && stripColdHot(name, nm) {
				types++
			}
		case DirSize:
			if stripColdHot(secondToken(f.Stmt(e)), nm) {
				if types--; types <= 0 {
					break scan
				}
			}
		}
	}
	e++
	e = f.initArrayTail(f.coldTail(e), nm)
	b, err := f.addBlock(BlockFunc, s, e, nm, globl, names)
	if err != nil {
		return e, err
	}
	b.Adapted = adapted
	return e, nil
}

// coldTail extends a function block over the .LCOLDE/.LHOTE end labels of
// its hot/cold partitions (and the section switches between them), which
// upstream leaves to the next block or, before a lone .hidden, to an
// "other" block that is written out of place.
func (f *File) coldTail(e int) int {
	for l := e; l < f.Len(); l++ {
		switch {
		case f.isColdHotEnd(l):
			e = l + 1
		case f.Kinds[l].IsSectionCmd() && l+1 < f.Len() && f.isColdHotEnd(l+1):
		default:
			return e
		}
	}
	return e
}

func (f *File) isColdHotEnd(l int) bool {
	if f.Kinds[l] != Label {
		return false
	}
	t, _ := NextToken(f.Stmt(l), 0)
	return bytes.HasPrefix(t, []byte(".LCOLDE")) || bytes.HasPrefix(t, []byte(".LHOTE"))
}

// initArrayTail extends a function block over a following
// ".section .init_array / .align / .quad NAME" chunk.
func (f *File) initArrayTail(e int, nm string) int {
	l := e
	sawSect := false
	for ; l < f.Len(); l++ {
		k := f.Kinds[l]
		switch {
		case f.Blank(l) || k == DirAlign:
			continue
		case k == DirSection || k == DirPushSection:
			n := f.SectionOf(l).Name
			if n != ".init_array" && n != ".fini_array" && !strings.HasPrefix(n, ".init_array.") && !strings.HasPrefix(n, ".fini_array.") {
				return e
			}
			sawSect = true
			continue
		}
		break
	}
	if !sawSect || l >= f.Len() {
		return e
	}
	toks := Tokens(f.Stmt(l), 3)
	if string(toks[0]) == ".quad" && string(toks[1]) == nm && len(toks[2]) == 0 {
		return l + 1
	}
	return e
}
