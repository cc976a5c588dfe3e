package patchmake

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/golibcare/golibcare/internal/elfutil"
)

// Output is one produced patch.
type Output struct {
	Original string // the original binary under the original dir
	Kpatch   string // <patchroot>/<BuildID>.kpatch
	BuildID  string
	made     string // the patch as kpatch_make wrote it, beside the patched binary
	sameAs   string // another Original whose patch is this one, byte for byte
}

// ErrNoPatch is wrapped by the error Run returns when no .kpatch could be
// made; the message says why.
var ErrNoPatch = errors.New("no patch produced")

// extractor turns changed binaries into .kpatch files (facts §6 step 4).
type extractor struct {
	r                      *run
	considered, withKpatch int
	failures               []string
}

// makePatches walks the original dir and makes a patch for every executable
// whose patched twin carries .kpatch sections. Every patch is made before
// any is written, so two binaries that would write one patch file stop
// the run with both named and nothing half written.
func (r *run) makePatches(ctx context.Context) ([]Output, error) {
	r.banner("MAKING PATCHES")
	if _, err := os.Stat(r.origDir); err != nil {
		return nil, fmt.Errorf("%w: nothing was built: %v (run without -u first)", ErrNoPatch, err)
	}
	x := &extractor{r: r}
	var outs []Output
	err := filepath.WalkDir(r.origDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		fi, err := d.Info()
		if err != nil || fi.Mode()&0o111 == 0 {
			return err
		}
		out, ok, err := x.one(ctx, path)
		if ok {
			outs = append(outs, out)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(outs) == 0 {
		return nil, x.whyNone()
	}
	if outs, err = dedupTargets(outs); err != nil {
		return nil, err
	}
	return outs, r.writePatches(outs)
}

func (x *extractor) whyNone() error {
	r := x.r
	switch {
	case len(x.failures) > 0:
		return fmt.Errorf("%w: %s", ErrNoPatch, strings.Join(x.failures, "; "))
	case x.considered == 0:
		return fmt.Errorf("%w: no executable file was installed into %s (does `make install %s=DIR` install the program?)",
			ErrNoPatch, r.origDir, r.o.destDirVar())
	default:
		return fmt.Errorf("%w: no binary changed: none of the %d executables under %s has .kpatch sections in its patched build",
			ErrNoPatch, x.considered, r.origDir)
	}
}

// one makes the patch for the original binary orig; ok=false means skipped.
func (x *extractor) one(ctx context.Context, orig string) (Output, bool, error) {
	r := x.r
	rel, err := filepath.Rel(r.origDir, orig)
	if err != nil {
		return Output{}, false, err
	}
	x.considered++
	patched := filepath.Join(r.patchedDir, rel)
	if !hasKpatchSection(patched) {
		r.verbosef("%s: unchanged\n", rel)
		return Output{}, false, nil
	}
	x.withKpatch++
	buildID := r.o.BuildID
	if buildID == "" {
		if buildID, err = elfutil.BuildID(orig); err != nil {
			x.failures = append(x.failures, fmt.Sprintf("%s: %v", rel, err))
			fmt.Fprintf(r.o.Stderr, "skipping %s: %v\n", orig, err)
			return Output{}, false, nil
		}
	}
	kp, err := x.build(ctx, orig, patched, buildID)
	if err != nil {
		var skip *skipError
		if errors.As(err, &skip) {
			x.failures = append(x.failures, fmt.Sprintf("%s: %v", rel, skip.err))
			fmt.Fprintf(r.o.Stderr, "skipping %s: %v\n", orig, skip.err)
			return Output{}, false, nil
		}
		return Output{}, false, err
	}
	return Output{Original: orig, Kpatch: filepath.Join(r.patchRoot, buildID+".kpatch"), BuildID: buildID, made: kp}, true, nil
}

// skipError is a per-binary failure the upstream script steps over
// (kpatch_strip --rel-fixup || continue).
type skipError struct{ err error }

func (e *skipError) Error() string { return e.err.Error() }

// build runs the strip / rel-fixup / strip --strip-unneeded / undo-link /
// kpatch_make chain; the result stays next to the patched binary.
func (x *extractor) build(ctx context.Context, orig, patched, buildID string) (string, error) {
	r := x.r
	if err := addUserWrite(patched); err != nil {
		return "", err
	}
	stripped, kp := patched+".stripped", patched+".kpatch"
	strip, err := exec.LookPath("strip")
	if err != nil {
		return "", fmt.Errorf("binutils strip: %w", err)
	}
	steps := []struct {
		name string
		args []string
		skip bool // failure skips this binary instead of failing the run
	}{
		{r.tool("kpatch_strip"), []string{"--strip", patched, stripped}, false},
		{r.tool("kpatch_strip"), []string{"--rel-fixup", orig, stripped}, true},
		{strip, []string{"--strip-unneeded", stripped}, false},
		{r.tool("kpatch_strip"), []string{"--undo-link", orig, stripped}, false},
		{r.tool("kpatch_make"), []string{"-b", buildID, "-i", r.o.ID, "-o", kp, stripped}, false},
	}
	for _, s := range steps {
		if err := r.tool1(ctx, s.name, s.args...); err != nil {
			if s.skip {
				return "", &skipError{err}
			}
			return "", err
		}
	}
	return kp, nil
}

// tool1 runs one tool; its chatter is shown with -v or when it fails.
func (r *run) tool1(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	r.verbosef("+ %s %s\n", filepath.Base(name), strings.Join(args, " "))
	err := cmd.Run()
	if r.o.Verbose {
		r.o.Stdout.Write(buf.Bytes())
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if err != nil {
		out := strings.TrimSpace(buf.String())
		if out != "" {
			out = ":\n" + out
		}
		return fmt.Errorf("%s %s: %w%s", filepath.Base(name), args[0], err, out)
	}
	return nil
}

// hasKpatchSection reports whether path is an ELF file with a section whose
// name contains "kpatch" (what libcare-cc's patched build adds).
func hasKpatchSection(path string) bool {
	f, err := elfutil.SafeOpen(path)
	if err != nil {
		return false
	}
	defer f.Close()
	for _, s := range f.Sections {
		if strings.HasPrefix(s.Name, ".kpatch") {
			return true
		}
	}
	return false
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.WriteFile(dst, b, 0o660); err != nil {
		return fmt.Errorf("copy patch: %w", err)
	}
	return nil
}

// addUserWrite is the script's chmod u+w: installed binaries may be 0555.
func addUserWrite(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	return os.Chmod(path, fi.Mode().Perm()|0o200)
}
