package buildcache

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
)

// HashCache remembers the SHA-256 of files by path and stat, like git's
// index: a file whose stat did not change since it was hashed is not read
// again, so checking a big unchanged tree costs one stat per file.
type HashCache struct {
	mu      sync.Mutex
	path    string
	entries map[string]hashed
	dirty   bool
}

type hashed struct {
	Stat statOf `json:"st"`
	Sum  string `json:"sum"`
}

// OpenHashCache loads the cache kept in path (missing or unreadable: an
// empty cache, which only costs time).
func OpenHashCache(path string) *HashCache {
	c := &HashCache{path: path, entries: map[string]hashed{}}
	if b, err := os.ReadFile(path); err == nil {
		json.Unmarshal(b, &c.entries)
	}
	return c
}

// Sum returns the SHA-256 of the file at abs (an absolute path) with stat
// fi, from the cache when the stat is the one it was hashed with.
func (c *HashCache) Sum(abs string, fi fs.FileInfo) (string, error) {
	if c == nil {
		return fileSum(abs)
	}
	st := statInfo(fi)
	c.mu.Lock()
	h, ok := c.entries[abs]
	c.mu.Unlock()
	if ok && h.Stat == st {
		return h.Sum, nil
	}
	sum, err := fileSum(abs)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	c.entries[abs] = hashed{Stat: st, Sum: sum}
	c.dirty = true
	c.mu.Unlock()
	return sum, nil
}

// Save writes the cache back if it changed, keeping only the paths seen
// in this run (keep) so that it does not grow without bound.
func (c *HashCache) Save(keep func(abs string) bool) error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.dirty || c.path == "" {
		return nil
	}
	for p := range c.entries {
		if keep != nil && !keep(p) {
			delete(c.entries, p)
		}
	}
	b, err := json.Marshal(c.entries)
	if err != nil {
		return err
	}
	return writeAtomic(c.path, b)
}

func fileSum(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// TreeDigest is the SHA-256 of a tree's content: every entry's slash path,
// type, executable bit and content (a symbolic link's target), sorted.
// Times and ownership do not count: they do not change what a build
// makes. skip leaves entries out as in CopyOptions.
func TreeDigest(root string, skip func(rel string) bool, hc *HashCache) (string, error) {
	entries, err := list(root, skip)
	if err != nil {
		return "", err
	}
	lines := make([]string, len(entries))
	err = parallel(len(entries), func(i int) error {
		e := entries[i]
		abs := filepath.Join(root, e.rel)
		var what string
		switch {
		case e.mode.IsDir():
			what = "d"
		case e.mode&fs.ModeSymlink != 0:
			t, err := os.Readlink(abs)
			if err != nil {
				return err
			}
			what = "l " + t
		case e.mode.IsRegular():
			fi, err := os.Lstat(abs)
			if err != nil {
				return err
			}
			sum, err := hc.Sum(abs, fi)
			if err != nil {
				return err
			}
			what = fmt.Sprintf("f %o %s", fi.Mode().Perm()&0o111, sum)
		default:
			what = "o" // sockets and fifos are not copied either
		}
		lines[i] = filepath.ToSlash(e.rel) + "\x00" + what + "\n"
		return nil
	})
	if err != nil {
		return "", err
	}
	sort.Strings(lines)
	h := sha256.New()
	for _, l := range lines {
		io.WriteString(h, l)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
