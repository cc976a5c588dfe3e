package patchmake

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

const noNewline = `\ No newline at end of file`

// hunkHeader is a parsed "@@ -a,b +c,d @@ section" line.
type hunkHeader struct {
	oldStart, oldLines, newStart, newLines int
	section                                string
}

// parseHunkHeader reads a hunk header as patch(1) does: a count may be
// left out (1), the space before "+" and the second "@" are optional.
func parseHunkHeader(line string) (hunkHeader, error) {
	var h hunkHeader
	s := trimCR(line)[len("@@ -"):]
	var ok bool
	if h.oldStart, h.oldLines, s, ok = scanRange(s); !ok {
		return h, fmt.Errorf("bad hunk header %q", line)
	}
	s = strings.TrimLeft(s, " ")
	if !strings.HasPrefix(s, "+") {
		return h, fmt.Errorf("bad hunk header %q", line)
	}
	if h.newStart, h.newLines, s, ok = scanRange(s[1:]); !ok {
		return h, fmt.Errorf("bad hunk header %q", line)
	}
	s = strings.TrimLeft(s, " ")
	if !strings.HasPrefix(s, "@") {
		return h, fmt.Errorf("bad hunk header %q", line)
	}
	if rest, ok := strings.CutPrefix(s, "@@ "); ok {
		h.section = strings.TrimSpace(rest)
	}
	return h, nil
}

// scanRange reads "start[,count]"; count defaults to 1. start+count must
// fit go-diff's int32 line numbers.
func scanRange(s string) (start, count int, rest string, ok bool) {
	start, s, ok = scanNum(s)
	if !ok {
		return 0, 0, s, false
	}
	count = 1
	if strings.HasPrefix(s, ",") {
		if count, s, ok = scanNum(s[1:]); !ok {
			return 0, 0, s, false
		}
	}
	return start, count, s, start+count < math.MaxInt32
}

func scanNum(s string) (int, string, bool) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	v, err := strconv.ParseInt(s[:i], 10, 32)
	return int(v), s[i:], err == nil
}

// hunkLine is one body line of a hunk being read.
type hunkLine struct {
	op   byte // ' ', '-', '+'
	text string
}

// hunk reads the body of one hunk by its header's counts and writes it.
func (n *normalizer) hunk(hdrLine string) error {
	h, err := parseHunkHeader(hdrLine)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.i, err)
	}
	body, oldNoEOL, newNoEOL, err := n.hunkBody(h)
	if err != nil {
		return err
	}
	fmt.Fprintf(&n.out, "@@ -%d,%d +%d,%d @@", h.oldStart, h.oldLines, h.newStart, h.newLines)
	if h.section != "" {
		n.out.WriteString(" " + h.section)
	}
	n.out.WriteString("\n")
	if !oldNoEOL && !newNoEOL {
		body = avoidFileHeader(body)
	}
	writeHunkBody(&n.out, body, oldNoEOL, newNoEOL)
	return nil
}

// avoidFileHeader reorders a hunk that ends with removed lines, then added
// lines (no context after them) when the last pair would read "---x",
// "+++y": go-diff takes those, before the next hunk's "@@", for a file
// header. Added lines first changes neither side.
func avoidFileHeader(body []hunkLine) []hunkLine {
	end := len(body)
	plus := end
	for plus > 0 && body[plus-1].op == '+' {
		plus--
	}
	minus := plus
	for minus > 0 && body[minus-1].op == '-' {
		minus--
	}
	if plus == end || minus == plus || !strings.HasPrefix(body[plus-1].text, "--") || !strings.HasPrefix(body[plus].text, "++") {
		return body
	}
	out := append(slices.Clone(body[:minus]), body[plus:]...)
	return append(out, body[minus:plus]...)
}

