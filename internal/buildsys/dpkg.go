package buildsys

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/golibcare/golibcare/internal/placement"
)

// ReproduciblePath is where Debian's builders build a source package
// (<ReproduciblePath>/<source>-<upstream version>); packages embed it.
const ReproduciblePath = "/build/reproducible-path"

// dpkgSys builds a Debian source package with its own rules, at the path
// Debian's builders use, in a private mount namespace (internal/placement).
// The original stage is dpkg-buildpackage -b, as the archive's build;
// the patched stage reruns only the package's build step (dh_auto_build
// or its override), so make compiles only what the diff changed.
type dpkgSys struct {
	c     Config
	cl    *Changelog
	place placement.Place
	// failed is the patched build's error when make -k went on past it.
	failed error
}

func newDpkg(c Config) (System, error) {
	if c.Scratch == "" {
		return nil, errors.New("the dpkg build system needs a scratch directory")
	}
	return &dpkgSys{c: c}, nil
}

// load reads debian/changelog, which names the build path, and writes
// the helper makefile; the tree is filled after the system is made.
func (s *dpkgSys) load() error {
	if s.cl != nil {
		return nil
	}
	f, err := os.Open(filepath.Join(s.c.Src, "debian", "changelog"))
	if err != nil {
		return fmt.Errorf("--deb: %w", err)
	}
	defer f.Close()
	cl, err := ParseChangelog(f)
	if err != nil {
		return fmt.Errorf("--deb: %w", err)
	}
	p := placement.Place{Dir: s.c.Src, At: ReproduciblePath + "/" + cl.Source + "-" + cl.Upstream(), Scratch: s.c.Scratch}
	if err := p.Check(); err != nil {
		return err
	}
	s.cl, s.place = cl, p
	return s.prepare()
}

func (s *dpkgSys) Name() string { return "dpkg" }

func (s *dpkgSys) Configure(context.Context, *Runner) error { return nil }

func (s *dpkgSys) Build(ctx context.Context, r *Runner, stage string) error {
	if err := s.load(); err != nil {
		return err
	}
	if stage == StageOriginal {
		return s.run(ctx, r, stage, "build", []string{"dpkg-buildpackage", "-b", "-uc", "-us"})
	}
	// make -k: a package often builds objects it does not ship (a test
	// binary with coverage counters, which a patch could not change);
	// their refusal must not stop the shipped ones. A shipped binary whose
	// object was refused is not relinked and so gets no patch.
	s.failed = s.run(ctx, r, stage, "build", s.rules("lcpm-build"), "MAKEFLAGS=k")
	var be *Error
	if errors.As(s.failed, &be) {
		fmt.Fprintf(orDiscard(r.Stderr), "warning: %v; went on with make -k: binaries that were not relinked get no patch\n", be)
		return nil
	}
	return s.failed
}

func (s *dpkgSys) Install(ctx context.Context, r *Runner, stage, dest string) error {
	if err := s.load(); err != nil {
		return err
	}
	if stage == StageOriginal {
		return s.collect(dest)
	}
	if s.failed != nil {
		return s.collectBuilt(dest) // make install would stop at the same error
	}
	return s.run(ctx, r, stage, "install", append(s.rules("lcpm-install"), "LCPM_DEST="+dest))
}

// run runs argv in the tree at the build path, with the package's
// SOURCE_DATE_EPOCH and DEB_BUILD_OPTIONS that keep the symbols (the patch
// is made against them; the Build-ID does not change when a file is
// stripped) and skip the package's tests.
func (s *dpkgSys) run(ctx context.Context, r *Runner, stage, what string, argv []string, extra ...string) error {
	env := append([]string{fmt.Sprintf("SOURCE_DATE_EPOCH=%d", s.cl.Date.Unix()), "DEB_BUILD_OPTIONS=" + s.buildOptions(r)}, extra...)
	return r.Run(ctx, Step{Stage: stage, What: what, For: stage, Dir: s.c.Src, Argv: s.place.Wrap(argv), Env: env})
}

func (s *dpkgSys) buildOptions(r *Runner) string {
	opts := strings.Fields(lookup(r.Env, "DEB_BUILD_OPTIONS"))
	opts = append(opts, "nostrip", "nocheck")
	if r.Jobs > 0 {
		opts = append(opts, fmt.Sprintf("parallel=%d", r.Jobs))
	}
	return strings.Join(opts, " ")
}

