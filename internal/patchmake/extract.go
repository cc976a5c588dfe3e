package patchmake

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/golibcare/golibcare/internal/bidcheck"
	"github.com/golibcare/golibcare/internal/elfutil"
	"github.com/golibcare/golibcare/internal/kpatch"
	kstrip "github.com/golibcare/golibcare/internal/strip"
)

// Output is one produced patch.
type Output struct {
	Original string // the original binary under the original dir
	Kpatch   string // <patchroot>/<BuildID>.kpatch
	BuildID  string
	Target   bidcheck.Target // what the patch is for (--target, --pid), zero without
	made     string          // the patch as kpatch_make wrote it, beside the patched binary
	sameAs   string          // another Original whose patch is this one, byte for byte
}

// ErrNoPatch is wrapped by the error Run returns when no .kpatch could be
// made; the message says why.
var ErrNoPatch = errors.New("no patch produced")

// extractor turns changed binaries into .kpatch files (facts §6 step 4).
type extractor struct {
	r                      *run
	mu                     sync.Mutex // guards the counts: binaries are done in parallel
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
	if err := r.checkTargets(); err != nil { // -u: no build checked them
		return nil, err
	}
	var bins []string
	err := filepath.WalkDir(r.origDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		fi, err := d.Info()
		if err == nil && fi.Mode()&0o111 != 0 {
			bins = append(bins, path)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	x := &extractor{r: r}
	outs, err := x.all(ctx, bins)
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

// all makes the patches of bins, a few at a time (each pass is one
// goroutine's work; a project may install many binaries), in bins' order.
func (x *extractor) all(ctx context.Context, bins []string) ([]Output, error) {
	res := make([]Output, len(bins))
	ok := make([]bool, len(bins))
	errs := make([]error, len(bins))
	sem := make(chan struct{}, runtime.NumCPU())
	var wg sync.WaitGroup
	for i, b := range bins {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			res[i], ok[i], errs[i] = x.one(ctx, b)
		}()
	}
	wg.Wait()
	var outs []Output
	for i := range bins {
		if errs[i] != nil {
			return nil, errs[i]
		}
		if ok[i] {
			outs = append(outs, res[i])
		}
	}
	return outs, nil
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
	target, wanted := r.isTarget(rel)
	if !wanted {
		r.verbosef("%s: not a target\n", rel)
		return Output{}, false, nil
	}
	x.count(&x.considered)
	patched := filepath.Join(r.patchedDir, rel)
	if !hasKpatchSection(patched) {
		r.verbosef("%s: unchanged\n", rel)
		return Output{}, false, nil
	}
	x.count(&x.withKpatch)
	buildID := r.o.BuildID
	if buildID == "" {
		if buildID, err = elfutil.BuildID(orig); err != nil {
			x.fail(fmt.Sprintf("%s: %v", rel, err))
			fmt.Fprintf(r.o.Stderr, "skipping %s: %v\n", orig, err)
			return Output{}, false, nil
		}
	}
	kp, err := x.build(ctx, orig, patched, buildID)
	if err != nil {
		var skip *skipError
		if errors.As(err, &skip) {
			x.fail(fmt.Sprintf("%s: %v", rel, skip.err))
			fmt.Fprintf(r.o.Stderr, "skipping %s: %v\n", orig, skip.err)
			return Output{}, false, nil
		}
		return Output{}, false, err
	}
	return Output{Original: orig, Kpatch: filepath.Join(r.patchRoot, buildID+".kpatch"), BuildID: buildID, Target: target, made: kp}, true, nil
}

func (x *extractor) count(n *int) {
	x.mu.Lock()
	*n++
	x.mu.Unlock()
}

func (x *extractor) fail(msg string) {
	x.mu.Lock()
	x.failures = append(x.failures, msg)
	x.mu.Unlock()
}

// skipError is a per-binary failure the upstream script steps over
// (kpatch_strip --rel-fixup || continue).
type skipError struct{ err error }

func (e *skipError) Error() string { return e.err.Error() }

// build runs the strip / rel-fixup / strip --strip-unneeded / undo-link /
// kpatch_make chain (facts §6 step 4); the result stays next to the
// patched binary. The kpatch_strip and kpatch_make passes run in this
// process (the same code as the tools, without a process each); binutils
// strip runs as a command, as upstream.
func (x *extractor) build(ctx context.Context, orig, patched, buildID string) (string, error) {
	r := x.r
	stripped, kp := patched+".stripped", patched+".kpatch"
	strip, err := exec.LookPath("strip")
	if err != nil {
		return "", fmt.Errorf("binutils strip: %w", err)
	}
	origELF, err := os.ReadFile(orig)
	if err != nil {
		return "", err
	}
	in, err := os.ReadFile(patched)
	if err != nil {
		return "", err
	}
	log := r.toolLog()
	r.verbosef("+ kpatch_strip --strip %s %s\n", patched, stripped)
	img, err := kstrip.Strip(in, log)
	if err != nil {
		return "", fmt.Errorf("kpatch_strip --strip %s: %w", patched, err)
	}
	r.verbosef("+ kpatch_strip --rel-fixup %s %s\n", orig, stripped)
	if img, err = kstrip.RelFixup(origELF, img, log); err != nil {
		return "", &skipError{fmt.Errorf("kpatch_strip --rel-fixup: %w", err)}
	}
	if err := os.WriteFile(stripped, img, 0o660); err != nil {
		return "", err
	}
	if err := r.tool1(ctx, strip, "--strip-unneeded", stripped); err != nil {
		return "", err
	}
	if img, err = os.ReadFile(stripped); err != nil {
		return "", err
	}
	r.verbosef("+ kpatch_strip --undo-link %s %s\n", orig, stripped)
	if img, err = kstrip.UndoLink(origELF, img, log); err != nil {
		return "", fmt.Errorf("kpatch_strip --undo-link %s: %w", stripped, err)
	}
	r.verbosef("+ kpatch_make -b %s -i %s -o %s %s\n", buildID, r.o.ID, kp, stripped)
	out, err := kpatch.Encode(r.o.ID, buildID, img, time.Now())
	if err != nil {
		return "", fmt.Errorf("kpatch_make %s: %w", stripped, err)
	}
	return kp, os.WriteFile(kp, out, 0o660)
}

// toolLog is where the in-process passes write their chatter: shown with
// -v, as the tools' output was.
func (r *run) toolLog() kstrip.Log {
	if r.o.Verbose {
		return kstrip.Log{Info: r.o.Stdout, Warn: r.o.Stderr}
	}
	return kstrip.Log{Info: io.Discard, Warn: r.o.Stderr}
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
