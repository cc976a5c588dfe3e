package patchmake

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/golibcare/golibcare/internal/buildcache"
	"github.com/golibcare/golibcare/internal/buildsys"
	"github.com/golibcare/golibcare/internal/elfutil"
)

// build is facts §6 step 3 on a copy of the tree: the original build and
// install (or the cached one), a dry run of the patches, their
// application to the copy, the patched build and install.
func (r *run) build(ctx context.Context, patches []namedPatch) error {
	for _, d := range []string{r.origDir, r.patchedDir} {
		if err := r.mayEmpty(d); err != nil { // before building, not after
			return err
		}
	}
	if err := r.setup(); err != nil {
		return err
	}
	key, err := r.cacheKey(ctx)
	if err != nil {
		return fmt.Errorf("cache key: %w", err)
	}
	hit, why := false, "--no-cache"
	switch {
	case r.o.Clean:
		why = "--clean"
	case !r.o.NoCache:
		hit, why = r.cache.Lookup(key)
	}
	if hit {
		hit, err = r.reuseOriginal(patches)
		if err != nil {
			return err
		}
	} else if why != "no earlier original build" {
		r.banner("not reusing the original build in " + r.cache.Dir + ": " + why)
	}
	if !hit {
		if err := r.buildOriginal(ctx, patches, key); err != nil {
			return err
		}
	}
	if err := r.applyAll(patches); err != nil {
		return err
	}
	return r.stage(ctx, StagePatched, "BUILDING PATCHED CODE", "INSTALLING PATCHED OBJECTS INTO ", r.patchedDir)
}

// setup chooses the build system and prepares the compiler links and the
// environment every build command gets.
func (r *run) setup() error {
	if err := os.MkdirAll(r.tmpDir, 0o755); err != nil {
		return err
	}
	// Keep the scratch directory out of `git status` when the output
	// goes into a checkout (the default, as upstream).
	if err := os.WriteFile(filepath.Join(r.tmpDir, ".gitignore"), []byte("*\n"), 0o644); err != nil {
		return err
	}
	binDir := filepath.Join(r.tmpDir, "bin")
	cc := r.tool("libcare-cc")
	if err := compilerDir(binDir, cc); err != nil {
		return err
	}
	cxx := filepath.Join(binDir, "g++") // libcare-cc picks the C++ driver from argv[0]
	if fi, err := os.Stat(r.tool("libcare-cc++")); err == nil && fi.Mode()&0o111 != 0 {
		cxx = r.tool("libcare-cc++")
	}
	if orig := r.origTree(); orig != "" && orig != r.work.Src {
		r.treeMap = r.work.Src + "=" + orig
	}
	r.runner = &buildsys.Runner{
		Env:      buildEnv(r.o.Env, binDir, r.o.ToolDir, cc, cxx),
		StageEnv: r.stageEnv,
		Jobs:     r.o.Jobs, Verbose: r.o.Verbose, Stdout: r.o.Stdout, Stderr: r.o.Stderr,
	}
	return r.chooseSystem(cc, cxx)
}

// origTree is where the user's own build of the tree ran, the path the
// copy's file names are mapped back to: the tree itself, or in git mode
// the repository's work tree.
func (r *run) origTree() string {
	if r.git != nil {
		return r.git.WorkTree
	}
	return r.dir
}

// chooseSystem detects (or takes from --build-system) the build system
// and says which one the run uses.
func (r *run) chooseSystem(cc, cxx string) error {
	name, why := r.o.BuildSystem, "--build-system"
	if name == "" {
		var err error
		name, why, err = buildsys.Detect(r.treeFS(), buildsys.DetectOptions{
			Deb: r.o.Deb, Command: r.o.BuildCmd != "" || r.o.InstallCmd != "", Configured: r.o.Configured})
		if err != nil {
			return err
		}
	}
	if !ownBuildDir(name) {
		r.work.Build = r.work.Src // make, configure and commands build in the tree
	}
	sys, err := buildsys.New(name, buildsys.Config{
		Tree: r.work, Makefile: "", DestDirVar: r.o.destDirVar(),
		ConfigureArgs: r.o.ConfigureArgs, Configured: r.o.Configured,
		BuildCmd: r.o.BuildCmd, InstallCmd: r.o.InstallCmd, CC: cc, CXX: cxx,
	})
	if err != nil {
		return err
	}
	r.sys, r.sysName = sys, name
	r.banner(fmt.Sprintf("build system: %s (%s)", name, why))
	return nil
}

