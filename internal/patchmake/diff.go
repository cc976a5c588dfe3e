package patchmake

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/sourcegraph/go-diff/diff"
)

// devNull is the name diff and git use for the missing side of a created or
// deleted file.
const devNull = "/dev/null"

// Patch is a parsed unified diff of one or more files.
type Patch struct {
	Name  string // where it was read from, for messages ("" when unknown)
	Strip int    // patch -pN; StripDetect: choose when applying
	Files []*FilePatch
}

// StripDetect asks Apply and Check to choose the strip level: -p1 when
// every file of the patch is found with it, else the one level that fits.
const StripDetect = -1

// FilePatch is the change to one file: its names as written in the diff
// (with any a/ b/ prefix), what the git headers say, and its hunks in order.
type FilePatch struct {
	OldName, NewName string
	IndexName        string // from an Index: line; used when both names are unusable
	Git              bool   // a diff --git section
	Rename, Copy     bool   // git rename or copy from OldName to NewName
	OldMode, NewMode uint32 // git file modes (0: not given)
	// OldAbsent and NewAbsent are patch(1)'s p_says_nonexistent: 0 the
	// side exists, 1 it may not (a -0,0 or +0,0 hunk), 2 it surely does not
	// (/dev/null, an epoch date, a git new or deleted file).
	OldAbsent, NewAbsent int
	Binary               bool // "Binary files ... differ": nothing to apply
	Hunks                []Hunk
}

// Creates reports whether the diff creates the file.
func (f *FilePatch) Creates() bool { return f.OldAbsent > 0 }

// Deletes reports whether the diff deletes the file.
func (f *FilePatch) Deletes() bool { return f.NewAbsent == 2 }

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

// ParsePatch parses a unified diff in any form GNU patch reads (diff -u,
// diff -Naur, git diff, git format-patch mails, hg export, quilt patches
// with Index: lines, CRLF): normalize cuts and rewrites what go-diff does
// not read, go-diff parses the rest, and every hunk is checked against its
// header counts. The strip level is left to detection (StripDetect).
func ParsePatch(data []byte) (p *Patch, err error) {
	defer func() {
		// go-diff is third-party code fed untrusted input: never let it panic us.
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("parse diff: %v", r)
		}
	}()
	clean, files, err := normalize(data)
	if err != nil {
		return nil, fmt.Errorf("parse diff: %w", err)
	}
	fds, err := diff.ParseMultiFileDiffOptions(clean, diff.ParseOptions{KeepCR: true}) // CRLF sources match CRLF hunks
	if err != nil {
		return nil, fmt.Errorf("parse diff: %w", err)
	}
	if len(fds) != files {
		// go-diff ends a hunk at "---", "+++", "@@" lines even inside the
		// counts (a -U0 diff replacing "--x" by "++x" before another hunk).
		return nil, fmt.Errorf("parse diff: go-diff read %d files where there are %d (a hunk line starting with --- before one with +++?)", len(fds), files)
	}
	p = &Patch{Strip: StripDetect}
	for _, fd := range fds {
		fp, err := convertFileDiff(fd)
		if err != nil {
			return nil, err
		}
		p.Files = append(p.Files, fp)
	}
	if len(p.Files) == 0 {
		return nil, ErrEmptyPatch
	}
	return p, nil
}

// ReadPatchFile reads and parses the diff in path, to be applied with the
// options o.
func ReadPatchFile(path string, o PatchOpts) (*Patch, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read patch: %w", err)
	}
	p, err := ParsePatch(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	p.Name, p.Strip = path, o.Strip
	if o.Reverse {
		p.Reverse()
	}
	return p, nil
}

