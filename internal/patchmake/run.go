package patchmake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
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
	Clean      bool     // -c: make clean and remove the lpmake dirs first
	SrcDir     string   // -s: where the patches apply (default: the build dir)
	DestDirVar string   // -d: make variable of the install root (DESTDIR)
	ID         string   // -i: patch id (DefaultID)
	BuildID    string   // -b: overrides the Build-ID and the output name
	Jobs       int      // -j
	Verbose    bool     // -v: show every command
	ToolDir    string   // KPATCH_PATH: where libcare-cc and kpatch_* live
	Dir        string   // where make runs and lpmake/ goes (default ".")
	Env        []string // environment (default os.Environ())
	Stdout     io.Writer
	Stderr     io.Writer

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
	dir                            string // absolute o.Dir
	buildDir                       string // where make runs (the git export in git mode)
	tmpDir                         string // .lpmaketmp
	origDir, patchedDir, patchRoot string
	src                            *Sources
	mk                             *maker
}

// Run builds the original and patched code, and makes a patch for every
// binary that changed. Sources are restored before it returns, whatever
// happens; cancelling ctx (with a *SignalError cause from the signal
// handler) stops make and returns that cause.
func Run(ctx context.Context, o Options) (outs []Output, err error) {
	r, err := newRun(o)
	if err != nil {
		return nil, err
	}
	if _, err := RecoverSources(r.src.backupDir, r.o.Stdout); err != nil {
		return nil, err
	}
	defer func() {
		if rerr := r.src.Restore(); rerr != nil && err == nil {
			err = fmt.Errorf("restore sources: %w", rerr)
		}
	}()
	patches, err := r.prepare(ctx)
	if err != nil {
		return nil, err
	}
	if !o.Update {
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
	r := &run{o: o, dir: dir, buildDir: dir, tmpDir: filepath.Join(dir, ".lpmaketmp")}
	r.origDir = r.envDir("LPMAKE_ORIGINAL_DIR", filepath.Join(dir, "lpmake"))
	r.patchedDir = r.envDir("LPMAKE_PATCHED_DIR", filepath.Join(r.tmpDir, "patched"))
	r.patchRoot = r.envDir("LPMAKE_PATCHROOT", filepath.Join(dir, "patchroot"))
	r.src = NewSources(filepath.Join(r.tmpDir, "backup"))
	return r, nil
}

// checkTools is the upstream "kpatch tools are missing" check, extended to
// every tool the run needs.
func checkTools(dir string) error {
	for _, name := range []string{"kpatch_gensrc", "libcare-cc", "kpatch_strip", "kpatch_make"} {
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
// diff fails in a second; in git mode it also exports the original tree.
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
	files, err := CheckSeries(r.srcDir(), ps) // a dry run: fail before any build
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
	if p := filepath.Join(r.dir, name); isFile(p) || r.o.SrcDir == "" {
		return p
	}
	return filepath.Join(r.srcDir(), name)
}

func (r *run) srcDir() string {
	if r.o.SrcDir == "" {
		return r.buildDir
	}
	if filepath.IsAbs(r.o.SrcDir) {
		return r.o.SrcDir
	}
	return filepath.Join(r.buildDir, r.o.SrcDir)
}
