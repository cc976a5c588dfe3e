package patchmake

import (
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/golibcare/golibcare/internal/buildcache"
)

// reservedNames are the upstream script's output directories: never part
// of the tree, wherever the output goes this time.
var reservedNames = map[string]bool{"lpmake": true, "patchroot": true, ".lpmaketmp": true}

// skipInTree says which entries of the user's tree are not sources: the
// outputs of this and earlier runs.
func (r *run) skipInTree(rel string) bool {
	if reservedNames[rel] {
		return true
	}
	abs := filepath.Join(r.dir, filepath.FromSlash(rel))
	for _, d := range []string{r.out, r.tmpDir, r.origDir, r.patchedDir, r.patchRoot} {
		if abs == d {
			return true
		}
	}
	return false
}

// sourceExts are the files a compiler reads as C, C++ or assembly sources
// and headers.
var sourceExts = map[string]bool{
	".c": true, ".h": true, ".cc": true, ".cp": true, ".cpp": true, ".cxx": true, ".c++": true,
	".C": true, ".hh": true, ".hpp": true, ".hxx": true, ".h++": true, ".H": true, ".ipp": true,
	".tcc": true, ".inl": true, ".s": true, ".S": true, ".sx": true,
}

// isSource says which files of the copy get a fresh mtime: objects that
// an earlier build left in the user's tree are then older than their
// sources, so make compiles every translation unit through libcare-cc and
// each gets its original assembly. Other files keep their times, so
// generated makefiles and configure scripts are not regenerated.
func isSource(rel string) bool { return sourceExts[path.Ext(rel)] }

// copyTree makes the work tree a fresh copy of the user's tree.
func (r *run) copyTree() error {
	if err := os.RemoveAll(r.workDir); err != nil {
		return err
	}
	r.banner("COPYING " + r.dir + " INTO " + r.work.Src)
	return buildcache.CopyTree(r.dir, r.work.Src, buildcache.CopyOptions{
		Skip: r.skipInTree, Link: isGitObject, Touch: isSource})
}

// dryRun applies every patch, in order, to a scratch copy of base (the
// tree the patched build will see, before the build) and stops at the
// first hunk that does not apply. The copy is made of hard links: a file
// is copied for real just before a patch changes it, so base is never
// written. It returns the touched files, slash paths relative to the
// tree's root.
func (r *run) dryRun(patches []namedPatch, base string) ([]string, error) {
	if err := os.RemoveAll(r.checkDir); err != nil {
		return nil, err
	}
	err := buildcache.CopyTree(base, r.checkDir, buildcache.CopyOptions{
		Skip: func(rel string) bool { return rel == ".git" },
		Link: func(string) bool { return true }})
	if err != nil {
		return nil, fmt.Errorf("dry run: %w", err)
	}
	dir := filepath.Join(r.checkDir, r.srcRel)
	seen := map[string]bool{}
	var touched []string
	for _, p := range patches {
		r.banner("checking " + p.name + "...")
		files, err := p.patch.Check(dir)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.name, err)
		}
		for _, f := range files {
			if err := unshare(filepath.Join(dir, filepath.FromSlash(f))); err != nil {
				return nil, err
			}
			rel := path.Join(filepath.ToSlash(r.srcRel), f)
			if !seen[rel] {
				seen[rel] = true
				touched = append(touched, rel)
			}
		}
		if err := applyPatch(p.patch, dir, r.tmpDir, r.o.Stdout); err != nil {
			return nil, fmt.Errorf("%s: %w", p.name, err)
		}
	}
	return touched, nil
}

// unshare replaces a hard-linked file with a private copy of itself, so
// writing it in place leaves the other links alone.
func unshare(p string) error {
	fi, err := os.Lstat(p)
	if err != nil || !fi.Mode().IsRegular() {
		return nil // created by the patch, or not a file the patch can write
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Nlink <= 1 {
		return nil
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil {
		return err
	}
	if err := os.WriteFile(p, b, fi.Mode().Perm()); err != nil {
		return fmt.Errorf("dry run copy of %s: %w", p, err)
	}
	return os.Chtimes(p, fi.ModTime(), fi.ModTime())
}

// applyAll applies the patches to the work tree for the patched build.
// The dry run printed what each one does; -v prints it again.
func (r *run) applyAll(patches []namedPatch) error {
	dir := filepath.Join(r.work.Src, r.srcRel)
	log := io.Discard
	if r.o.Verbose {
		log = r.o.Stdout
	}
	for _, p := range patches {
		r.banner("applying " + p.name + "...")
		if err := applyPatch(p.patch, dir, r.tmpDir, log); err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
	}
	return nil
}

// applyPatch applies p under dir, logging like patch(1). The copies it
// works on never need restoring, so the backups go to a scratch directory
// under tmp that is removed again.
func applyPatch(p *Patch, dir, tmp string, log io.Writer) error {
	backup, err := os.MkdirTemp(tmp, "backup-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(backup)
	return p.Apply(dir, NewSources(backup), log)
}

// hasPrefixDir reports whether p is dir or inside it.
func hasPrefixDir(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, dir+string(filepath.Separator))
}
