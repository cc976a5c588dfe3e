package buildcache

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// tree describes a directory for the tests: path → content, "->target"
// for a symlink, a trailing "/" for a directory.
func makeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	old := time.Unix(1600000000, 123456789)
	for p, c := range files {
		full := filepath.Join(dir, p)
		switch {
		case strings.HasSuffix(p, "/"):
			must(t, os.MkdirAll(full, 0o755))
		case strings.HasPrefix(c, "->"):
			must(t, os.MkdirAll(filepath.Dir(full), 0o755))
			must(t, os.Symlink(c[2:], full))
		default:
			must(t, os.MkdirAll(filepath.Dir(full), 0o755))
			mode := fs.FileMode(0o644)
			if strings.HasSuffix(p, ".sh") {
				mode = 0o755
			}
			must(t, os.WriteFile(full, []byte(c), mode))
			must(t, os.Chtimes(full, old, old))
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// describe lists every entry of dir with type, mode, mtime and content.
func describe(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch {
		case fi.IsDir():
			m[rel] = fmt.Sprintf("dir %o", fi.Mode().Perm())
		case fi.Mode()&fs.ModeSymlink != 0:
			l, _ := os.Readlink(p)
			m[rel] = "link " + l
		default:
			b, _ := os.ReadFile(p)
			m[rel] = fmt.Sprintf("file %o %d %q", fi.Mode().Perm(), fi.ModTime().UnixNano(), b)
		}
		return nil
	})
	must(t, err)
	return m
}

func sameTree(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s: got %q, want %q", what, k, got[k], v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: extra %s", what, k)
		}
	}
}

var sample = map[string]string{
	"a.c": "int a;\n", "sub/b.h": "#define B\n", "run.sh": "#!/bin/sh\n", "link": "->a.c",
	"empty/": "", "out/obj.o": "ELF", ".git/objects/ab/cd": "blob",
}

func TestCopyTree(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "copy")
	makeTree(t, src, sample)
	before := time.Now()
	err := CopyTree(src, dst, CopyOptions{
		Skip:  func(rel string) bool { return rel == "out" },
		Link:  func(rel string) bool { return strings.HasPrefix(rel, ".git/objects/") },
		Touch: func(rel string) bool { return strings.HasSuffix(rel, ".c") },
	})
	must(t, err)
	want := describe(t, src)
	delete(want, "out")
	delete(want, "out/obj.o")
	got := describe(t, dst)
	fi, err := os.Stat(filepath.Join(dst, "a.c"))
	must(t, err)
	if fi.ModTime().Before(before) {
		t.Errorf("a.c: got mtime %v, want the copy's time (Touch)", fi.ModTime())
	}
	delete(want, "a.c")
	delete(got, "a.c")
	sameTree(t, "copy", got, want)
	a, _ := os.Stat(filepath.Join(src, ".git/objects/ab/cd"))
	b, _ := os.Stat(filepath.Join(dst, ".git/objects/ab/cd"))
	if !os.SameFile(a, b) {
		t.Errorf("the git object was copied, want a hard link")
	}
}

// TestSync: whatever a build does to a restored tree (rewrite, add,
// delete, chmod, touch, replace a file by a directory), Sync brings it
// back, and copies only what changed.
func TestSync(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "work")
	makeTree(t, src, sample)
	must(t, CopyTree(src, dst, CopyOptions{}))
	st, err := Snapshot(dst)
	must(t, err)
	want := describe(t, src)
	unchanged, err := os.Stat(filepath.Join(dst, "sub/b.h"))
	must(t, err)

	must(t, os.WriteFile(filepath.Join(dst, "a.c"), []byte("int a = 1;\n"), 0o644)) // same size would do too
	must(t, os.WriteFile(filepath.Join(dst, "new.o"), []byte("x"), 0o644))
	must(t, os.MkdirAll(filepath.Join(dst, "newdir/deep"), 0o755))
	must(t, os.Remove(filepath.Join(dst, "out/obj.o")))
	must(t, os.Chmod(filepath.Join(dst, "run.sh"), 0o600))
	now := time.Now()
	must(t, os.Chtimes(filepath.Join(dst, ".git/objects/ab/cd"), now, now))
	must(t, os.Remove(filepath.Join(dst, "link")))
	must(t, os.Mkdir(filepath.Join(dst, "link"), 0o755))

	n, err := Sync(src, dst, st)
	must(t, err)
	sameTree(t, "after sync", describe(t, dst), want)
	if n != 5 {
		t.Errorf("restored %d entries, want 5 (a.c, out/obj.o, run.sh, the object, link)", n)
	}
	after, err := os.Stat(filepath.Join(dst, "sub/b.h"))
	must(t, err)
	if after.Sys().(*syscall.Stat_t).Ino != unchanged.Sys().(*syscall.Stat_t).Ino {
		t.Errorf("sub/b.h was copied again although nothing touched it")
	}
}

