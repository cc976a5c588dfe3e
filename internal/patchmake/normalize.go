package patchmake

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// normalize is the front-end of the diff parser: it rewrites a diff in any
// of the unified forms GNU patch reads into the plain unified diff go-diff
// parses. Like patch(1) (pch.c intuit_diff_type, another_hunk) it reads
// hunks by the counts in their headers and treats every other line as
// leading garbage, which cuts mail headers, commit messages, the `---` stat
// block, the `-- ` signature of git format-patch, hg export headers, `diff
// -r`/`diff -Naur` command lines and `Only in` lines. It rewrites what
// go-diff reads differently: file header dates become go-diff's layout when
// patch(1) reads them and are dropped when it does not (hg's "Tue Nov 08
// 12:48:21 2022 +0300"; their only use is the epoch date of a created or
// deleted file), names are
// quoted when needed, a missing `---`/`+++` line is filled in from the other
// one, the `diff --git` line or `Index:`, hunk headers are written in full,
// context lines whose space was eaten get it back, and `\` lines become the
// standard no-newline marker placed where go-diff expects it.
// It returns the new text and the number of file sections in it.
func normalize(data []byte) (out []byte, files int, err error) {
	n := &normalizer{lines: splitLines(data)}
	if err := n.run(); err != nil {
		return nil, 0, err
	}
	return append([]byte{}, n.out.Bytes()...), n.files, nil
}

// normalizer is the state of one normalize call.
type normalizer struct {
	lines []string // without the newline; a CR stays
	i     int      // index of the next line to read
	out   bytes.Buffer
	h     fileHeader
	files int // file sections written
}

// fileHeader is what the lines before a file's first hunk said about it.
type fileHeader struct {
	index          string   // the name on an Index: line
	git            string   // the diff --git line
	gitOld, gitNew string   // the names on it
	ext            []string // git extended header lines
	extended       bool     // a git header that means something without hunks
	binary         bool     // "Binary files ... differ": reported, not applied
	old, new       *headerName
}

// headerName is the name and canonical date of a `---` or `+++` line.
type headerName struct {
	name, date string
}

func splitLines(data []byte) []string {
	s := string(data)
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func (n *normalizer) run() error {
	for n.i < len(n.lines) {
		line := n.lines[n.i]
		n.i++
		if err := n.garbageLine(line); err != nil {
			return err
		}
	}
	return n.flushGitOnly()
}

// garbageLine handles one line outside a hunk.
func (n *normalizer) garbageLine(line string) error {
	switch {
	case strings.HasPrefix(line, "diff --git "):
		if err := n.flushGitOnly(); err != nil {
			return err
		}
		git := trimCR(line)
		old, new := parseGitNames(git[len("diff --git "):])
		n.h = fileHeader{index: n.h.index, git: git, gitOld: old, gitNew: new}
	case n.h.git != "" && isGitExtLine(line):
		return n.gitExtLine(trimCR(line))
	case strings.HasPrefix(line, "Index:"):
		n.h.index = strings.TrimRight(strings.TrimLeft(line[len("Index:"):], " \t"), " \t\r\v\f")
	case strings.HasPrefix(line, "--- "):
		n.h.old = parseHeaderName(line[4:])
	case strings.HasPrefix(line, "+++ "):
		n.h.new = parseHeaderName(line[4:])
	case strings.HasPrefix(line, "@@ -"):
		return n.file(line)
	case trimCR(line) == "***************" && n.i < len(n.lines) && strings.HasPrefix(n.lines[n.i], "*** "):
		return fmt.Errorf("line %d: a context diff (diff -c): only unified diffs (diff -u, git diff) are supported", n.i)
	}
	return nil
}

// gitExtPrefixes are the git extended header lines kept for the parser;
// the first ones set patch(1)'s extended_headers: with them a diff --git
// without hunks still changes something.
var gitExtPrefixes = []string{
	"index ", "old mode ", "new mode ", "deleted file mode ", "new file mode ",
	"rename from ", "rename to ", "copy from ", "copy to ",
	"similarity index ", "dissimilarity index ", "Binary files ", gitBinaryPatch,
}

const (
	gitMeaningful  = 9 // gitExtPrefixes[:gitMeaningful] set extended
	gitBinaryPatch = "GIT binary patch"
)

func isGitExtLine(line string) bool {
	for _, p := range gitExtPrefixes {
		if strings.HasPrefix(line, p) {
			return true
		}
	}
	return false
}

func (n *normalizer) gitExtLine(line string) error {
	n.h.ext = append(n.h.ext, line)
	n.h.binary = n.h.binary || strings.HasPrefix(line, "Binary files ")
	for _, p := range gitExtPrefixes[:gitMeaningful] {
		if strings.HasPrefix(line, p) {
			n.h.extended = true
		}
	}
	if line == gitBinaryPatch {
		// The base85 lines that follow read as garbage; the parser refuses
		// the file by this header.
		return n.flush(false)
	}
	return nil
}

// flushGitOnly writes a pending diff --git section that has no hunks: a
// rename, copy, mode change, empty file or binary file.
func (n *normalizer) flushGitOnly() error {
	if n.h.git == "" || !(n.h.extended || n.h.binary) {
		return nil
	}
	return n.flush(false)
}

// file writes the header and the hunks of one file, the first hunk's header
// line being first.
func (n *normalizer) file(first string) error {
	if err := n.flush(true); err != nil {
		return err
	}
	hdr := first
	for {
		if err := n.hunk(hdr); err != nil {
			return err
		}
		if n.i >= len(n.lines) || !strings.HasPrefix(n.lines[n.i], "@@ -") {
			return nil
		}
		hdr = n.lines[n.i]
		n.i++
	}
}

// flush writes the pending file header and starts a new one. withHunks
// says hunks follow.
func (n *normalizer) flush(withHunks bool) error {
	h := n.h
	n.h = fileHeader{}
	old, new := h.old, h.new
	if h.git != "" {
		old, new = orName(old, h.gitOld), orName(new, h.gitNew)
	}
	old, new = orName(old, h.index), orName(new, h.index)
	if old == nil {
		old = new
	}
	if new == nil {
		new = old
	}
	if old == nil {
		if withHunks {
			return fmt.Errorf("line %d: a hunk without a file name before it", n.i)
		}
		return fmt.Errorf("%s: cannot read the file names", h.git)
	}
	if h.index != "" {
		fmt.Fprintf(&n.out, "Index: %s\n", h.index)
	}
	if h.git != "" {
		n.out.WriteString(h.git + "\n")
		for _, e := range h.ext {
			n.out.WriteString(e + "\n")
		}
	}
	fmt.Fprintf(&n.out, "--- %s\n+++ %s\n", old, new)
	n.files++
	return nil
}

// orName returns h, or a header with name when h is absent and name is not.
func orName(h *headerName, name string) *headerName {
	if h == nil && name != "" {
		return &headerName{name: name}
	}
	return h
}

func (h *headerName) String() string {
	s := quoteName(h.name)
	if h.date != "" {
		s += "\t" + h.date
	}
	return s
}

// quoteName quotes, in Go syntax, a name that go-diff would otherwise cut
// at a tab, trim or unquote, or that would be cut at a space when read
// again without a date; go-diff unquotes it with strconv.Unquote.
func quoteName(name string) string {
	q := strconv.Quote(name)
	if q[1:len(q)-1] != name || strings.ContainsAny(name, ` "`) {
		return q
	}
	return name
}

func trimCR(s string) string { return strings.TrimSuffix(s, "\r") }
