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

	// data is the file; statement i is data[off[2i]:off[2i+1]]. Offsets
	// rather than slices keep a 3 MB file's index small.
	data []byte
	off  []uint32
	// lines is the 1-based physical line of each statement (0 for the
	// dummy); nil while every statement is on its own line, as in gcc
	// output, where statement i is line i.
	lines []int32
	Kinds []Kind

	Sections []Section
	states   []secState
	sect     []int32

	// Blocks are the code blocks in file order (nil after ReadStatements).
	Blocks []*Block
	parsed bool
}

// MaxSize is the largest input accepted (statement offsets are 32-bit).
const MaxSize = 1<<32 - 1

// ReadStatements splits data into statements, classifies them and tracks
// sections; it is all that --dbg-filter needs. data is kept, not copied.
func ReadStatements(name string, data []byte) (*File, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%s: file larger than %d bytes", name, MaxSize)
	}
	est := bytes.Count(data, []byte{'\n'}) + 2
	f := &File{Name: name, data: data}
	f.off = make([]uint32, 2, 2*est+2*est/16)
	for p, line := 0, int32(1); p < len(data); line++ {
		e := bytes.IndexByte(data[p:], '\n')
		next := p + e + 1
		if e < 0 {
			e, next = len(data)-p, len(data)
		}
		le := p + e
		for le > p && (data[le-1] == '\r' || data[le-1] == '\n') {
			le--
		}
		n := len(f.off)
		f.off = splitStatements(f.off, data, p, le)
		if f.lines == nil && len(f.off)-n != 2 {
			f.lines = make([]int32, n/2, cap(f.off)/2)
			for j := range f.lines {
				f.lines[j] = int32(j)
			}
		}
		for j := n; f.lines != nil && j < len(f.off); j += 2 {
			f.lines = append(f.lines, line)
		}
		p = next
	}
	f.Kinds = make([]Kind, f.Len())
	for i := 1; i < f.Len(); i++ {
		f.Kinds[i] = Classify(f.Stmt(i))
	}
	f.trackSections()
	return f, nil
}

// Parse reads data like ReadStatements and cuts it into code blocks.
// Errors: a duplicate block name, a file over MaxSize.
func Parse(name string, data []byte) (*File, error) {
	f, err := ReadStatements(name, data)
	if err != nil {
		return nil, err
	}
	if err := f.Cut(); err != nil {
		return nil, err
	}
	return f, nil
}

// Cut cuts a file made by ReadStatements into code blocks, as Parse does;
// a caller that looks at the statements first saves reading them twice.
func (f *File) Cut() error {
	if err := f.buildBlocks(); err != nil {
		return err
	}
	f.parsed = true
	return nil
}

// Parsed reports whether f was cut into blocks (made by Parse).
func (f *File) Parsed() bool { return f.parsed }

// Size returns the size of the input in bytes.
func (f *File) Size() int { return len(f.data) }

// Stmt returns the text of statement i without its line end; the slice
// aliases the input and must not be modified.
func (f *File) Stmt(i int) []byte {
	s, e := f.off[2*i], f.off[2*i+1]
	return f.data[s:e:e]
}

// blank empties statement i (a consumed .kpgensrc_flags line).
func (f *File) blank(i int) { f.off[2*i+1] = f.off[2*i] }

// Len returns the number of statements including the dummy one.
func (f *File) Len() int { return len(f.off) / 2 }

// LineOf returns the physical line of statement i, 0 when out of range
// (kpatch_parse.c clinenum).
func (f *File) LineOf(i int) int {
	if i < 0 || i >= f.Len() {
		return 0
	}
	if f.lines == nil {
		return i
	}
	return int(f.lines[i])
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
