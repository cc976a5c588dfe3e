package patchmake

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// build is facts §6 step 3: original build and install, apply the patches,
// patched build and install, restore the sources.
func (r *run) build(ctx context.Context, patches []namedPatch) error {
	if err := r.setupMake(); err != nil {
		return err
	}
	if r.o.Clean {
		if err := r.clean(ctx); err != nil {
			return err
		}
	}
	for _, d := range []string{r.origDir, r.patchedDir, r.patchRoot} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if err := r.stage(ctx, StageOriginal, "BUILDING ORIGINAL CODE", r.origDir); err != nil {
		return err
	}
	if err := r.applyAll(ctx, patches); err != nil {
		return err
	}
	if err := r.stage(ctx, StagePatched, "BUILDING PATCHED CODE", r.patchedDir); err != nil {
		return err
	}
	return r.src.Restore()
}

// stage builds with make and installs into dest.
func (r *run) stage(ctx context.Context, stage, banner, dest string) error {
	r.banner(banner)
	if err := r.mk.run(ctx, stage, ""); err != nil {
		return err
	}
	if stage == StageOriginal {
		r.banner("INSTALLING ORIGINAL OBJECTS INTO " + dest)
	} else {
		r.verbosef("INSTALLING PATCHED OBJECTS INTO %s\n", dest)
	}
	return r.mk.run(ctx, stage, "install", r.o.destDirVar()+"="+dest)
}

func (r *run) clean(ctx context.Context) error {
	if err := r.mk.run(ctx, StageOriginal, "clean"); err != nil {
		if ctx.Err() != nil {
			return err
		}
		fmt.Fprintf(r.o.Stderr, "warning: %v\n", err) // like the script: a failed clean does not stop the build
	}
	for _, d := range []string{r.origDir, r.patchedDir} {
		if err := os.RemoveAll(d); err != nil {
			return err
		}
	}
	return nil
}

func (r *run) applyAll(ctx context.Context, patches []namedPatch) error {
	dir := r.srcDir()
	for _, p := range patches {
		if err := context.Cause(ctx); ctx.Err() != nil {
			return err
		}
		r.banner("applying " + p.name + "...")
		if err := p.patch.Apply(dir, r.src, r.o.Stdout); err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
	}
	return nil
}

// setupMake prepares the compiler links and make's environment.
func (r *run) setupMake() error {
	binDir := filepath.Join(r.tmpDir, "bin")
	cc := r.tool("libcare-cc")
	if err := compilerDir(binDir, cc); err != nil {
		return err
	}
	cxx := filepath.Join(binDir, "g++") // libcare-cc picks the C++ driver from argv[0]
	if fi, err := os.Stat(r.tool("libcare-cc++")); err == nil && fi.Mode()&0o111 != 0 {
		cxx = r.tool("libcare-cc++")
	}
	r.mk = &maker{
		dir:     r.buildDir,
		jobs:    r.o.Jobs,
		ccVars:  []string{"CC=" + cc, "CXX=" + cxx},
		env:     makeEnv(r.o.Env, binDir, r.o.ToolDir, cc, cxx),
		verbose: r.o.Verbose,
		stdout:  r.o.Stdout,
		stderr:  r.o.Stderr,
	}
	if isFile(filepath.Join(r.buildDir, "lpmakefile")) {
		r.mk.makefile = "lpmakefile"
	}
	return nil
}
