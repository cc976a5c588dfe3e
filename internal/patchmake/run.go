package patchmake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/golibcare/golibcare/internal/buildcache"
	"github.com/golibcare/golibcare/internal/buildsys"
)

// DefaultID is the patch id used when -i is not given (design §2).
const DefaultID = "0001"

// MaxIDLen is the longest patch id the header holds (facts §1.1).
const MaxIDLen = 7

// ErrInvalidID is the upstream "Invalid patch-id!" usage error.
var ErrInvalidID = errors.New("Invalid patch-id!")

// Options configures a run; the zero value of each field means the
// upstream default.
type Options struct {
	Patches    []string // unified diff files, applied in order
	GitRange   string   // "A..B", or "B" for B's parent..B; replaces Patches
	GitRepo    string   // repository of GitRange (default: Dir)
	Update     bool     // -u: skip both builds, only make patches again
	Clean      bool     // -c: build everything afresh (no cached original build)
	SrcDir     string   // -s: where the patches apply, inside the tree (default: its root)
	DestDirVar string   // -d: make variable of the install root (DESTDIR)
	ID         string   // -i: patch id (DefaultID)
	BuildID    string   // -b: overrides the Build-ID and the output name
	Jobs       int      // -j
	Verbose    bool     // -v: show every command
	ToolDir    string   // KPATCH_PATH: where libcare-cc and kpatch_* live
	Dir        string   // the project's tree, where its build starts (default ".")
	OutDir     string   // -o: lpmake/, patchroot/ and .lpmaketmp/ go here (default Dir)
	NoCache    bool     // --no-cache: do not reuse an earlier original build

	BuildSystem   string // --build-system: make, configure, cmake, meson, command, dpkg ("" detects)
	ConfigureArgs string // --configure: arguments of ./configure, cmake or meson setup
	Configured    bool   // --configure was given (even empty)
	BuildCmd      string // --build: the command system's build command
	InstallCmd    string // --install: its install command ($DESTDIR is the root)
	Deb           bool   // --deb: the tree is a Debian source package

	Env    []string // environment (default os.Environ())
	Stdout io.Writer
	Stderr io.Writer

	// PatchOpts holds, by Patches entry, its -pN and -R (from a quilt
	// series line or -p); entries without are read with DefaultPatchOpts.
	PatchOpts map[string]PatchOpts
}

func (o *Options) destDirVar() string {
	if o.DestDirVar == "" {
		return "DESTDIR"
	}
	return o.DestDirVar
}

// run is the state of one invocation.
type run struct {
	o                              Options
	dir                            string // absolute o.Dir: the user's tree
	out                            string // the output directory
	tmpDir                         string // <out>/.lpmaketmp
	origDir, patchedDir, patchRoot string
	srcRel                         string // o.SrcDir relative to the tree's root
	work                           buildsys.Tree
	workDir                        string
	cache                          *buildcache.Cache
	git                            *GitRange
	runner                         *buildsys.Runner
	sys                            buildsys.System
	sysName                        string
	treeMap                        string // KPCC_TREE_MAP: the copy and the user's tree it stands for
	checkDir                       string // the dry run's tree
	specDir                        string // the speculation mirror during the original stage
}

// Run builds the original and patched code, and makes a patch for every
// binary that changed. The user's tree is only read: both builds happen in
// a copy under the output directory. Cancelling ctx (with a *SignalError
// cause from the signal handler) stops the build and returns that cause.
func Run(ctx context.Context, o Options) (outs []Output, err error) {
	r, err := newRun(o)
	if err != nil {
		return nil, err
	}
	// Earlier versions patched the tree in place: finish what a killed
	// one of them left behind before reading the tree.
	if _, err := RecoverSources(filepath.Join(r.dir, ".lpmaketmp", "backup"), r.o.Stdout); err != nil {
		return nil, err
	}
	patches, err := r.prepare(ctx)
	if err != nil {
		return nil, err
	}
	if !o.Update {
		defer os.RemoveAll(r.checkDir)
		if err := r.build(ctx, patches); err != nil {
			return nil, err
		}
	}
	return r.makePatches(ctx)
}

