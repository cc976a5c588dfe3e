package patchmake

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// write puts the computed tree on disk: files written first, deletions
// last (patch(1) deletes at the end too), each path saved in src before it
// changes. A deletion removes the directories it leaves empty, as patch(1)
// does.
func (w *worktree) write(src *Sources) error {
	for _, c := range w.order {
		if c.touched && c.exists {
			if err := w.writeFile(c, src); err != nil {
				return err
			}
		}
	}
	for _, c := range w.order {
		if c.touched && !c.exists && c.existed {
			if err := w.removeFile(c, src); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *worktree) writeFile(c *change, src *Sources) error {
	path := w.path(c.rel)
	if err := src.Save(path); err != nil {
		return err
	}
	if !c.existed {
		if err := src.MkdirAll(filepath.Dir(path)); err != nil {
			return err
		}
	}
	// Rewritten in place so the mode and hard links stay; a new file gets
	// the umask's mode, as from patch(1), unless the diff names one.
	if err := os.WriteFile(path, c.data, 0o666); err != nil {
		return fmt.Errorf("write %s: %w", c.rel, err)
	}
	if !c.setMode || (c.existed && c.perm == c.diskPerm) {
		return nil
	}
	if err := os.Chmod(path, c.perm); err != nil {
		return fmt.Errorf("chmod %s: %w", c.rel, err)
	}
	return nil
}

func (w *worktree) removeFile(c *change, src *Sources) error {
	path := w.path(c.rel)
	if err := src.Save(path); err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete %s: %w", c.rel, err)
	}
	for d := filepath.Dir(path); c.removeParents && strings.HasPrefix(d, w.dir+string(filepath.Separator)); d = filepath.Dir(d) {
		removed, err := src.RemoveEmptyDir(d)
		if err != nil {
			return err
		}
		if !removed {
			break
		}
	}
	return nil
}
