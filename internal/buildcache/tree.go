package buildcache

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"syscall"
	"time"
)

// CopyOptions steer CopyTree. Paths given to the functions are slash
// separated and relative to the source root.
type CopyOptions struct {
	// Skip leaves an entry (and everything under a directory) out.
	Skip func(rel string) bool
	// Link makes a hard link instead of a copy, for files nobody writes
	// in place (git objects, a scratch tree whose writers unlink first).
	// A failed link (another file system) falls back to a copy.
	Link func(rel string) bool
	// Touch gives a file the copy's time as mtime instead of the
	// original's, so make rebuilds what depends on it.
	Touch func(rel string) bool
}

// entry is one file system object of a tree.
type entry struct {
	rel  string
	mode fs.FileMode
	mod  time.Time
}

// CopyTree copies src into dst (created; it must not exist or be empty):
// regular files with their permission bits and modification times,
// directories, and symbolic links as links. Other file types (sockets,
// fifos, devices) are left out: no build reads them as sources.
func CopyTree(src, dst string, o CopyOptions) error {
	entries, err := list(src, o.Skip)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	var files []entry
	for _, e := range entries {
		switch {
		case e.mode.IsDir():
			if err := os.Mkdir(filepath.Join(dst, e.rel), e.mode.Perm()|0o700); err != nil && !errors.Is(err, fs.ErrExist) {
				return err
			}
		case e.mode&fs.ModeSymlink != 0:
			if err := copyLink(filepath.Join(src, e.rel), filepath.Join(dst, e.rel)); err != nil {
				return err
			}
		case e.mode.IsRegular():
			files = append(files, e)
		}
	}
	now := time.Now()
	err = parallel(len(files), func(i int) error {
		e := files[i]
		from, to := filepath.Join(src, e.rel), filepath.Join(dst, e.rel)
		if o.Link != nil && o.Link(filepath.ToSlash(e.rel)) && os.Link(from, to) == nil {
			return nil
		}
		mod := e.mod
		if o.Touch != nil && o.Touch(filepath.ToSlash(e.rel)) {
			mod = now
		}
		return copyFile(from, to, e.mode.Perm(), mod)
	})
	if err != nil {
		return err
	}
	return setDirTimes(dst, entries)
}

// list walks root and returns every entry but root itself, parents before
// children.
func list(root string, skip func(string) bool) ([]entry, error) {
	var out []entry
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil || rel == "." {
			return err
		}
		if skip != nil && skip(filepath.ToSlash(rel)) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		out = append(out, entry{rel: rel, mode: fi.Mode(), mod: fi.ModTime()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk %s: %w", root, err)
	}
	return out, nil
}

// setDirTimes gives the copied directories their original mtimes, deepest
// first (creating an entry changes its parent's mtime).
func setDirTimes(dst string, entries []entry) error {
	var dirs []entry
	for _, e := range entries {
		if e.mode.IsDir() {
			dirs = append(dirs, e)
		}
	}
	sort.Slice(dirs, func(i, j int) bool { return len(dirs[i].rel) > len(dirs[j].rel) })
	for _, d := range dirs {
		p := filepath.Join(dst, d.rel)
		if err := os.Chtimes(p, d.mod, d.mod); err != nil {
			return err
		}
		if err := os.Chmod(p, d.mode.Perm()); err != nil {
			return err
		}
	}
	return nil
}

// copyFile copies one regular file; io.Copy between files uses
// copy_file_range, which shares extents where the file system can.
func copyFile(from, to string, perm fs.FileMode, mod time.Time) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm|0o200)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s: %w", from, err)
	}
	if err := out.Close(); err != nil {
		return err
	}
	if perm&0o200 == 0 {
		if err := os.Chmod(to, perm); err != nil {
			return err
		}
	}
	return os.Chtimes(to, mod, mod)
}

func copyLink(from, to string) error {
	target, err := os.Readlink(from)
	if err != nil {
		return err
	}
	return os.Symlink(target, to)
}

// parallel runs f(0..n-1) on a few goroutines and returns the first error.
func parallel(n int, f func(int) error) error {
	workers := min(n, 2*runtime.NumCPU()+2)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan int)
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}

// statOf is the part of a stat result that changes whenever a file's
// content or metadata changes (ctime cannot be set back by a tool).
type statOf struct {
	Mode  fs.FileMode `json:"m"`
	Size  int64       `json:"s"`
	Mtime int64       `json:"t"`
	Ctime int64       `json:"c"`
	Ino   uint64      `json:"i"`
	Dev   uint64      `json:"d"`
}

func statInfo(fi fs.FileInfo) statOf {
	s := statOf{Mode: fi.Mode(), Size: fi.Size(), Mtime: fi.ModTime().UnixNano()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		s.Ctime = st.Ctim.Nano()
		s.Ino, s.Dev = st.Ino, st.Dev
	}
	return s
}
