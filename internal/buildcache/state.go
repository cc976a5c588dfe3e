package buildcache

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
)

// State is the stat of every entry of a tree at one moment, by slash
// path relative to the root. Comparing a later stat with it tells which
// entries anything touched since, without reading a byte.
type State map[string]statOf

// Snapshot stats every entry under root.
func Snapshot(root string) (State, error) {
	st := State{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil || rel == "." {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		st[filepath.ToSlash(rel)] = statInfo(fi)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("stat %s: %w", root, err)
	}
	return st, nil
}

// Sync makes dst identical to src again, where dst was identical to src
// (same entries, contents and times) when st was taken of dst: every
// entry of dst whose stat differs from st, or that st does not know, is
// removed, and every entry st knows that is then missing is copied back
// from src with its mode and times. It returns how many entries it
// restored. A build that rewrote a few files costs a stat walk and those
// few copies.
func Sync(src, dst string, st State) (int, error) {
	cur, err := Snapshot(dst)
	if err != nil {
		return 0, err
	}
	var stale []string
	for rel, s := range cur {
		if old, ok := st[rel]; !ok || old != s && !(s.Mode.IsDir() && old.Mode == s.Mode) {
			stale = append(stale, rel)
		}
	}
	sort.Strings(stale) // parents first; RemoveAll of a parent covers its children
	for _, rel := range stale {
		if err := os.RemoveAll(filepath.Join(dst, filepath.FromSlash(rel))); err != nil {
			return 0, err
		}
	}
	restored := 0
	var missing []string
	for rel := range st {
		if _, err := os.Lstat(filepath.Join(dst, filepath.FromSlash(rel))); err != nil {
			missing = append(missing, rel)
		}
	}
	sort.Strings(missing)
	for _, rel := range missing {
		if err := restore(src, dst, rel); err != nil {
			return restored, fmt.Errorf("restore %s: %w", rel, err)
		}
		restored++
	}
	return restored, resetDirTimes(src, dst, st, cur, append(stale, missing...))
}

func restore(src, dst, rel string) error {
	from, to := filepath.Join(src, filepath.FromSlash(rel)), filepath.Join(dst, filepath.FromSlash(rel))
	fi, err := os.Lstat(from)
	if err != nil {
		return err
	}
	switch {
	case fi.IsDir():
		return os.MkdirAll(to, fi.Mode().Perm()|0o700)
	case fi.Mode()&fs.ModeSymlink != 0:
		return copyLink(from, to)
	default:
		return copyFile(from, to, fi.Mode().Perm(), fi.ModTime())
	}
}

// resetDirTimes gives every directory whose entries changed (before or
// during the sync) its mtime from src again, deepest first, so a rule that
// looks at a directory's time sees what it saw after the original build.
func resetDirTimes(src, dst string, st, cur State, changed []string) error {
	set := map[string]bool{}
	for rel, s := range st {
		if s.Mode.IsDir() && cur[rel].Mtime != s.Mtime {
			set[rel] = true
		}
	}
	for _, rel := range changed {
		if st[rel].Mode.IsDir() {
			set[rel] = true
		}
		if d := path.Dir(rel); d != "." {
			if _, ok := st[d]; ok {
				set[d] = true
			}
		}
	}
	var dirs []string
	for d := range set {
		dirs = append(dirs, d)
	}
	sort.Slice(dirs, func(i, j int) bool { return len(dirs[i]) > len(dirs[j]) })
	for _, rel := range dirs {
		fi, err := os.Stat(filepath.Join(src, filepath.FromSlash(rel)))
		if err != nil {
			return err
		}
		if err := os.Chtimes(filepath.Join(dst, filepath.FromSlash(rel)), fi.ModTime(), fi.ModTime()); err != nil {
			return err
		}
	}
	return nil
}

// Save writes st to path as JSON.
func (st State) Save(path string) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return writeAtomic(path, b)
}

// LoadState reads a state written by Save.
func LoadState(path string) (State, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return st, nil
}

// writeAtomic writes b to path through a temporary file and a rename, so
// a crash leaves the old content or the new, never half of it.
func writeAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
