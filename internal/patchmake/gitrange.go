package patchmake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// GitRange is a pair of commits: the original code (From) and the patched
// code (To), read with go-git (no git binary).
type GitRange struct {
	From, To *object.Commit
	// WorkTree is the repository's work tree ("" for a bare one): where
	// the user's own build of it ran.
	WorkTree string
}

// ResolveGitRange opens the repository containing repoDir and resolves rng:
// "A..B", or "B" meaning B's first parent..B.
func ResolveGitRange(repoDir, rng string) (*GitRange, error) {
	repo, err := git.PlainOpenWithOptions(repoDir, &git.PlainOpenOptions{DetectDotGit: true})
	if err != nil {
		return nil, fmt.Errorf("open git repository %s: %w", repoDir, err)
	}
	g, err := resolve(repo, rng)
	if err != nil {
		return nil, err
	}
	if wt, err := repo.Worktree(); err == nil {
		g.WorkTree = wt.Filesystem.Root()
	}
	return g, nil
}

func resolve(repo *git.Repository, rng string) (*GitRange, error) {
	a, b, isRange := strings.Cut(rng, "..")
	if !isRange {
		b = a
	}
	to, err := commitOf(repo, b)
	if err != nil {
		return nil, err
	}
	if !isRange {
		if to.NumParents() == 0 {
			return nil, fmt.Errorf("git revision %s has no parent: give a range A..B", b)
		}
		from, err := to.Parent(0)
		if err != nil {
			return nil, fmt.Errorf("parent of %s: %w", b, err)
		}
		return &GitRange{From: from, To: to}, nil
	}
	from, err := commitOf(repo, a)
	if err != nil {
		return nil, err
	}
	return &GitRange{From: from, To: to}, nil
}

func commitOf(repo *git.Repository, rev string) (*object.Commit, error) {
	if rev == "" {
		rev = "HEAD"
	}
	h, err := repo.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		return nil, fmt.Errorf("git revision %q: %w", rev, err)
	}
	c, err := repo.CommitObject(*h)
	if err != nil {
		return nil, fmt.Errorf("git revision %q: %w", rev, err)
	}
	return c, nil
}

// Patch is the unified diff From..To, parsed like a diff file.
func (g *GitRange) Patch(ctx context.Context) (*Patch, error) {
	p, err := g.From.PatchContext(ctx, g.To)
	if err != nil {
		return nil, fmt.Errorf("git diff %s..%s: %w", short(g.From), short(g.To), err)
	}
	for _, fp := range p.FilePatches() {
		if fp.IsBinary() {
			from, to := fp.Files()
			name := ""
			if to != nil {
				name = to.Path()
			} else if from != nil {
				name = from.Path()
			}
			return nil, fmt.Errorf("git diff %s..%s: binary file %s changed: not supported", short(g.From), short(g.To), name)
		}
	}
	parsed, err := ParsePatch([]byte(p.String()))
	if err != nil {
		return nil, fmt.Errorf("git diff %s..%s: %w", short(g.From), short(g.To), err)
	}
	return parsed, nil
}

func short(c *object.Commit) string { return c.Hash.String()[:12] }

// Export writes From's tree into dest (emptied first): regular files with
// their exec bit, symlinks; submodules are skipped.
func (g *GitRange) Export(dest string) error {
	if err := os.RemoveAll(dest); err != nil {
		return err
	}
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return err
	}
	tree, err := g.From.Tree()
	if err != nil {
		return fmt.Errorf("tree of %s: %w", short(g.From), err)
	}
	return tree.Files().ForEach(func(f *object.File) error {
		if err := exportFile(dest, f); err != nil {
			return fmt.Errorf("export %s: %w", f.Name, err)
		}
		return nil
	})
}

func exportFile(dest string, f *object.File) error {
	path := filepath.Join(dest, filepath.FromSlash(f.Name))
	if !filepath.IsLocal(filepath.FromSlash(f.Name)) {
		return errors.New("path leaves the tree")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	rd, err := f.Reader()
	if err != nil {
		return err
	}
	defer rd.Close()
	data, err := io.ReadAll(rd)
	if err != nil {
		return err
	}
	switch f.Mode {
	case filemode.Symlink:
		return os.Symlink(string(data), path)
	case filemode.Executable:
		return os.WriteFile(path, data, 0o755)
	default:
		return os.WriteFile(path, data, 0o644)
	}
}

// prepareGit resolves the range and returns its diff; the original tree
// is exported only when it has to be built.
func (r *run) prepareGit(ctx context.Context) ([]namedPatch, error) {
	repoDir := r.o.GitRepo
	if repoDir == "" {
		repoDir = r.dir
	}
	g, err := ResolveGitRange(repoDir, r.o.GitRange)
	if err != nil {
		return nil, err
	}
	p, err := g.Patch(ctx)
	if err != nil {
		return nil, err
	}
	r.git = g
	name := fmt.Sprintf("%s..%s", short(g.From), short(g.To))
	return []namedPatch{{name: name, patch: p}}, nil
}

// FS is the original commit's tree as a file system that answers Stat
// (enough to detect its build system without exporting it).
func (g *GitRange) FS() fs.FS { return commitFS{g.From} }

type commitFS struct{ c *object.Commit }

func (f commitFS) Open(name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: errors.ErrUnsupported}
}

func (f commitFS) Stat(name string) (fs.FileInfo, error) {
	tree, err := f.c.Tree()
	if err != nil {
		return nil, err
	}
	e, err := tree.FindEntry(name)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	return entryInfo{e}, nil
}

// entryInfo is a tree entry's fs.FileInfo: its name and mode.
type entryInfo struct{ e *object.TreeEntry }

func (i entryInfo) Name() string       { return i.e.Name }
func (i entryInfo) Size() int64        { return 0 }
func (i entryInfo) ModTime() time.Time { return time.Time{} }
func (i entryInfo) IsDir() bool        { return i.e.Mode == filemode.Dir }
func (i entryInfo) Sys() any           { return nil }
func (i entryInfo) Mode() fs.FileMode {
	m, err := i.e.Mode.ToOSFileMode()
	if err != nil {
		return 0
	}
	return m
}
