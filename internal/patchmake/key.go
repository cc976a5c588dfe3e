package patchmake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/golibcare/golibcare/internal/buildcache"
)

// cacheKey is everything that determines the original build: the tree's
// content, the build settings, the tools' identities and the environment
// the build sees.
func (r *run) cacheKey(ctx context.Context) (buildcache.Key, error) {
	hc := buildcache.OpenHashCache(filepath.Join(r.tmpDir, "hashes.json"))
	tree, err := r.treeDigest(hc)
	if err != nil {
		return buildcache.Key{}, err
	}
	tools, err := r.toolIDs(ctx, hc)
	if err != nil {
		return buildcache.Key{}, err
	}
	if err := hc.Save(func(abs string) bool { return hasPrefixDir(abs, r.dir) || hasPrefixDir(abs, r.o.ToolDir) }); err != nil {
		return buildcache.Key{}, err
	}
	return buildcache.Key{Tree: tree, Build: r.buildSettings(), Tools: tools, Env: keyEnv(r.runner.Env)}, nil
}

// treeDigest is the digest of the sources: the content of the user's tree
// (unchanged files are not read again, see HashCache) and the commit git
// would describe; in git mode, the commit's tree.
func (r *run) treeDigest(hc *buildcache.HashCache) (string, error) {
	if r.git != nil {
		return "git " + r.git.From.TreeHash.String(), nil
	}
	sum, err := buildcache.TreeDigest(r.dir, func(rel string) bool {
		return rel == ".git" || r.skipInTree(rel) || isTopPatch(rel)
	}, hc)
	if err != nil {
		return "", err
	}
	return sum + " " + gitHead(r.dir), nil
}

// isTopPatch says which files the digest leaves out although they are
// copied: diffs at the top of the tree, where the user guide writes them
// (diff -up foo.c bar.c > foo.patch); each new patch would otherwise look
// like a new tree. Builds that apply patches of their own keep them in a
// directory (patches/, debian/patches/), which counts.
func isTopPatch(rel string) bool {
	return !strings.Contains(rel, "/") && (strings.HasSuffix(rel, ".patch") || strings.HasSuffix(rel, ".diff"))
}

// gitHead is the commit .git/HEAD names (builds run git describe), or ""
// outside a git checkout.
func gitHead(dir string) string {
	gitDir := filepath.Join(dir, ".git")
	if b, err := os.ReadFile(gitDir); err == nil { // a worktree's .git file
		if d, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "gitdir: "); ok {
			gitDir = d
		}
	}
	head, err := os.ReadFile(filepath.Join(gitDir, "HEAD"))
	if err != nil {
		return ""
	}
	ref, ok := strings.CutPrefix(strings.TrimSpace(string(head)), "ref: ")
	if !ok {
		return string(head)
	}
	if b, err := os.ReadFile(filepath.Join(gitDir, filepath.FromSlash(ref))); err == nil {
		return ref + " " + strings.TrimSpace(string(b))
	}
	packed, _ := os.ReadFile(filepath.Join(gitDir, "packed-refs"))
	for _, l := range strings.Split(string(packed), "\n") {
		if id, name, ok := strings.Cut(l, " "); ok && name == ref {
			return ref + " " + id
		}
	}
	return ref
}

// buildSettings are the options that choose and configure the build. -j
// is not one of them: it changes how fast, not what.
func (r *run) buildSettings() []string {
	o := r.o
	s := []string{"system=" + o.BuildSystem, "destdir=" + o.destDirVar(), "srcdir=" + r.srcRel,
		"build=" + o.BuildCmd, "install=" + o.InstallCmd, fmt.Sprintf("deb=%v", o.Deb)}
	if o.Configured {
		s = append(s, "configure="+o.ConfigureArgs)
	}
	return append(s, "treemap="+r.treeMap)
}

