package patchmake

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/sourcegraph/go-diff/diff"
)

// devNull is the name diff and git use for the missing side of a created or
// deleted file.
const devNull = "/dev/null"

// Patch is a parsed unified diff of one or more files.
type Patch struct {
	Files []*FilePatch
}

// FilePatch is the change to one file: its names as written in the diff
// (with any a/ b/ prefix) and its hunks in order.
type FilePatch struct {
	OldName, NewName string
	Hunks            []Hunk
}

// Creates reports whether the diff creates the file (old side /dev/null, or
// a single hunk starting at -0,0).
func (f *FilePatch) Creates() bool {
	if f.OldName == devNull {
		return true
	}
	return len(f.Hunks) == 1 && f.Hunks[0].OldStart == 0 && f.Hunks[0].OldLines == 0
}

// Deletes reports whether the diff deletes the file (new side /dev/null).
func (f *FilePatch) Deletes() bool { return f.NewName == devNull }

// Hunk is one @@ block. Lines hold the text without the line terminator;
// OldNoEOL and NewNoEOL say that the last old (new) line has no newline.
type Hunk struct {
	OldStart, OldLines int
	NewStart, NewLines int
	Lines              []Line
	OldNoEOL, NewNoEOL bool
}

// Line is one hunk line: Op is ' ' (context), '-' (removed) or '+' (added).
type Line struct {
	Op   byte
	Text string
}

// ErrEmptyPatch is returned for a diff that changes no file.
var ErrEmptyPatch = errors.New("patch contains no file changes")

// ParsePatch parses a unified diff (diff -u, diff -up, git diff) with
// go-diff and checks every hunk against its header counts.
func ParsePatch(data []byte) (p *Patch, err error) {
	defer func() {
		// go-diff is third-party code fed untrusted input: never let it panic us.
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("parse diff: %v", r)
		}
	}()
	fds, err := diff.ParseMultiFileDiffOptions(data, diff.ParseOptions{KeepCR: true}) // CRLF sources match CRLF hunks
	if err != nil {
		return nil, fmt.Errorf("parse diff: %w", err)
	}
	p = &Patch{}
	for _, fd := range fds {
		fp, err := convertFileDiff(fd)
		if err != nil {
			return nil, err
		}
		if fp != nil {
			p.Files = append(p.Files, fp)
		}
	}
	if len(p.Files) == 0 {
		return nil, ErrEmptyPatch
	}
	return p, nil
}

func convertFileDiff(fd *diff.FileDiff) (*FilePatch, error) {
	fp := &FilePatch{OldName: fd.OrigName, NewName: fd.NewName}
	if fp.OldName == "" && fp.NewName == "" {
		return nil, nil // "Only in" lines and other headers without a file
	}
	if len(fd.Hunks) == 0 {
		// A git mode change, rename or binary diff: nothing we can apply to text.
		if isBinaryDiff(fd) {
			return nil, fmt.Errorf("%s: binary diffs are not supported", displayName(fp))
		}
		return nil, nil
	}
	for i, h := range fd.Hunks {
		hk, err := convertHunk(h)
		if err != nil {
			return nil, fmt.Errorf("%s: hunk #%d: %w", displayName(fp), i+1, err)
		}
		fp.Hunks = append(fp.Hunks, hk)
	}
	return fp, nil
}

func isBinaryDiff(fd *diff.FileDiff) bool {
	for _, e := range fd.Extended {
		if strings.HasPrefix(e, "Binary files") || strings.HasPrefix(e, "GIT binary patch") {
			return true
		}
	}
	return false
}

func displayName(fp *FilePatch) string {
	if fp.OldName != devNull && fp.OldName != "" {
		return fp.OldName
	}
	return fp.NewName
}

// convertHunk splits a go-diff hunk body into lines.
func convertHunk(h *diff.Hunk) (Hunk, error) {
	hk := Hunk{
		OldStart: int(h.OrigStartLine), OldLines: int(h.OrigLines),
		NewStart: int(h.NewStartLine), NewLines: int(h.NewLines),
	}
	if hk.OldStart < 0 || hk.OldLines < 0 || hk.NewStart < 0 || hk.NewLines < 0 {
		return Hunk{}, errors.New("negative line number in header")
	}
	body := h.Body
	var raw [][]byte
	if len(body) > 0 {
		raw = bytes.Split(bytes.TrimSuffix(body, []byte("\n")), []byte("\n"))
	}
	// go-diff keeps the newline of an old line marked "\ No newline" and
	// records its offset; a new (or context) line so marked ends the body.
	oldNoEOLLine := -1
	if h.OrigNoNewlineAt > 0 && int(h.OrigNoNewlineAt) <= len(body) {
		oldNoEOLLine = bytes.Count(body[:h.OrigNoNewlineAt], []byte("\n")) - 1
	}
	endsWithNL := len(body) == 0 || body[len(body)-1] == '\n'
	if err := hk.addLines(raw, oldNoEOLLine, endsWithNL); err != nil {
		return Hunk{}, err
	}
	return hk, nil
}

// addLines appends the body lines, checked against the header's counts.
// The body may run past them with blank lines (trailing newlines after the
// last hunk); those are dropped, anything else past the counts is an error.
func (hk *Hunk) addLines(raw [][]byte, oldNoEOLLine int, endsWithNL bool) error {
	var nOld, nNew int
	for i, r := range raw {
		if nOld == hk.OldLines && nNew == hk.NewLines {
			if len(bytes.TrimSpace(r)) != 0 {
				return fmt.Errorf("more lines than the header's -%d,%d +%d,%d", hk.OldStart, hk.OldLines, hk.NewStart, hk.NewLines)
			}
			continue
		}
		ln := Line{Op: ' '} // an empty line is an empty context line, as patch(1) reads it
		if len(r) > 0 {
			ln = Line{Op: r[0], Text: string(r[1:])}
		}
		switch ln.Op {
		case ' ':
			nOld, nNew = nOld+1, nNew+1
		case '-':
			nOld++
		case '+':
			nNew++
		default:
			return fmt.Errorf("bad line %q", r)
		}
		hk.OldNoEOL = hk.OldNoEOL || i == oldNoEOLLine || (i == len(raw)-1 && !endsWithNL && ln.Op == ' ')
		hk.NewNoEOL = i == len(raw)-1 && !endsWithNL && ln.Op != '-'
		hk.Lines = append(hk.Lines, ln)
	}
	if nOld != hk.OldLines || nNew != hk.NewLines {
		return fmt.Errorf("header says -%d +%d lines, body has -%d +%d", hk.OldLines, hk.NewLines, nOld, nNew)
	}
	return nil
}