func newRun(o Options) (*run, error) {
	if o.ID == "" {
		o.ID = DefaultID
	}
	if len(o.ID) > MaxIDLen {
		return nil, ErrInvalidID
	}
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	if o.Env == nil {
		o.Env = os.Environ()
	}
	if err := checkTools(o.ToolDir); err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, err
	}
	out := dir
	if o.OutDir != "" {
		if out, err = filepath.Abs(o.OutDir); err != nil {
			return nil, err
		}
	}
	r := &run{o: o, dir: dir, out: out, tmpDir: filepath.Join(out, ".lpmaketmp")}
	r.origDir = r.envDir("LPMAKE_ORIGINAL_DIR", filepath.Join(out, "lpmake"))
	r.patchedDir = r.envDir("LPMAKE_PATCHED_DIR", filepath.Join(r.tmpDir, "patched"))
	r.patchRoot = r.envDir("LPMAKE_PATCHROOT", filepath.Join(out, "patchroot"))
	r.workDir = filepath.Join(r.tmpDir, "work")
	r.work = buildsys.Tree{Src: filepath.Join(r.workDir, "src"), Build: filepath.Join(r.workDir, "build")}
	r.checkDir = filepath.Join(r.tmpDir, "check")
	r.cache = &buildcache.Cache{Dir: filepath.Join(r.tmpDir, "cache"), Work: r.workDir, Link: isGitObject}
	if err := r.resolveSrcDir(); err != nil {
		return nil, err
	}
	return r, nil
}

// resolveSrcDir makes -s relative to the tree: the copy has the same
// layout, so the patches apply at the same place inside it.
func (r *run) resolveSrcDir() error {
	if r.o.SrcDir == "" {
		return nil
	}
	src := r.o.SrcDir
	if !filepath.IsAbs(src) {
		src = filepath.Join(r.dir, src)
	}
	rel, err := filepath.Rel(r.dir, src)
	if err != nil || !filepath.IsLocal(rel) && rel != "." {
		return fmt.Errorf("--srcdir %s is outside the tree %s: the build runs in a copy of the tree, so the sources must be inside it", r.o.SrcDir, r.dir)
	}
	if rel != "." {
		r.srcRel = rel
	}
	return nil
}

// checkTools is the upstream "kpatch tools are missing" check, extended to
// every tool the build runs (kpatch_strip's and kpatch_make's passes run in
// this process).
func checkTools(dir string) error {
	for _, name := range []string{"kpatch_gensrc", "libcare-cc"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.Mode()&0o111 == 0 {
			return fmt.Errorf("kpatch tools are missing: no executable %s in %s", name, dir)
		}
	}
	return nil
}

func (r *run) envDir(key, def string) string {
	if v := lookupEnv(r.o.Env, key); v != "" {
		if abs, err := filepath.Abs(v); err == nil {
			return abs
		}
		return v
	}
	return def
}

func (r *run) tool(name string) string { return filepath.Join(r.o.ToolDir, name) }

func (r *run) banner(s string) { fmt.Fprintln(r.o.Stdout, s) }

func (r *run) verbosef(format string, args ...any) {
	if r.o.Verbose {
		fmt.Fprintf(r.o.Stdout, format, args...)
	}
}

// namedPatch is a parsed diff and the name it is announced with.
type namedPatch struct {
	name  string
	patch *Patch
}

// prepare reads and parses every patch before anything is built, so a bad
// diff fails in a second; in git mode it resolves the range instead.
func (r *run) prepare(ctx context.Context) ([]namedPatch, error) {
	if r.o.GitRange != "" {
		return r.prepareGit(ctx)
	}
	var out []namedPatch
	var ps []*Patch
	for _, name := range r.o.Patches {
		opts, ok := r.o.PatchOpts[name]
		if !ok {
			opts = DefaultPatchOpts
		}
		p, err := ReadPatchFile(r.patchPath(name), opts)
		if err != nil {
			return nil, err
		}
		p.Name = name
		out, ps = append(out, namedPatch{name: name, patch: p}), append(ps, p)
	}
	files, err := CheckSeries(filepath.Join(r.dir, r.srcRel), ps) // a dry run: fail before any build
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(r.o.Stdout, "patch touches: %s\n", strings.Join(files, " "))
	return out, nil
}

// patchPath finds a patch relative to the working directory, else to the
// source dir (where the upstream script's `patch < $patch` looked).
func (r *run) patchPath(name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	if p := filepath.Join(r.dir, name); isFile(p) || r.srcRel == "" {
		return p
	}
	return filepath.Join(r.dir, r.srcRel, name)
}

// isGitObject says which files of a tree copy may be hard links: git
// never rewrites an object or pack in place.
func isGitObject(rel string) bool {
	return strings.Contains("/"+rel, "/.git/objects/")
}
