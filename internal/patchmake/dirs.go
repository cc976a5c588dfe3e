package patchmake

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// freshDir makes dir an empty directory for a new install, so a run never
// picks up what an earlier one installed (nginx's install renames an
// existing binary to .old). It refuses to empty a directory that holds the
// tree or the output directory, or one named by LPMAKE_* that has content
// libcare-patch-make did not put there.
func (r *run) freshDir(dir string) error {
	if err := r.mayEmpty(dir); err != nil {
		return err
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("empty %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return r.own(dir)
}

func (r *run) mayEmpty(dir string) error {
	for _, keep := range []string{r.dir, r.out, r.o.ToolDir} {
		if hasPrefixDir(keep, dir) {
			return fmt.Errorf("will not empty %s for an install: it holds %s", dir, keep)
		}
	}
	if dir == filepath.Join(r.out, "lpmake") || hasPrefixDir(dir, r.tmpDir) || slices.Contains(r.owned(), dir) {
		return nil
	}
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		return fmt.Errorf("will not empty %s for an install: it was not made by libcare-patch-make (remove it or name another directory)", dir)
	}
	return nil
}

func (r *run) ownedPath() string { return filepath.Join(r.tmpDir, "owned.json") }

// owned lists the directories outside the output directory that earlier
// runs filled (LPMAKE_ORIGINAL_DIR, LPMAKE_PATCHED_DIR).
func (r *run) owned() []string {
	var dirs []string
	if b, err := os.ReadFile(r.ownedPath()); err == nil {
		json.Unmarshal(b, &dirs)
	}
	return dirs
}

func (r *run) own(dir string) error {
	dirs := r.owned()
	if slices.Contains(dirs, dir) {
		return nil
	}
	b, err := json.Marshal(append(dirs, dir))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(r.tmpDir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(r.ownedPath(), b, 0o644)
}
