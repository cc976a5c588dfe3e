package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/golibcare/golibcare/internal/kpatch"
)

// Add writes the patch file data (already validated by the caller, e.g.
// with apply.OpenSource) into storage: as <bid>.kpatch when level is 0,
// else as <bid>/<level>/kpatch.bin with <bid>/latest moved to the highest
// enabled level. The header must decode and name a well-formed Build-ID.
func (s *Store) Add(data []byte, level int) (*Entry, error) {
	if level < 0 {
		return nil, fmt.Errorf("store: bad level %d", level)
	}
	kf, err := kpatch.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	bid := kf.Header.BuildIDString()
	if err := CheckBuildID(bid); err != nil {
		return nil, fmt.Errorf("store: header: %w", err)
	}
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	path := filepath.Join(s.Dir, bid+flatSuffix)
	if level > 0 {
		path = filepath.Join(s.Dir, bid, strconv.Itoa(level), levelFile)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
	}
	if err := writeAtomic(path, data, s.Check); err != nil {
		// Directories made for nothing go (Remove fails on a non-empty one).
		if level > 0 {
			os.Remove(filepath.Dir(path))
			os.Remove(filepath.Join(s.Dir, bid))
		}
		return nil, err
	}
	if level > 0 {
		if err := s.relink(bid); err != nil {
			return nil, err
		}
	}
	return &Entry{BuildID: bid, Level: level, Path: path, ID: kf.Header.IDString(), Size: int64(len(data))}, nil
}

// writeAtomic writes data to a temporary file next to path, syncs it,
// runs check on it if set and renames it over path.
func writeAtomic(path string, data []byte, check func(string) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil && check != nil {
		if err = check(tmp); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("store: refused: %w", err)
		}
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("store: write %s: %w", path, err)
	}
	return nil
}

// relink points <bid>/latest at the highest enabled level (a new link
// renamed over the old one, so readers never miss it). With no enabled
// level it points at the highest level, whose marker keeps it from being
// applied; with no level at all, it is removed.
func (s *Store) relink(bid string) error {
	levels := s.levels(bid)
	link := filepath.Join(s.Dir, bid, latestLink)
	if len(levels) == 0 {
		if err := os.Remove(link); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("store: %w", err)
		}
		return nil
	}
	pick := levels[len(levels)-1]
	for i := len(levels) - 1; i >= 0; i-- {
		if !disabled(s.Dir, bid, levels[i]) {
			pick = levels[i]
			break
		}
	}
	tmp := filepath.Join(s.Dir, bid, ".tmp-"+latestLink)
	os.Remove(tmp)
	if err := os.Symlink(strconv.Itoa(pick), tmp); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err := os.Rename(tmp, link); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// Remove deletes the patch of bid from storage: level N of it, or with
// level 0 every form and level of it.
func (s *Store) Remove(bid string, level int) error {
	if err := CheckBuildID(bid); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if level > 0 {
		return s.removeLevel(bid, level)
	}
	found := false
	for _, p := range []string{filepath.Join(s.Dir, bid+flatSuffix), filepath.Join(s.Dir, bid)} {
		if _, err := os.Lstat(p); err == nil {
			found = true
		}
	}
	if !found {
		return fmt.Errorf("store %s: no patch for build id %s: %w", s.Dir, bid, fs.ErrNotExist)
	}
	// The flat file first: then the directory goes while its latest link
	// still names a whole level.
	for _, p := range []string{filepath.Join(s.Dir, bid+flatSuffix), filepath.Join(s.Dir, bid+flatSuffix+"."+disabledName), filepath.Join(s.Dir, bid)} {
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("store: %w", err)
		}
	}
	return nil
}

func (s *Store) removeLevel(bid string, level int) error {
	dir := filepath.Join(s.Dir, bid, strconv.Itoa(level))
	if _, err := os.Stat(filepath.Join(dir, levelFile)); err != nil {
		return fmt.Errorf("store %s: build id %s has no level %d: %w", s.Dir, bid, level, fs.ErrNotExist)
	}
	// Out of the layout first (rename is atomic), then moved away from.
	gone := filepath.Join(s.Dir, bid, ".removed-"+strconv.Itoa(level))
	os.RemoveAll(gone)
	if err := os.Rename(dir, gone); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err := s.relink(bid); err != nil {
		return err
	}
	if err := os.RemoveAll(gone); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if len(s.levels(bid)) == 0 {
		return os.RemoveAll(filepath.Join(s.Dir, bid))
	}
	return nil
}

// SetEnabled enables or disables the patch of bid: level N of it, or with
// level 0 the patch as a whole. Disabling the level latest names moves
// latest to the highest enabled level below it, for every reader.
func (s *Store) SetEnabled(bid string, level int, on bool) error {
	if err := CheckBuildID(bid); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	mark, err := s.marker(bid, level)
	if err != nil {
		return err
	}
	if on {
		err = os.Remove(mark)
		if errors.Is(err, fs.ErrNotExist) {
			err = nil
		}
	} else {
		err = writeAtomic(mark, nil, nil)
	}
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if level > 0 {
		return s.relink(bid)
	}
	return nil
}

// marker returns the path of the disabled marker of bid or of its level.
func (s *Store) marker(bid string, level int) (string, error) {
	if level > 0 {
		dir := filepath.Join(s.Dir, bid, strconv.Itoa(level))
		if _, err := os.Stat(filepath.Join(dir, levelFile)); err != nil {
			return "", fmt.Errorf("store %s: build id %s has no level %d: %w", s.Dir, bid, level, fs.ErrNotExist)
		}
		return filepath.Join(dir, disabledName), nil
	}
	if fi, err := os.Stat(filepath.Join(s.Dir, bid)); err == nil && fi.IsDir() {
		return filepath.Join(s.Dir, bid, disabledName), nil
	}
	if _, err := os.Stat(filepath.Join(s.Dir, bid+flatSuffix)); err != nil {
		return "", fmt.Errorf("store %s: no patch for build id %s: %w", s.Dir, bid, fs.ErrNotExist)
	}
	return filepath.Join(s.Dir, bid+flatSuffix+"."+disabledName), nil
}