// hunkBody reads the lines of a hunk. Like patch(1), a `\` line is read
// only right after the last old or the last new line, and a hunk cut short
// by at most three lines at the end of the diff gets them back as blank
// context lines (editors chop trailing blank lines).
func (n *normalizer) hunkBody(h hunkHeader) (body []hunkLine, oldNoEOL, newNoEOL bool, err error) {
	remOld, remNew := h.oldLines, h.newLines
	for remOld > 0 || remNew > 0 {
		if n.i >= len(n.lines) {
			if remNew <= 3 && remOld == remNew {
				for ; remOld > 0; remOld-- {
					body = append(body, hunkLine{op: ' '})
				}
				return body, oldNoEOL, newNoEOL, nil
			}
			return nil, false, false, fmt.Errorf("line %d: the diff ends inside a hunk (%d old and %d new lines missing)", n.i, remOld, remNew)
		}
		l, ok := readHunkLine(n.lines[n.i])
		if !ok || (l.op != '+' && remOld == 0) || (l.op != '-' && remNew == 0) {
			return nil, false, false, fmt.Errorf("line %d: malformed hunk: %q", n.i+1, n.lines[n.i])
		}
		n.i++
		lastOld := l.op != '+' && remOld == 1
		lastNew := l.op != '-' && remNew == 1
		if l.op != '+' {
			remOld--
		}
		if l.op != '-' {
			remNew--
		}
		body = append(body, l)
		if (lastOld || lastNew) && n.i < len(n.lines) && strings.HasPrefix(n.lines[n.i], `\`) {
			n.i++
			oldNoEOL, newNoEOL = oldNoEOL || lastOld, newNoEOL || lastNew
		}
	}
	return body, oldNoEOL, newNoEOL, nil
}

// readHunkLine reads a body line as patch(1) does: a line starting with a
// tab, or empty, is a context line whose leading space was eaten (a CR
// alone too, for CRLF diffs), and "=" marks context.
func readHunkLine(s string) (hunkLine, bool) {
	switch {
	case s == "" || s == "\r" || s[0] == '\t':
		return hunkLine{op: ' ', text: s}, true
	case s[0] == '=':
		return hunkLine{op: ' ', text: s[1:]}, true
	case s[0] == ' ' || s[0] == '-' || s[0] == '+':
		return hunkLine{op: s[0], text: s[1:]}, true
	}
	return hunkLine{}, false
}

// writeHunkBody writes the lines so that go-diff reads the no-newline
// markers right: go-diff takes a marker after a "-" line for the old side
// and after any other line for both sides or the new side. So the last old
// line, when it lacks a newline, is a "-" line followed by the marker, and
// the last new line, when it lacks one, is the hunk's last line. Moving the
// last "+" line past the "-" lines that follow it changes neither side.
func writeHunkBody(out interface{ WriteString(string) (int, error) }, body []hunkLine, oldNoEOL, newNoEOL bool) {
	lastOld, lastNew := lastIndex(body, '+'), lastIndex(body, '-')
	if oldNoEOL && newNoEOL && lastOld == lastNew {
		for _, l := range body {
			out.WriteString(string(l.op) + l.text + "\n")
		}
		out.WriteString(noNewline + "\n")
		return
	}
	tail := ""
	for i, l := range body {
		switch {
		case i == lastOld && oldNoEOL:
			out.WriteString("-" + l.text + "\n" + noNewline + "\n")
			if l.op == ' ' {
				out.WriteString("+" + l.text + "\n") // a context line split in two
			}
		case i == lastNew && newNoEOL:
			if l.op == ' ' {
				out.WriteString("-" + l.text + "\n")
			}
			tail = "+" + l.text + "\n" + noNewline + "\n"
		default:
			out.WriteString(string(l.op) + l.text + "\n")
		}
	}
	out.WriteString(tail)
}

// lastIndex returns the index of the last line whose op is not skip, or -1.
func lastIndex(body []hunkLine, skip byte) int {
	for i := len(body) - 1; i >= 0; i-- {
		if body[i].op != skip {
			return i
		}
	}
	return -1
}
