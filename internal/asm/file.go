package asm

import (
	"bytes"
	"fmt"
)

// File is one assembly file cut into statements. Index 0 is a dummy empty
// statement so that statement indexes of one-statement lines equal their
// 1-based line numbers, as in LibcarePlus.
type File struct {
	// Name is the path the file was read from (for messages).
	Name string
	// Dir and Base are the directory and base name of the file's real path;
	// gensrc matches build-path strings against Dir and FLIST file prefixes
	// against Base. The caller sets them.
	Dir, Base string

	Stmts [][]byte // statement text, without line ends
	Lines []int32  // 1-based physical line of each statement (0 for the dummy)
	Kinds []Kind

	Sections []Section
	states   []secState
	sect     []int32

	// Blocks are the code blocks in file order (nil after ReadStatements).
	Blocks []*Block
}

// ReadStatements splits data into statements, classifies them and tracks
// sections. It never fails; it is all that --dbg-filter needs.
func ReadStatements(name string, data []byte) *File {
	lines := splitLines(data)
	f := &File{Name: name}
	f.Stmts = make([][]byte, 1, len(lines)+len(lines)/8+1)
	f.Lines = make([]int32, 1, cap(f.Stmts))
	f.Stmt(0) = []byte{}
	for i, l := range lines {
		n := f.Len()
		f.Stmts = splitStatements(f.Stmts, l)
		for j := n; j < f.Len(); j++ {
			f.Lines = append(f.Lines, int32(i+1))
		}
	}
	f.Kinds = make([]Kind, f.Len())
	for i := 1; i < f.Len(); i++ {
		f.Kinds[i] = Classify(f.Stmt(i))
	}
	f.trackSections()
	return f
}

// Parse reads data like ReadStatements and cuts it into code blocks. The
// only error is a duplicate block name.
func Parse(name string, data []byte) (*File, error) {
	f := ReadStatements(name, data)
	if err := f.buildBlocks(); err != nil {
		return nil, err
	}
	return f, nil
}

// Len returns the number of statements including the dummy one.
func (f *File) Len() int { return f.Len() }

// LineOf returns the physical line of statement i, 0 when out of range
// (kpatch_parse.c clinenum).
func (f *File) LineOf(i int) int {
	if i < 0 || i >= len(f.Lines) {
		return 0
	}
	return int(f.Lines[i])
}

// Blank reports whether statement i is empty (not merely blanks).
func (f *File) Blank(i int) bool { return len(f.Stmt(i)) == 0 }

// typeArgs returns NAME and ATTR of ".type NAME, ATTR".
func typeArgs(s []byte) (name, attr []byte) {
	_, p := NextToken(s, 0)
	name, p = NextToken(s, p)
	comma, p := NextToken(s, p)
	if len(comma) != 1 || comma[0] != ',' {
		return name, nil
	}
	attr, _ = NextToken(s, p)
	return name, attr
}

func errDuplicate(name string) error {
	return fmt.Errorf("duplicate cblock name '%s'", name)
}

var (
	lcold = []byte(".LCOLD")
	lhot  = []byte(".LHOT")
)

// isColdHotLabel reports a .LCOLD*/.LHOT* label statement, which gcc puts
// around functions split by -freorder-blocks-and-partition.
func (f *File) isColdHotLabel(i int) bool {
	if f.Kinds[i] != Label {
		return false
	}
	s := f.Stmt(i)
	return bytes.Contains(s, lcold) || bytes.Contains(s, lhot)
}
