package patchmake

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// PatchOpts are the patch(1) options a patch is read with.
type PatchOpts struct {
	Strip   int  // -pN, or StripDetect
	Reverse bool // -R
}

// DefaultPatchOpts detects the strip level and applies forwards.
var DefaultPatchOpts = PatchOpts{Strip: StripDetect}

// SeriesEntry is one patch of a quilt series: its file and options.
type SeriesEntry struct {
	Path string // the patch file, joined to the series file's directory
	PatchOpts
}

// maxSeriesLine bounds one line of a series file.
const maxSeriesLine = 64 << 10

// ReadSeries reads a quilt series file: one patch a line, applied in
// order, with optional -pN and -R after the name; blank lines and
// comments (from a # at the start or after a blank) are skipped.
func ReadSeries(path string) ([]SeriesEntry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read series: %w", err)
	}
	dir := filepath.Dir(path)
	var out []SeriesEntry
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, maxSeriesLine)
	for n := 1; sc.Scan(); n++ {
		e, ok, err := parseSeriesLine(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		if ok {
			if !filepath.IsAbs(e.Path) {
				e.Path = filepath.Join(dir, e.Path)
			}
			out = append(out, e)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no patch in the series", path)
	}
	return out, nil
}

func parseSeriesLine(line string) (SeriesEntry, bool, error) {
	f := strings.Fields(stripComment(line))
	if len(f) == 0 {
		return SeriesEntry{}, false, nil
	}
	e := SeriesEntry{Path: f[0], PatchOpts: DefaultPatchOpts}
	for i := 1; i < len(f); i++ {
		switch opt := f[i]; {
		case opt == "-R":
			e.Reverse = true
		case opt == "-p" && i+1 < len(f):
			i++
			opt += f[i]
			fallthrough
		case strings.HasPrefix(opt, "-p"):
			n, err := strconv.Atoi(opt[2:])
			if err != nil || n < 0 {
				return e, false, fmt.Errorf("bad strip option %q", opt)
			}
			e.Strip = n
		default:
			return e, false, fmt.Errorf("unsupported option %q for %s", opt, e.Path)
		}
	}
	return e, true, nil
}

func stripComment(line string) string {
	for i := 0; i < len(line); i++ {
		if line[i] == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t') {
			return line[:i]
		}
	}
	return line
}

// FindSeries returns the series file of a quilt patches directory: dir/series,
// or dir/patches/series; "" when there is none.
func FindSeries(dir string) string {
	for _, p := range []string{filepath.Join(dir, "series"), filepath.Join(dir, "patches", "series")} {
		if isFile(p) {
			return p
		}
	}
	return ""
}

// ReadSeriesPatches reads and parses every patch of a series, in order.
func ReadSeriesPatches(entries []SeriesEntry) ([]*Patch, error) {
	var out []*Patch
	for _, e := range entries {
		p, err := ReadPatchFile(e.Path, e.PatchOpts)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// Reverse turns p into the patch that undoes it (patch -R).
func (p *Patch) Reverse() {
	for _, fp := range p.Files {
		fp.OldName, fp.NewName = fp.NewName, fp.OldName
		fp.OldMode, fp.NewMode = fp.NewMode, fp.OldMode
		fp.OldAbsent, fp.NewAbsent = fp.NewAbsent, fp.OldAbsent
		for i, h := range fp.Hunks {
			fp.Hunks[i] = reverseHunk(h)
		}
	}
}