// toolIDs identifies what turns the sources into binaries: the real
// compilers (gcc -v names the version and configuration), the assembler
// and linker, the build tools, and libcare-cc itself (its content).
// Asking a tool costs a process, so an answer is remembered with the stat
// of the tool's files (for gcc: the driver and cc1) and asked again only
// when one of them changed.
func (r *run) toolIDs(ctx context.Context, hc *buildcache.HashCache) (map[string]string, error) {
	env := r.runner.Env
	cmds := map[string][]string{
		"gcc": {lookupEnv(env, "KPCCREAL"), "-v"}, "g++": {lookupEnv(env, "KPCXXREAL"), "-v"},
		"as": {"as", "--version"}, "ld": {"ld", "--version"},
	}
	for _, t := range r.buildTools() {
		cmds[t] = []string{t, "--version"}
	}
	memo := loadToolMemo(filepath.Join(r.tmpDir, "tools.json"))
	ids := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, argv := range cmds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := memo.version(ctx, env, name, argv)
			mu.Lock()
			ids[name] = v
			mu.Unlock()
		}()
	}
	wg.Wait()
	if err := memo.save(); err != nil {
		return nil, err
	}
	cc := r.tool("libcare-cc")
	fi, err := os.Stat(cc)
	if err != nil {
		return nil, err
	}
	sum, err := hc.Sum(cc, fi)
	if err != nil {
		return nil, err
	}
	ids["libcare-cc"] = sum
	return ids, nil
}

// toolMemo remembers what each tool said about itself, with the stat of
// the files that make the tool.
type toolMemo struct {
	mu      sync.Mutex
	path    string
	Entries map[string]toolAnswer `json:"tools"`
	dirty   bool
}

type toolAnswer struct {
	Files   map[string]string `json:"files"` // path → stat fingerprint
	Version string            `json:"version"`
}

func loadToolMemo(path string) *toolMemo {
	m := &toolMemo{path: path, Entries: map[string]toolAnswer{}}
	if b, err := os.ReadFile(path); err == nil {
		json.Unmarshal(b, m)
	}
	if m.Entries == nil {
		m.Entries = map[string]toolAnswer{}
	}
	return m
}

func (m *toolMemo) version(ctx context.Context, env []string, name string, argv []string) string {
	exe := argv[0]
	if !filepath.IsAbs(exe) {
		exe = lookPathIn(exe, lookupEnv(env, "PATH"))
	}
	m.mu.Lock()
	old, ok := m.Entries[name]
	m.mu.Unlock()
	if ok && fingerprintsHold(old.Files) && old.Files[exe] != "" {
		return old.Version
	}
	v := toolVersion(ctx, env, argv)
	files := map[string]string{exe: fingerprint(exe)}
	if name == "gcc" || name == "g++" {
		// The driver runs cc1 or cc1plus, which another package may update.
		prog := map[string]string{"gcc": "cc1", "g++": "cc1plus"}[name]
		if p := toolVersion(ctx, env, []string{exe, "-print-prog-name=" + prog}); filepath.IsAbs(p) {
			files[p] = fingerprint(p)
		}
	}
	m.mu.Lock()
	m.Entries[name] = toolAnswer{Files: files, Version: v}
	m.dirty = true
	m.mu.Unlock()
	return v
}

func (m *toolMemo) save() error {
	if !m.dirty {
		return nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return os.WriteFile(m.path, b, 0o644)
}

// fingerprint is a file's identity for the memo: its resolved path, size,
// modification and change times and inode; "" when it does not exist.
func fingerprint(path string) string {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return ""
	}
	fi, err := os.Stat(real)
	if err != nil {
		return ""
	}
	var ino, ctime int64
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		ino, ctime = int64(st.Ino), st.Ctim.Nano()
	}
	return fmt.Sprintf("%s %d %d %d %d", real, fi.Size(), fi.ModTime().UnixNano(), ctime, ino)
}

func fingerprintsHold(files map[string]string) bool {
	for p, fp := range files {
		if fp == "" || fingerprint(p) != fp {
			return false
		}
	}
	return len(files) > 0
}

// buildTools are the programs the build system runs itself.
func (r *run) buildTools() []string {
	switch r.sysName {
	case "cmake":
		return []string{"cmake", "make"}
	case "meson":
		return []string{"meson", "ninja"}
	case "make", "configure":
		return []string{"make"}
	}
	return nil
}

// toolVersion is what argv prints about itself; a tool that is missing
// or fails is identified by that (the build will say more).
func toolVersion(ctx context.Context, env, argv []string) string {
	if argv[0] == "" {
		return "none"
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "error: " + err.Error()
	}
	return strings.TrimSpace(out.String())
}