func convertFileDiff(fd *diff.FileDiff) (*FilePatch, error) {
	fp := &FilePatch{OldName: fd.OrigName, NewName: fd.NewName}
	if err := fp.readExtended(fd.Extended); err != nil {
		return nil, err
	}
	for i, h := range fd.Hunks {
		hk, err := convertHunk(h)
		if err != nil {
			return nil, fmt.Errorf("%s: hunk #%d: %w", displayName(fp), i+1, err)
		}
		fp.Hunks = append(fp.Hunks, hk)
	}
	fp.OldAbsent = max(fp.OldAbsent, absence(fp.OldName, fd.OrigTime, fp.Hunks, true))
	fp.NewAbsent = max(fp.NewAbsent, absence(fp.NewName, fd.NewTime, fp.Hunks, false))
	return fp, nil
}

// absence is patch(1)'s p_says_nonexistent for one side from the first
// hunk's header: a side starting at line 0 may not exist (1), and surely
// does not (2) when its name is /dev/null or its date is the epoch.
func absence(name string, t *time.Time, hunks []Hunk, old bool) int {
	if len(hunks) == 0 {
		if name == devNull {
			return 2
		}
		return 0
	}
	start := hunks[0].NewStart
	if old {
		start = hunks[0].OldStart
	}
	switch {
	case start != 0:
		return 0
	case name == devNull || t != nil && isEpoch(*t):
		return 2
	}
	return 1
}

// readExtended reads the Index: line and the git extended headers that
// normalize kept in front of the file header.
func (fp *FilePatch) readExtended(ext []string) error {
	for _, e := range ext {
		e = strings.TrimSuffix(e, "\r")
		k, v, _ := strings.Cut(e, " ")
		switch {
		case strings.HasPrefix(e, "Index: "):
			fp.IndexName = strings.TrimPrefix(e, "Index: ")
		case strings.HasPrefix(e, "diff --git "):
			fp.Git = true
		case strings.HasPrefix(e, "new file mode "):
			fp.NewMode, fp.OldAbsent = parseMode(e[len("new file mode "):]), 2
		case strings.HasPrefix(e, "deleted file mode "):
			fp.OldMode, fp.NewAbsent = parseMode(e[len("deleted file mode "):]), 2
		case strings.HasPrefix(e, "old mode "):
			fp.OldMode = parseMode(e[len("old mode "):])
		case strings.HasPrefix(e, "new mode "):
			fp.NewMode = parseMode(e[len("new mode "):])
		case strings.HasPrefix(e, "rename from "):
			fp.Rename = true
		case strings.HasPrefix(e, "copy from "):
			fp.Copy = true
		case k == "index":
			fp.readIndexLine(v)
		case e == gitBinaryPatch:
			return fmt.Errorf("%s: git binary diffs are not supported", displayName(fp))
		case strings.HasPrefix(e, "Binary files "):
			fp.Binary = true
		}
	}
	if fp.Git && (fp.OldMode|fp.NewMode)&gitTypeMask != 0 && !fp.regular() {
		return fmt.Errorf("%s: symlink and submodule changes are not supported", displayName(fp))
	}
	return nil
}

// Git file modes: the type bits, and the types of regular files.
const (
	gitTypeMask    = 0o170000
	gitRegularFile = 0o100000
)

func (fp *FilePatch) regular() bool {
	for _, m := range []uint32{fp.OldMode, fp.NewMode} {
		if m != 0 && m&gitTypeMask != gitRegularFile {
			return false
		}
	}
	return true
}

// readIndexLine reads "abc123..def456 100644": all-zero hashes say a side
// does not exist, a mode is the file's on both sides.
func (fp *FilePatch) readIndexLine(v string) {
	hashes, mode, _ := strings.Cut(v, " ")
	a, b, ok := strings.Cut(hashes, "..")
	if !ok {
		return
	}
	if strings.Trim(a, "0") == "" && a != "" {
		fp.OldAbsent = 2
	}
	if strings.Trim(b, "0") == "" && b != "" {
		fp.NewAbsent = 2
	}
	if m := parseMode(mode); m != 0 {
		fp.OldMode, fp.NewMode = m, m
	}
}

func parseMode(s string) uint32 {
	m, err := strconv.ParseUint(strings.TrimSpace(s), 8, 32)
	if err != nil {
		return 0
	}
	return uint32(m)
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
