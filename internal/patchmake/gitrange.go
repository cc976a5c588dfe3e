package patchmake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// GitRange is a pair of commits: the original code (From) and the patched
// code (To), read with go-git (no git binary).
type GitRange struct {
	From, To *object.Commit
}

// ResolveGitRange opens the repository containing repoDir and resolves rng:
// "A..B", or "B" meaning B's first parent..B.
func ResolveGitRange(repoDir, rng string) (*GitRange, error) {
	repo, err := git.PlainOpenWithOptions(repoDir, &git.PlainOpenOptions{DetectDotGit: true})
	if err != nil {
		return nil, fmt.Errorf("open git repository %s: %w", repoDir, err)
	}
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

// prepareGit exports the original tree into .lpmaketmp/src (the user's
// checkout is never touched), builds there, and returns the range's diff.
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
	r.buildDir = filepath.Join(r.tmpDir, "src")
	if !r.o.Update {
		fmt.Fprintf(r.o.Stdout, "EXPORTING %s INTO %s\n", short(g.From), r.buildDir)
		if err := g.Export(r.buildDir); err != nil {
			return nil, err
		}
	}
	name := fmt.Sprintf("%s..%s", short(g.From), short(g.To))
	return []namedPatch{{name: name, patch: p}}, nil
}
