package patchmake

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/golibcare/golibcare/internal/bidcheck"
	"github.com/golibcare/golibcare/internal/elfutil"
)

// prepareDeb resolves --deb: a .dsc is unpacked (dpkg-source -x, which
// applies the package's quilt series) under the output directory, and the
// tree becomes that directory; the patches stay relative to where the
// command was started.
func (r *run) prepareDeb(ctx context.Context, cwd string) error {
	for i, p := range r.o.Patches {
		if !filepath.IsAbs(p) {
			abs := filepath.Join(cwd, p)
			if opts, ok := r.o.PatchOpts[p]; ok {
				r.o.PatchOpts[abs] = opts
			}
			r.o.Patches[i] = abs
		}
	}
	src := r.o.DebSource
	if !strings.HasSuffix(src, ".dsc") {
		return nil
	}
	dsc, err := filepath.Abs(src)
	if err != nil {
		return err
	}
	dir := filepath.Join(r.tmpDir, "deb-source")
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(r.tmpDir, 0o755); err != nil {
		return err
	}
	r.banner("UNPACKING " + dsc + " INTO " + dir)
	if err := r.tool1(ctx, "dpkg-source", "-x", "--no-check", dsc, dir); err != nil {
		return err
	}
	r.dir = dir
	return nil
}

// debTargets unpacks each --deb-binary package (dpkg-deb -x) under the
// output directory and makes every ELF object in it a target, named by
// its installed path.
func (r *run) debTargets(ctx context.Context) error {
	for i, deb := range r.o.DebBinaries {
		dir := filepath.Join(r.tmpDir, "deb-binary", fmt.Sprint(i))
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := r.tool1(ctx, "dpkg-deb", "-x", deb, dir); err != nil {
			return err
		}
		n := 0
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			id, err := elfutil.BuildID(p)
			if err != nil {
				return nil // not an object with a Build-ID
			}
			rel, _ := filepath.Rel(dir, p)
			r.targets = append(r.targets, bidcheck.Target{Path: "/" + filepath.ToSlash(rel), BuildID: id,
				From: "--deb-binary " + filepath.Base(deb), File: p})
			n++
			return nil
		})
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("--deb-binary %s: no ELF object with a Build-ID in the package", deb)
		}
	}
	return nil
}

// debRequirements fails early, with the package to install, when the
// tools of a --deb run are missing.
func debRequirements() error {
	for _, t := range []struct{ cmd, pkg string }{{"dpkg-buildpackage", "dpkg-dev"}, {"dpkg-source", "dpkg-dev"},
		{"dh_auto_build", "debhelper"}, {"unshare", "util-linux"}} {
		if _, err := exec.LookPath(t.cmd); err != nil {
			return fmt.Errorf("--deb needs %s (apt-get install %s): %w", t.cmd, t.pkg, err)
		}
	}
	return nil
}
