package patchmake

import (
	"fmt"
	"slices"
	"strings"
)

// MaxFuzz is how many context lines a hunk may lose at each end and still
// apply, as patch(1)'s default --fuzz=2.
const MaxFuzz = 2

// HunkError says which hunk of which file did not apply.
type HunkError struct {
	File   string // the file's name in the diff
	Hunk   int    // 1-based
	Line   int    // the line the hunk header names
	Reason string // what is known of why ("different line endings"), or ""
}

func (e *HunkError) Error() string {
	s := fmt.Sprintf("hunk #%d of %s does not apply (at line %d)", e.Hunk, e.File, e.Line)
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

// text is a file as lines without terminators; noEOL says the last line has
// no newline.
type text struct {
	lines []string
	noEOL bool
}

func splitText(b []byte) text {
	s := string(b)
	if s == "" {
		return text{}
	}
	t := text{noEOL: !strings.HasSuffix(s, "\n")}
	t.lines = strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	return t
}

func (t text) bytes() []byte {
	if len(t.lines) == 0 {
		return []byte{} // non-nil: nil output means "no result"
	}
	s := strings.Join(t.lines, "\n")
	if !t.noEOL {
		s += "\n"
	}
	return []byte(s)
}

// ApplyHunks applies the hunks of one file to src like patch(1): each hunk
// is searched outward from its stated line (moved by the line counts and
// offset of the hunks before it), first with all its context, then dropping
// up to MaxFuzz context lines at each end. Notes describe hunks that applied
// with an offset or fuzz. name is used in messages only.
//
// A diff whose lines all end in CRLF applied to a file with LF lines has its
// CRs dropped, as patch(1) does for a diff converted to CRLF; to a file
// with CRLF lines it applies as it is (patch --binary: patch(1) without it
// fails there with "different line endings").
func ApplyHunks(name string, src []byte, hunks []Hunk) (out []byte, notes []string, err error) {
	t := splitText(src)
	if crlfHunks(hunks) && !t.crlf() {
		hunks = dropCRs(hunks)
	}
	delta, lastOffset, floor := 0, 0, 0
	for i, h := range hunks {
		want := hunkBase(h) + delta
		m, ok := locate(t.lines, h, want+lastOffset, floor)
		if !ok {
			return nil, notes, &HunkError{File: name, Hunk: i + 1, Line: h.OldStart, Reason: whyNot(t.lines, h, want+lastOffset, floor)}
		}
		lastOffset = m.start - want
		if note := m.note(i+1, lastOffset); note != "" {
			notes = append(notes, note)
		}
		t.lines = splice(t.lines, m.pos, len(m.old), m.repl)
		if m.trail == 0 && m.pos+len(m.repl) == len(t.lines) {
			t.noEOL = h.NewNoEOL
		}
		delta += h.NewLines - h.OldLines
		floor = m.pos + len(m.repl)
	}
	return t.bytes(), notes, nil
}

// crlf reports whether the text's lines end in CRLF (its first line does).
func (t text) crlf() bool {
	return len(t.lines) > 0 && strings.HasSuffix(t.lines[0], "\r")
}

// crlfHunks reports whether every line of the hunks ends in CR.
func crlfHunks(hunks []Hunk) bool {
	n := 0
	for _, h := range hunks {
		for _, l := range h.Lines {
			if !strings.HasSuffix(l.Text, "\r") {
				return false
			}
			n++
		}
	}
	return n > 0
}

func dropCRs(hunks []Hunk) []Hunk {
	out := make([]Hunk, len(hunks))
	for i, h := range hunks {
		out[i] = h
		out[i].Lines = make([]Line, len(h.Lines))
		for j, l := range h.Lines {
			out[i].Lines[j] = Line{Op: l.Op, Text: strings.TrimSuffix(l.Text, "\r")}
		}
	}
	return out
}

// whyNot tells, for a hunk that does not apply, whether it would with the
// line endings ignored, or reversed (a patch already applied).
func whyNot(lines []string, h Hunk, want, floor int) string {
	bare := make([]string, len(lines))
	for i, l := range lines {
		bare[i] = strings.TrimSuffix(l, "\r")
	}
	if _, ok := locate(bare, dropCRs([]Hunk{h})[0], want, floor); ok {
		return "different line endings"
	}
	if slices.Equal(hunkOld(h), hunkNew(h)) {
		return "" // reversed it is the same hunk
	}
	if _, ok := locate(lines, reverseHunk(h), want, floor); ok {
		return "the reversed hunk applies: the patch seems already applied"
	}
	return ""
}

func reverseHunk(h Hunk) Hunk {
	r := Hunk{OldStart: h.NewStart, OldLines: h.NewLines, NewStart: h.OldStart, NewLines: h.OldLines,
		OldNoEOL: h.NewNoEOL, NewNoEOL: h.OldNoEOL, Lines: make([]Line, len(h.Lines))}
	for i, l := range h.Lines {
		switch l.Op {
		case '+':
			l.Op = '-'
		case '-':
			l.Op = '+'
		}
		r.Lines[i] = l
	}
	return r
}

// hunkBase is the 0-based index where the hunk's first old line should be;
// a hunk with no old lines inserts after line OldStart.
func hunkBase(h Hunk) int {
	if h.OldLines == 0 {
		return h.OldStart
	}
	return h.OldStart - 1
}

// match is where a hunk applies: its trimmed old lines sit at pos; start is
// where the untrimmed hunk would begin.
type match struct {
	pos, start  int
	fuzz, trail int
	old, repl   []string
}

func (m match) note(n, offset int) string {
	var parts []string
	if offset != 0 {
		unit := "lines"
		if offset == 1 || offset == -1 {
			unit = "line"
		}
		parts = append(parts, fmt.Sprintf("offset %d %s", offset, unit))
	}
	if m.fuzz != 0 {
		parts = append(parts, fmt.Sprintf("fuzz %d", m.fuzz))
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("Hunk #%d succeeded at %d (%s).", n, m.start+1, strings.Join(parts, ", "))
}

// locate finds the hunk at the smallest fuzz, then the smallest distance
// from want (forward first), never before floor.
func locate(lines []string, h Hunk, want, floor int) (match, bool) {
	old, repl := hunkOld(h), hunkNew(h)
	lead, trail := leadingContext(h), trailingContext(h)
	for fuzz := 0; fuzz <= MaxFuzz; fuzz++ {
		l, r := min(fuzz, lead), min(fuzz, trail)
		if fuzz > 0 && l == 0 && r == 0 {
			continue // nothing to trim: same search as fuzz 0
		}
		if l+r > len(old) || (l+r == len(old) && len(old) > 0) {
			continue // never let fuzz trim a hunk down to nothing
		}
		o := old[l : len(old)-r]
		if pos, ok := search(lines, o, want+l, floor); ok {
			return match{pos: pos, start: pos - l, fuzz: fuzz, trail: r,
				old: o, repl: repl[l : len(repl)-r]}, true
		}
	}
	return match{}, false
}

func search(lines, old []string, want, floor int) (int, bool) {
	last := len(lines) - len(old)
	want = max(floor, min(want, last)) // bounds the loop for absurd line numbers
	for d := 0; want+d <= last || want-d >= floor; d++ {
		if p := want + d; p >= floor && p <= last && equalAt(lines, old, p) {
			return p, true
		}
		if p := want - d; d > 0 && p >= floor && p <= last && equalAt(lines, old, p) {
			return p, true
		}
	}
	return 0, false
}

func equalAt(lines, old []string, p int) bool {
	for i, s := range old {
		if lines[p+i] != s {
			return false
		}
	}
	return true
}

func splice(lines []string, pos, n int, repl []string) []string {
	out := make([]string, 0, len(lines)-n+len(repl))
	out = append(out, lines[:pos]...)
	out = append(out, repl...)
	return append(out, lines[pos+n:]...)
}

func hunkOld(h Hunk) []string { return hunkSide(h, '+') }
func hunkNew(h Hunk) []string { return hunkSide(h, '-') }

// hunkSide returns the hunk's lines without those marked skip.
func hunkSide(h Hunk, skip byte) []string {
	var s []string
	for _, l := range h.Lines {
		if l.Op != skip {
			s = append(s, l.Text)
		}
	}
	return s
}

func leadingContext(h Hunk) int {
	n := 0
	for n < len(h.Lines) && h.Lines[n].Op == ' ' {
		n++
	}
	return n
}

func trailingContext(h Hunk) int {
	n := 0
	for n < len(h.Lines) && h.Lines[len(h.Lines)-1-n].Op == ' ' {
		n++
	}
	return n
}
