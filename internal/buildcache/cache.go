// Package buildcache keeps the result of libcare-patch-make's original
// stage (the built tree with its objects and assembly, the installed tree)
// under a key made of everything that determines it, and puts it back for
// the next patch against the same base: only the translation units the new
// diff touches are compiled again.
//
// Builds happen in one fixed work directory (CMake and meson record
// absolute paths), so an entry is a copy of that directory taken right
// after the original build, plus the stat of every file of the work
// directory at that moment. Restoring compares the work directory with
// that stat and copies back only what a later stage changed or removed.
package buildcache

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// Key is what determines the result of an original build.
type Key struct {
	// Tree is the digest of the source tree (TreeDigest, or a git tree).
	Tree string `json:"tree"`
	// Build names the build system and every setting that reaches it.
	Build []string `json:"build"`
	// Tools identifies the compilers, binutils and libcare-cc by name.
	Tools map[string]string `json:"tools"`
	// Env is the build's environment, sorted, without session variables.
	Env []string `json:"env"`
}

// Sum is the key's digest.
func (k Key) Sum() string {
	b, _ := json.Marshal(k) // maps marshal sorted: the sum is stable
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Differs names the first part of k that is not as in old, for the "not
// reusing the original build" message; "" when they are equal.
func (k Key) Differs(old Key) string {
	switch {
	case k.Tree != old.Tree:
		return "the source tree changed"
	case !slices.Equal(k.Build, old.Build):
		return "the build settings changed"
	}
	for name, v := range k.Tools {
		if old.Tools[name] != v {
			return name + " changed"
		}
	}
	if len(k.Tools) != len(old.Tools) {
		return "the tools changed"
	}
	for _, kv := range symDiff(k.Env, old.Env) {
		name, _, _ := cut(kv)
		return "the environment changed (" + name + ")"
	}
	return ""
}

func cut(kv string) (string, string, bool) {
	for i := 0; i < len(kv); i++ {
		if kv[i] == '=' {
			return kv[:i], kv[i+1:], true
		}
	}
	return kv, "", false
}

// symDiff lists the elements of a or b that are not in both.
func symDiff(a, b []string) []string {
	in := func(s []string, x string) bool { return slices.Contains(s, x) }
	var out []string
	for _, x := range a {
		if !in(b, x) {
			out = append(out, x)
		}
	}
	for _, x := range b {
		if !in(a, x) {
			out = append(out, x)
		}
	}
	return out
}

// Cache is the original-build cache of one work directory. It holds one
// entry: users make several patches for one deployed build, and each
// entry is a whole built tree.
type Cache struct {
	// Dir holds the entry: key.json, tree/ (the work directory after the
	// original build), install/ (what it installed), meta.json, and
	// complete, written last.
	Dir string
	// Work is the directory builds happen in.
	Work string
	// Link says which files of the work tree may be hard links in the
	// entry instead of copies (files nobody rewrites in place).
	Link func(rel string) bool
}

func (c *Cache) path(name string) string { return filepath.Join(c.Dir, name) }

// Lookup reports whether the cache holds a complete entry for k, and if
// not, why not.
func (c *Cache) Lookup(k Key) (bool, string) {
	if _, err := os.Stat(c.path("complete")); err != nil {
		return false, "no earlier original build"
	}
	b, err := os.ReadFile(c.path("key.json"))
	if err != nil {
		return false, "no earlier original build"
	}
	var old Key
	if err := json.Unmarshal(b, &old); err != nil {
		return false, "the cache's key is damaged"
	}
	if why := k.Differs(old); why != "" || k.Sum() != old.Sum() {
		if why == "" {
			why = "the key changed"
		}
		return false, why
	}
	return true, ""
}

// Drop removes the entry.
func (c *Cache) Drop() error { return os.RemoveAll(c.Dir) }

// Store replaces the entry with the work directory as it is now and the
// installed tree install, under k; meta is kept with it (the installed
// binaries' Build-IDs) and returned by Restore.
func (c *Cache) Store(k Key, install string, meta map[string]string) error {
	if err := c.Drop(); err != nil {
		return err
	}
	if err := CopyTree(c.Work, c.path("tree"), CopyOptions{Link: c.Link}); err != nil {
		return fmt.Errorf("cache the build: %w", err)
	}
	if err := CopyTree(install, c.path("install"), CopyOptions{}); err != nil {
		return fmt.Errorf("cache the installed tree: %w", err)
	}
	if err := c.saveState(); err != nil {
		return err
	}
	for name, v := range map[string]any{"meta.json": meta, "key.json": k} {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		if err := writeAtomic(c.path(name), b); err != nil {
			return err
		}
	}
	return writeAtomic(c.path("complete"), nil)
}

func (c *Cache) saveState() error {
	st, err := Snapshot(c.Work)
	if err != nil {
		return err
	}
	return st.Save(c.path("work.state"))
}

// Restore brings the work directory back to the entry's state and copies
// the entry's installed tree to install (which must not exist). It
// returns the entry's meta and how many work files it had to restore.
func (c *Cache) Restore(install string) (map[string]string, int, error) {
	n, err := c.restoreWork()
	if err != nil {
		return nil, 0, err
	}
	if err := CopyTree(c.path("install"), install, CopyOptions{}); err != nil {
		return nil, 0, fmt.Errorf("restore the installed tree: %w", err)
	}
	var meta map[string]string
	b, err := os.ReadFile(c.path("meta.json"))
	if err == nil {
		err = json.Unmarshal(b, &meta)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("cache meta: %w", err)
	}
	return meta, n, nil
}

func (c *Cache) restoreWork() (int, error) {
	st, err := LoadState(c.path("work.state"))
	if errors.Is(err, fs.ErrNotExist) || err == nil && !isDir(c.Work) {
		// No record of the work directory: copy all of it back.
		if err := os.RemoveAll(c.Work); err != nil {
			return 0, err
		}
		if err := CopyTree(c.path("tree"), c.Work, CopyOptions{Link: c.Link}); err != nil {
			return 0, err
		}
		return -1, c.saveState()
	}
	if err != nil {
		return 0, err
	}
	n, err := Sync(c.path("tree"), c.Work, st)
	if err != nil {
		return 0, fmt.Errorf("restore the build from the cache: %w", err)
	}
	return n, c.saveState()
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// Tree is the entry's copy of the work directory (read it, never write).
func (c *Cache) Tree() string { return c.path("tree") }
