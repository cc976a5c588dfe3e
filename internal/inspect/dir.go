package inspect

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/golibcare/golibcare/internal/signature"
)

// Dir describes every patch of a storage directory (facts §7.2):
// <BuildID>.kpatch files and <BuildID>/<level>/kpatch.bin, marking the
// level <BuildID>/latest points at.
func Dir(dir string, maxSize int64, keys []signature.Key) ([]*Report, error) {
	var out []*Report
	flat, err := filepath.Glob(filepath.Join(dir, "*.kpatch"))
	if err != nil {
		return nil, err
	}
	sort.Strings(flat)
	for _, p := range flat {
		r, err := File(p, maxSize, keys)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	leveled, err := filepath.Glob(filepath.Join(dir, "*", "*", "kpatch.bin"))
	if err != nil {
		return nil, err
	}
	sort.Strings(leveled)
	for _, p := range leveled {
		lvDir := filepath.Dir(p)
		level, err := strconv.ParseUint(filepath.Base(lvDir), 10, 32)
		if err != nil {
			continue // not a level directory (latest is a link to one)
		}
		r, err := File(p, maxSize, keys)
		if err != nil {
			return nil, err
		}
		lv := uint32(level)
		r.Level = &lv
		latest, _ := os.Readlink(filepath.Join(filepath.Dir(lvDir), "latest"))
		r.Latest = filepath.Base(latest) == filepath.Base(lvDir)
		out = append(out, r)
	}
	return out, nil
}