func TestTreeDigest(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	makeTree(t, a, sample)
	makeTree(t, b, sample)
	hc := OpenHashCache(filepath.Join(t.TempDir(), "hashes.json"))
	da, err := TreeDigest(a, nil, hc)
	must(t, err)
	now := time.Now()
	must(t, os.Chtimes(filepath.Join(b, "a.c"), now, now))
	db, err := TreeDigest(b, nil, nil)
	must(t, err)
	if da != db {
		t.Errorf("same content, other times: digests differ")
	}
	for _, change := range []func(){
		func() { must(t, os.WriteFile(filepath.Join(b, "a.c"), []byte("int b;\n"), 0o644)) },
		func() { must(t, os.Chmod(filepath.Join(b, "sub/b.h"), 0o755)) },
		func() {
			must(t, os.Remove(filepath.Join(b, "link")))
			must(t, os.Symlink("run.sh", filepath.Join(b, "link")))
		},
		func() { must(t, os.Mkdir(filepath.Join(b, "newdir"), 0o755)) },
	} {
		change()
		d, err := TreeDigest(b, nil, hc)
		must(t, err)
		if d == db {
			t.Errorf("change %d: digest did not change", len(d))
		}
		db = d
	}
	skipped, err := TreeDigest(a, func(rel string) bool { return rel == "out" }, hc)
	must(t, err)
	if skipped == da {
		t.Errorf("skipping out/ did not change the digest")
	}
	must(t, hc.Save(nil))
	if hc2 := OpenHashCache(hc.path); len(hc2.entries) == 0 {
		t.Errorf("the hash cache was not saved")
	}
}

func TestKeyDiffers(t *testing.T) {
	base := Key{Tree: "t", Build: []string{"system="}, Tools: map[string]string{"gcc": "12"}, Env: []string{"A=1", "PATH=/bin"}}
	tests := []struct {
		name string
		edit func(k *Key)
		want string
	}{
		{"same", func(k *Key) {}, ""},
		{"tree", func(k *Key) { k.Tree = "u" }, "the source tree changed"},
		{"build", func(k *Key) { k.Build = []string{"system=cmake"} }, "the build settings changed"},
		{"tool", func(k *Key) { k.Tools = map[string]string{"gcc": "13"} }, "gcc changed"},
		{"env", func(k *Key) { k.Env = []string{"A=2", "PATH=/bin"} }, "the environment changed (A)"},
	}
	for _, tt := range tests {
		k := base
		k.Tools = map[string]string{"gcc": "12"}
		tt.edit(&k)
		if got := k.Differs(base); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
		if (k.Sum() == base.Sum()) != (tt.want == "") {
			t.Errorf("%s: Sum equal = %v, want %v", tt.name, k.Sum() == base.Sum(), tt.want == "")
		}
	}
}

// TestCacheRoundTrip: Store, let a "patched build" change the work tree,
// Restore brings it and the installed tree back; Lookup says why it
// misses.
func TestCacheRoundTrip(t *testing.T) {
	root := t.TempDir()
	c := &Cache{Dir: filepath.Join(root, "cache"), Work: filepath.Join(root, "work")}
	key := Key{Tree: "t1", Tools: map[string]string{}}
	if hit, why := c.Lookup(key); hit || why != "no earlier original build" {
		t.Errorf("empty cache: got %v %q", hit, why)
	}
	makeTree(t, c.Work, sample)
	install := filepath.Join(root, "lpmake")
	makeTree(t, install, map[string]string{"bin/prog": "ELF"})
	want := describe(t, c.Work)
	must(t, c.Store(key, install, map[string]string{"bin/prog": "abc"}))
	if hit, why := c.Lookup(key); !hit {
		t.Errorf("after Store: miss (%s)", why)
	}
	if hit, why := c.Lookup(Key{Tree: "t2", Tools: map[string]string{}}); hit || why != "the source tree changed" {
		t.Errorf("other tree: got %v %q", hit, why)
	}

	must(t, os.WriteFile(filepath.Join(c.Work, "a.c"), []byte("patched"), 0o644))
	must(t, os.WriteFile(filepath.Join(c.Work, ".kpatch_a.o.patched.s"), []byte("asm"), 0o644))
	must(t, os.RemoveAll(install))
	meta, n, err := c.Restore(install)
	must(t, err)
	if meta["bin/prog"] != "abc" || n != 1 {
		t.Errorf("got meta %v, %d restored; want the stored meta, 1", meta, n)
	}
	sameTree(t, "restored work", describe(t, c.Work), want)
	if got := describe(t, install)["bin/prog"]; !strings.Contains(got, `"ELF"`) {
		t.Errorf("restored install: got %q", got)
	}

	must(t, os.RemoveAll(c.Work)) // gone entirely: copied back whole
	_, n, err = c.Restore(filepath.Join(root, "lpmake2"))
	must(t, err)
	if n != -1 {
		t.Errorf("got %d restored, want -1 (all)", n)
	}
	sameTree(t, "work restored whole", describe(t, c.Work), want)
}
