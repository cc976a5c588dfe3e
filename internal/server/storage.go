package server

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

// Patch is the patch storage holds for one Build-ID.
type Patch struct {
	Path  string // the .kpatch file
	Level int    // patch level: the number <bid>/latest points to; 0 for <bid>.kpatch
}

// Lookup finds the patch for buildID in the storage directory dir, trying
// <bid>/latest/kpatch.bin, then <bid>.kpatch (facts §7.2). It returns an
// error wrapping fs.ErrNotExist when there is none.
func Lookup(dir, buildID string) (*Patch, error) {
	if buildID == "" || strings.ContainsAny(buildID, "/\x00") || buildID[0] == '.' {
		return nil, fmt.Errorf("storage %s: bad build id %q: %w", dir, buildID, fs.ErrNotExist)
	}
	bin := filepath.Join(dir, buildID, "latest", "kpatch.bin")
	if _, err := os.Stat(bin); err == nil {
		lvl, err := readLevel(filepath.Join(dir, buildID, "latest"))
		if err != nil {
			return nil, err
		}
		return &Patch{Path: bin, Level: lvl}, nil
	}
	file := filepath.Join(dir, buildID+".kpatch")
	if fi, err := os.Stat(file); err == nil && fi.Mode().IsRegular() {
		return &Patch{Path: file}, nil
	}
	return nil, fmt.Errorf("storage %s: no patch for build id %s: %w", dir, buildID, fs.ErrNotExist)
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

// BuildIDs lists the Build-IDs storage dir holds a patch for, in either form.
func BuildIDs(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	var ids []string
	seen := map[string]bool{}
	for _, e := range ents {
		name := strings.TrimSuffix(e.Name(), ".kpatch")
		if (name == e.Name() && !e.IsDir()) || seen[name] {
			continue
		}
		seen[name] = true
		if _, err := Lookup(dir, name); err == nil {
			ids = append(ids, name)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	return ids, nil
}

// storedID returns the patch id in the header of a stored .kpatch file.
func storedID(path string) (string, error) {
	f, _, err := regfile.Open(path) // a FIFO planted in storage must not hang the server
	if err != nil {
		return "", err
	}
	defer f.Close()
	b := make([]byte, kpatch.HeaderSize)
	if _, err := io.ReadFull(f, b); err != nil {
		return "", fmt.Errorf("%s: header: %w", path, err)
	}
	h, err := kpatch.DecodeHeader(b)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return h.IDString(), nil
}