// ownBuildDir reports whether the system called name builds in a
// directory of its own (under the output directory too).
func ownBuildDir(name string) bool { return name == "cmake" || name == "meson" }

// treeFS is the tree the build system is detected in.
func (r *run) treeFS() fs.FS {
	if r.git != nil {
		return r.git.FS()
	}
	return os.DirFS(r.dir)
}

// buildOriginal copies the tree, checks the patches against the copy,
// runs the original build and install, and keeps the result in the cache.
func (r *run) buildOriginal(ctx context.Context, patches []namedPatch, key buildcache.Key) error {
	if err := r.freshTree(); err != nil {
		return err
	}
	touched, err := r.dryRun(patches, r.work.Src)
	if err != nil {
		return err
	}
	if err := r.speculation(touched); err != nil {
		return err
	}
	defer r.endSpeculation()
	if err := os.RemoveAll(r.checkDir); err != nil {
		return err
	}
	if err := r.sys.Configure(ctx, r.runner); err != nil {
		return err
	}
	if err := r.stage(ctx, StageOriginal, "BUILDING ORIGINAL CODE", "INSTALLING ORIGINAL OBJECTS INTO ", r.origDir); err != nil {
		return err
	}
	r.endSpeculation()
	ids, err := buildIDs(r.origDir)
	if err != nil {
		return err
	}
	if err := r.cache.Store(key, r.origDir, ids); err != nil {
		return err
	}
	r.verbosef("kept the original build in %s\n", r.cache.Dir)
	return nil
}

// freshTree fills the work tree with the sources: a copy of the user's
// tree, or the git range's first commit.
func (r *run) freshTree() error {
	if r.git == nil {
		return r.copyTree()
	}
	if err := os.RemoveAll(r.workDir); err != nil {
		return err
	}
	r.banner(fmt.Sprintf("EXPORTING %s INTO %s", short(r.git.From), r.work.Src))
	return r.git.Export(r.work.Src)
}

// reuseOriginal puts the cached original build back into the work tree
// and lpmake/; false (and a message) when the entry turns out damaged.
func (r *run) reuseOriginal(patches []namedPatch) (bool, error) {
	if _, err := r.dryRun(patches, filepath.Join(r.cache.Tree(), "src")); err != nil {
		return false, err
	}
	if err := os.RemoveAll(r.checkDir); err != nil {
		return false, err
	}
	r.banner("REUSING THE ORIGINAL BUILD FROM " + r.cache.Dir)
	if err := r.freshDir(r.origDir); err != nil {
		return false, err
	}
	ids, n, err := r.cache.Restore(r.origDir)
	if err == nil {
		err = checkIDs(r.origDir, ids)
	}
	if err != nil {
		fmt.Fprintf(r.o.Stderr, "warning: cannot reuse the original build (%v): building it again\n", err)
		return false, r.cache.Drop()
	}
	r.verbosef("restored %d files of the work tree\n", n)
	return true, nil
}

// stage builds and installs one stage into dest, made empty first: a run
// never picks up what an earlier one installed.
func (r *run) stage(ctx context.Context, stage, banner, installBanner, dest string) error {
	r.banner(banner)
	if err := r.sys.Build(ctx, r.runner, stage); err != nil {
		return err
	}
	if err := r.freshDir(dest); err != nil {
		return err
	}
	if stage == StageOriginal {
		r.banner(installBanner + dest)
	} else {
		r.verbosef("%s%s\n", installBanner, dest)
	}
	return r.sys.Install(ctx, r.runner, stage, dest)
}

// buildIDs maps every ELF file with a Build-ID under dir (slash path
// relative to dir) to its Build-ID.
func buildIDs(dir string) (map[string]string, error) {
	ids := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		if id, err := elfutil.BuildID(p); err == nil {
			rel, _ := filepath.Rel(dir, p)
			ids[filepath.ToSlash(rel)] = id
		}
		return nil
	})
	return ids, err
}

// checkIDs is the cheap check of a restored installed tree: every binary
// still has the Build-ID it had when it was built.
func checkIDs(dir string, want map[string]string) error {
	got, err := buildIDs(dir)
	if err != nil {
		return err
	}
	for rel, id := range want {
		if got[rel] != id {
			return fmt.Errorf("%s: Build-ID %q, want %q", rel, got[rel], id)
		}
	}
	if len(got) != len(want) {
		return fmt.Errorf("%d binaries, want %d", len(got), len(want))
	}
	return nil
}
