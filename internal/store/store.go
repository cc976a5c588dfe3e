package store

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/golibcare/golibcare/internal/kpatch"
	"github.com/golibcare/golibcare/internal/regfile"
)

// maxLevelLink bounds the target of a <bid>/latest link (upstream reads it
// into a 32-byte buffer).
const maxLevelLink = 31

// Names in the layout.
const (
	flatSuffix   = ".kpatch"
	levelFile    = "kpatch.bin"
	latestLink   = "latest"
	disabledName = "disabled"
)

// ErrDisabled is wrapped by Lookup's error for a patch that is in storage
// but disabled; it also wraps fs.ErrNotExist, as there is nothing to apply.
var ErrDisabled = fmt.Errorf("patch disabled: %w", fs.ErrNotExist)

// Patch is the patch storage holds for one Build-ID.
type Patch struct {
	Path  string // the .kpatch file
	Level int    // patch level: the number <bid>/latest points to; 0 for <bid>.kpatch
}

// Store is a storage directory.
type Store struct {
	Dir string
	// Check, if set, validates a patch file Add is about to install; it
	// runs on the very bytes that are renamed into place.
	Check func(path string) error
}

// New returns the store in dir.
func New(dir string) *Store { return &Store{Dir: dir} }

// Lookup finds the patch to apply for buildID in the storage directory
// dir: <bid>/latest/kpatch.bin, then <bid>.kpatch (facts §7.2). It returns
// an error wrapping fs.ErrNotExist when there is none, and ErrDisabled when
// the patch is disabled.
func Lookup(dir, buildID string) (*Patch, error) {
	if err := CheckBuildID(buildID); err != nil {
		return nil, fmt.Errorf("storage %s: %w: %w", dir, err, fs.ErrNotExist)
	}
	p, err := lookup(dir, buildID)
	if err != nil {
		return nil, err
	}
	if disabled(dir, buildID, p.Level) {
		return nil, fmt.Errorf("storage %s: build id %s: %w", dir, buildID, ErrDisabled)
	}
	return p, nil
}

// lookup is Lookup without the disabled markers.
func lookup(dir, buildID string) (*Patch, error) {
	bin := filepath.Join(dir, buildID, latestLink, levelFile)
	if _, err := os.Stat(bin); err == nil {
		lvl, err := readLevel(filepath.Join(dir, buildID, latestLink))
		if err != nil {
			return nil, err
		}
		return &Patch{Path: bin, Level: lvl}, nil
	}
	file := filepath.Join(dir, buildID+flatSuffix)
	if fi, err := os.Stat(file); err == nil && fi.Mode().IsRegular() {
		return &Patch{Path: file}, nil
	}
	return nil, fmt.Errorf("storage %s: no patch for build id %s: %w", dir, buildID, fs.ErrNotExist)
}

// disabled reports whether the patch of buildID at level is marked
// disabled, as a whole or (level > 0) that level.
func disabled(dir, buildID string, level int) bool {
	marks := []string{filepath.Join(dir, buildID, disabledName)}
	if level > 0 {
		marks = append(marks, filepath.Join(dir, buildID, strconv.Itoa(level), disabledName))
	} else {
		marks = append(marks, filepath.Join(dir, buildID+flatSuffix+"."+disabledName))
	}
	for _, m := range marks {
		if _, err := os.Lstat(m); err == nil {
			return true
		}
	}
	return false
}

// CheckBuildID refuses what cannot be a GNU Build-ID in hex: it names
// directories and files of storage, so it must not hold a path.
func CheckBuildID(bid string) error {
	if bid == "" || len(bid) > kpatch.BuildIDLen || len(bid)%2 != 0 {
		return fmt.Errorf("bad build id %q: want 2 to %d hex digits", bid, kpatch.BuildIDLen)
	}
	for _, c := range bid {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return fmt.Errorf("bad build id %q: want lower-case hex digits", bid)
		}
	}
	return nil
}

// readLevel returns the level a <bid>/latest link names ("2" or "./2").
func readLevel(link string) (int, error) {
	target, err := os.Readlink(link)
	if err != nil {
		return 0, fmt.Errorf("patch level: %w", err)
	}
	if len(target) > maxLevelLink {
		return 0, fmt.Errorf("patch level: link %s: target too long", link)
	}
	lvl, err := strconv.Atoi(filepath.Base(target))
	if err != nil || lvl < 0 {
		return 0, fmt.Errorf("patch level: link %s -> %q: not a level number", link, target)
	}
	return lvl, nil
}

// BuildIDs lists the Build-IDs storage dir holds an enabled patch for, in
// either form.
func BuildIDs(dir string) ([]string, error) {
	return buildIDs(dir, Lookup)
}

// AllBuildIDs is BuildIDs with disabled patches too.
func AllBuildIDs(dir string) ([]string, error) {
	return buildIDs(dir, lookup)
}

func buildIDs(dir string, find func(dir, bid string) (*Patch, error)) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	var ids []string
	seen := map[string]bool{}
	for _, e := range ents {
		name := strings.TrimSuffix(e.Name(), flatSuffix)
		if (name == e.Name() && !e.IsDir()) || seen[name] || CheckBuildID(name) != nil {
			continue
		}
		seen[name] = true
		if _, err := find(dir, name); err == nil {
			ids = append(ids, name)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	return ids, nil
}

// Disabled reports whether storage dir holds a patch for buildID that is
// disabled (the latest level, or the patch as a whole).
func Disabled(dir, buildID string) bool {
	if CheckBuildID(buildID) != nil {
		return false
	}
	p, err := lookup(dir, buildID)
	return err == nil && disabled(dir, buildID, p.Level)
}

// StoredID returns the patch id in the header of a stored .kpatch file.
func StoredID(path string) (string, error) {
	h, err := readHeader(path)
	if err != nil {
		return "", err
	}
	return h.IDString(), nil
}

func readHeader(path string) (*kpatch.Header, error) {
	f, _, err := regfile.Open(path) // a FIFO planted in storage must not hang the server
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, kpatch.HeaderSize)
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, fmt.Errorf("%s: header: %w", path, err)
	}
	h, err := kpatch.DecodeHeader(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return h, nil
}
