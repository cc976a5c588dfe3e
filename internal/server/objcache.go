package server

import (
	"debug/elf"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/golibcare/golibcare/internal/elfutil"
)

// maxCachedObjects bounds the Build-ID cache; past it the cache restarts.
const maxCachedObjects = 4096

// fileKey identifies one version of a file without reading it.
type fileKey struct {
	dev, ino uint64
	mtime    int64
	size     int64
}

// objectInfo is what the watcher needs to know about an ELF file.
type objectInfo struct {
	buildID string
	once    sync.Once
	needed  []string // DT_NEEDED resolved to paths, filled on first use
}

// objectCache remembers Build-IDs and dependencies of program files, so an
// exec of a program seen before costs a stat, not an ELF parse.
type objectCache struct {
	mu sync.Mutex
	m  map[fileKey]*objectInfo
}

func newObjectCache() *objectCache { return &objectCache{m: map[fileKey]*objectInfo{}} }

// hasPatch reports whether storage holds a patch for the program at path
// or for one of the libraries it names directly (DT_NEEDED).
func (c *objectCache) hasPatch(path, storage string) bool {
	info := c.get(path)
	if info == nil {
		return false
	}
	if _, err := Lookup(storage, info.buildID); err == nil {
		return true
	}
	info.once.Do(func() { info.needed = neededOf(path) })
	for _, lib := range info.needed {
		if li := c.get(lib); li != nil {
			if _, err := Lookup(storage, li.buildID); err == nil {
				return true
			}
		}
	}
	return false
}

func (c *objectCache) get(path string) *objectInfo {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return nil
	}
	k := fileKey{st.Dev, st.Ino, st.Mtim.Nano(), st.Size}
	c.mu.Lock()
	info, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return info
	}
	info = nil
	if bid, err := fastBuildID(path); err == nil {
		info = &objectInfo{buildID: bid}
	}
	c.mu.Lock()
	if len(c.m) >= maxCachedObjects {
		clear(c.m)
	}
	c.m[k] = info
	c.mu.Unlock()
	return info
}

// neededOf lists the libraries the program at path names directly.
func neededOf(path string) []string {
	f, err := elfutil.SafeOpen(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	return resolveNeeded(f, path)
}

// libDirs are the default library directories of Debian's x86_64 ld.so
// (/etc/ld.so.conf.d/x86_64-linux-gnu.conf, then the built-in ones).
var libDirs = []string{"/usr/local/lib", "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"}

// resolveNeeded finds the files of f's DT_NEEDED libraries the way ld.so
// would without LD_LIBRARY_PATH: DT_RUNPATH/DT_RPATH ($ORIGIN expanded),
// then the default directories.
func resolveNeeded(f *elf.File, path string) []string {
	names, err := f.ImportedLibraries()
	if err != nil {
		return nil
	}
	var dirs []string
	origin := filepath.Dir(realPath(path))
	for _, tag := range []elf.DynTag{elf.DT_RUNPATH, elf.DT_RPATH} {
		vals, _ := f.DynString(tag)
		for _, v := range vals {
			for _, d := range strings.Split(v, ":") {
				dirs = append(dirs, strings.NewReplacer("$ORIGIN", origin, "${ORIGIN}", origin).Replace(d))
			}
		}
	}
	dirs = append(dirs, libDirs...)
	var out []string
	for _, n := range names {
		if strings.Contains(n, "/") {
			out = append(out, n)
			continue
		}
		for _, d := range dirs {
			if p := filepath.Join(d, n); fileExists(p) {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

func realPath(p string) string {
	if r, err := os.Readlink(p); err == nil && strings.HasPrefix(p, "/proc/") {
		return strings.TrimSuffix(r, " (deleted)")
	}
	return p
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}
