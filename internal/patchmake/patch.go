package patchmake

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Apply applies every file of p under dir. All new contents are computed
// before anything is written, so a hunk that does not apply leaves dir
// untouched. Every file is saved in src before its first change. Progress
// ("patching file foo.c", offset/fuzz notes, what is skipped) goes to log.
func (p *Patch) Apply(dir string, src *Sources, log io.Writer) error {
	w := newWorktree(dir, log)
	if err := w.apply(p); err != nil {
		return err
	}
	return w.write(src)
}

// Check is a dry run of Apply: it applies p to the tree under dir in
// memory, writes nothing, and returns the files p touches (slash paths
// relative to dir, in patch order). A hunk that does not apply is a
// *HunkError naming the file and the hunk.
func (p *Patch) Check(dir string) ([]string, error) {
	return CheckSeries(dir, []*Patch{p})
}

// CheckSeries is Check for patches applied in order, each to the result of
// the ones before it, in memory. It returns every file touched, once, in
// the order first touched; errors name the patch (Patch.Name).
func CheckSeries(dir string, patches []*Patch) ([]string, error) {
	w := newWorktree(dir, io.Discard)
	for _, p := range patches {
		if err := w.apply(p); err != nil {
			if p.Name != "" {
				return nil, fmt.Errorf("%s: %w", p.Name, err)
			}
			return nil, err
		}
	}
	var files []string
	for _, c := range w.order {
		if c.touched {
			files = append(files, c.rel)
		}
	}
	return files, nil
}

// change is the state of one file of the tree with the patches so far.
type change struct {
	rel           string // slash path relative to the tree
	data          []byte
	exists        bool
	perm          fs.FileMode // the mode to set when setMode
	setMode       bool        // a git mode, or a renamed file's mode
	existed       bool        // on disk before the patches
	diskPerm      fs.FileMode // on disk before the patches
	touched       bool
	removeParents bool // a deletion: remove the directories it empties
}

// worktree is the tree under dir with the patches applied so far held in
// memory: files are read when first needed.
type worktree struct {
	dir   string
	files map[string]*change
	order []*change
	log   io.Writer
}

func newWorktree(dir string, log io.Writer) *worktree {
	return &worktree{dir: filepath.Clean(dir), files: map[string]*change{}, log: log}
}

func (w *worktree) path(rel string) string { return filepath.Join(w.dir, filepath.FromSlash(rel)) }

// get returns the state of rel, reading it from disk the first time.
func (w *worktree) get(rel string) (*change, error) {
	if c := w.files[rel]; c != nil {
		return c, nil
	}
	c := &change{rel: rel}
	fi, err := os.Stat(w.path(rel))
	switch {
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR):
	case err != nil:
		return nil, fmt.Errorf("read %s: %w", rel, err)
	case !fi.Mode().IsRegular():
		return nil, fmt.Errorf("%s: not a regular file", rel)
	default:
		if c.data, err = os.ReadFile(w.path(rel)); err != nil {
			return nil, fmt.Errorf("read %s: %w", rel, err)
		}
		c.exists, c.existed = true, true
		c.perm, c.diskPerm = fi.Mode().Perm(), fi.Mode().Perm()
	}
	w.files[rel] = c
	w.order = append(w.order, c)
	return c, nil
}

func (w *worktree) isFile(rel string) bool {
	if c := w.files[rel]; c != nil {
		return c.exists
	}
	fi, err := os.Stat(w.path(rel))
	return err == nil && fi.Mode().IsRegular()
}

func (w *worktree) isDir(rel string) bool {
	for _, c := range w.order {
		if c.exists && len(c.rel) > len(rel) && c.rel[:len(rel)+1] == rel+"/" {
			return true
		}
	}
	fi, err := os.Stat(w.path(rel))
	return err == nil && fi.IsDir()
}

// apply applies p in memory.
func (w *worktree) apply(p *Patch) error {
	level, err := stripLevel(p, w)
	if err != nil {
		return err
	}
	if p.Strip < 0 && level != 1 {
		fmt.Fprintf(w.log, "using -p%d: the file names fit with it, not with -p1\n", level)
	}
	for _, fp := range p.Files {
		if err := w.applyFile(fp, level); err != nil {
			return err
		}
	}
	return nil
}

// applyFile applies one file's changes at a strip level, in memory.
func (w *worktree) applyFile(fp *FilePatch, level int) error {
	t, err := fp.resolve(level, w)
	if err != nil {
		return err
	}
	if fp.Binary {
		fmt.Fprintf(w.log, "skipping binary file %s: the diff does not hold its content\n", t.out)
		return nil
	}
	in, err := w.get(t.in)
	if err != nil {
		return err
	}
	out := in
	if t.out != t.in {
		if out, err = w.get(t.out); err != nil {
			return err
		}
		if out.exists {
			return fmt.Errorf("%s: the patch renames or copies %s onto it but it exists", t.out, t.in)
		}
	}
	if err := checkSides(fp, in); err != nil {
		return err
	}
	fmt.Fprintln(w.log, describe(fp, t, in))
	data, notes, err := ApplyHunks(t.in, in.data, fp.Hunks)
	for _, n := range notes {
		fmt.Fprintln(w.log, n)
	}
	if err != nil {
		return err
	}
	return w.setResult(fp, in, out, data)
}

// checkSides refuses what patch(1) would refuse before the hunks.
func checkSides(fp *FilePatch, in *change) error {
	switch {
	case fp.OldAbsent == 2 && in.exists && len(in.data) > 0:
		return fmt.Errorf("%s: the patch creates it but it already exists", in.rel)
	case !in.exists && !fp.Creates():
		return fmt.Errorf("can't find file to patch: %s", in.rel)
	}
	return nil
}

// describe is the progress line for one file, like patch(1)'s.
func describe(fp *FilePatch, t target, in *change) string {
	switch {
	case fp.Rename && t.in != t.out:
		return fmt.Sprintf("patching file %s (renamed from %s)", t.out, t.in)
	case fp.Copy && t.in != t.out:
		return fmt.Sprintf("patching file %s (copied from %s)", t.out, t.in)
	case !in.exists:
		return "creating file " + t.out
	case fp.Deletes():
		return "deleting file " + t.out
	}
	return "patching file " + t.out
}

// setResult records the new content of out (and the removal of in for a
// rename), with the mode: in's, or the one the git header sets.
func (w *worktree) setResult(fp *FilePatch, in, out *change, data []byte) error {
	switch {
	case fp.NewMode != 0 && fp.NewMode != fp.OldMode:
		out.perm, out.setMode = fs.FileMode(fp.NewMode).Perm(), true
	case in != out && in.exists:
		out.perm, out.setMode = in.perm, true
	}
	if fp.Deletes() {
		if len(data) != 0 {
			return fmt.Errorf("%s: the patch deletes it but it has other content", in.rel)
		}
		out.exists, out.data, out.removeParents = false, nil, true
	} else {
		out.exists, out.data = true, data
	}
	out.touched = true
	if fp.Rename && in != out {
		in.exists, in.data, in.removeParents, in.touched = false, nil, true, true
	}
	return nil
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}