// lcpmMakefile is read after debian/rules, so its targets run with the
// variables the rules export (DEB_BUILD_MAINT_OPTIONS, flags).
const lcpmMakefile = `# written by libcare-patch-make
lcpm-build:
	if grep -q '^override_dh_auto_build' debian/rules; then $(MAKE) -f debian/rules override_dh_auto_build; else dh_auto_build; fi
lcpm-install:
	dh_auto_install --destdir=$(LCPM_DEST)
`

// rules runs a target of lcpmMakefile with the package's rules loaded.
func (s *dpkgSys) rules(target string) []string {
	return []string{"make", "-f", "debian/rules", "-f", filepath.Join(s.c.Scratch, "lcpm.mk"), target}
}

// prepare writes the helper makefile into the scratch directory.
func (s *dpkgSys) prepare() error {
	if err := os.MkdirAll(s.c.Scratch, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(s.c.Scratch, "lcpm.mk"), []byte(lcpmMakefile), 0o644)
}

// collectBuilt installs the patched build without make install: every
// shipped object (debian/<package>/REL) is taken from the build tree, where
// one file of the same name outside debian/ holds its patched build.
func (s *dpkgSys) collectBuilt(dest string) error {
	built := map[string][]string{}
	err := filepath.WalkDir(s.c.Src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path == filepath.Join(s.c.Src, "debian") {
			return fs.SkipDir
		}
		if d.Type().IsRegular() && isELF(path) {
			built[d.Name()] = append(built[d.Name()], path)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.eachShipped(func(rel string) error {
		if c := built[filepath.Base(rel)]; len(c) == 1 {
			return copyExec(c[0], filepath.Join(dest, s.inPackage(rel)))
		}
		return nil // not built here, or ambiguous: no patch for it
	})
}

// collect copies the ELF files of every binary package's tree
// (debian/<package>/, as dpkg-deb would pack it) into dest, executable so
// that libraries get patches too.
func (s *dpkgSys) collect(dest string) error {
	n := 0
	err := s.eachShipped(func(rel string) error {
		n++
		return copyExec(filepath.Join(s.c.Src, "debian", rel), filepath.Join(dest, s.inPackage(rel)))
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return errors.New("dpkg-buildpackage built no ELF file into debian/<package>/")
	}
	return nil
}

// eachShipped calls fn with the path of every ELF file of the binary
// packages, relative to debian/: <package>/usr/bin/foo.
func (s *dpkgSys) eachShipped(fn func(rel string) error) error {
	pkgs, err := s.packages()
	if err != nil {
		return err
	}
	deb := filepath.Join(s.c.Src, "debian")
	for _, p := range pkgs {
		root := filepath.Join(deb, p)
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if errors.Is(err, fs.ErrNotExist) && path == root {
				return fs.SkipDir
			}
			if err != nil || !d.Type().IsRegular() || !isELF(path) {
				return err
			}
			rel, _ := filepath.Rel(deb, path)
			if strings.HasPrefix(s.inPackage(rel), "DEBIAN"+string(filepath.Separator)) {
				return nil
			}
			return fn(rel)
		})
		if err != nil {
			return fmt.Errorf("debian/%s: %w", p, err)
		}
	}
	return nil
}

// inPackage drops the package directory from a path relative to debian/.
func (s *dpkgSys) inPackage(rel string) string {
	_, in, _ := strings.Cut(rel, string(filepath.Separator))
	return in
}

// packages lists the binary packages of debian/control.
func (s *dpkgSys) packages() ([]string, error) {
	b, err := os.ReadFile(filepath.Join(s.c.Src, "debian", "control"))
	if err != nil {
		return nil, err
	}
	var pkgs []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "Package:"); ok {
			pkgs = append(pkgs, strings.TrimSpace(v))
		}
	}
	if len(pkgs) == 0 {
		return nil, errors.New("debian/control names no binary package")
	}
	return pkgs, nil
}

func isELF(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var m [4]byte
	_, err = io.ReadFull(f, m[:])
	return err == nil && string(m[:]) == "\x7fELF"
}

func copyExec(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o755)
}

func lookup(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == key {
			return v
		}
	}
	return ""
}
