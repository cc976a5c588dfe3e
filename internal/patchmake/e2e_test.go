package patchmake_test

import (
	"bytes"
	"context"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/elfutil"
	"github.com/golibcare/golibcare/internal/kpatch"
	"github.com/golibcare/golibcare/internal/testutil"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.CleanupTools()
	os.Exit(code)
}

// runTimeout bounds one libcare-patch-make run of a small fixture.
const runTimeout = 3 * time.Minute

// pipelineTools are built into one directory so libcare-patch-make finds
// its siblings next to itself.
var pipelineTools = []string{"libcare-cc", "kpatch_gensrc", "kpatch_strip", "kpatch_make", "libcare-patch-make"}

// patchMake returns the path of libcare-patch-make with its sibling tools
// built; it skips (naming the tool) while one of them is not written yet.
func patchMake(t testing.TB) string {
	t.Helper()
	testutil.MustHaveGCC(t)
	if _, err := exec.LookPath("make"); err != nil {
		t.Skipf("skipping test: make unavailable: %v", err)
	}
	var pm string
	for _, name := range pipelineTools {
		p, err := testutil.TryTool(name)
		if err != nil {
			if testutil.InCI() {
				t.Fatalf("%v", err)
			}
			t.Skipf("skipping test: %s does not build yet: %v", name, firstLine(err.Error()))
		}
		pm = p
	}
	return pm
}

// result is one finished libcare-patch-make run.
type result struct {
	out  string // stdout and stderr, interleaved
	code int
}

func runPM(t *testing.T, dir string, args ...string) result {
	t.Helper()
	return runPMEnv(t, dir, nil, args...)
}

// runPMEnv runs libcare-patch-make in dir with env added to the test's own.
func runPMEnv(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, patchMake(t), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run libcare-patch-make: %v", err)
	}
	return result{out: buf.String(), code: code}
}

var patchLine = regexp.MustCompile(`(?m)^patch for (\S+) is in (\S+)$`)

// patches returns original → .kpatch from the run's output lines.
func (r result) patches() map[string]string {
	m := map[string]string{}
	for _, s := range patchLine.FindAllStringSubmatch(r.out, -1) {
		m[s[1]] = s[2]
	}
	return m
}

// snapshot records every file's content under dir, skipping the tool's
// own output dirs and build products listed in skip.
func snapshot(t *testing.T, dir string, skip ...string) map[string]string {
	t.Helper()
	snap := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		for _, s := range append([]string{"lpmake", ".lpmaketmp", "patchroot", ".git"}, skip...) {
			if rel == s || strings.HasPrefix(rel, s+"/") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
		}
		if d.IsDir() {
			return nil
		}
		if strings.HasSuffix(rel, ".lpmakeorig") {
			t.Errorf("left a backup file %s", rel)
		}
		if !strings.HasSuffix(rel, ".c") && !strings.HasSuffix(rel, ".h") && rel != "makefile" && !strings.HasSuffix(rel, ".patch") {
			return nil // build products
		}
		b, err := os.ReadFile(p)
		snap[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func sameSnapshot(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s changed: got %q, want %q", what, k, got[k], v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: new source file %s left behind", what, k)
		}
	}
}

// checkKpatch checks the header of a produced patch against the original
// binary's Build-ID and returns the decoded file.
func checkKpatch(t *testing.T, kp, orig, id string) *kpatch.File {
	t.Helper()
	b, err := os.ReadFile(kp)
	if err != nil {
		t.Fatalf("read patch: %v", err)
	}
	f, err := kpatch.Decode(b)
	if err != nil {
		t.Fatalf("decode %s: %v", kp, err)
	}
	want, err := elfutil.BuildID(orig)
	if err != nil {
		t.Fatalf("BuildID(%s): %v", orig, err)
	}
	if got := string(f.Header.Magic[:]); got != kpatch.Magic {
		t.Errorf("got magic %q, want %q", got, kpatch.Magic)
	}
	if got := f.Header.IDString(); got != id {
		t.Errorf("got id %q, want %q", got, id)
	}
	if got := f.Header.BuildIDString(); got != want {
		t.Errorf("got buildid %q, want %q", got, want)
	}
	if got := filepath.Base(kp); got != want+".kpatch" {
		t.Errorf("got file name %s, want %s.kpatch", got, want)
	}
	return f
}

// infoCount is the number of kpatch_info records (changed functions) in a
// patch's .kpatch.info section.
func infoCount(t *testing.T, f *kpatch.File) int {
	t.Helper()
	ef, err := elfutil.SafeNewFile(bytes.NewReader(f.ELF))
	if err != nil {
		t.Fatalf("patch elf: %v", err)
	}
	s := ef.Section(".kpatch.info")
	if s == nil {
		t.Fatalf("patch has no .kpatch.info")
	}
	b, err := s.Data()
	if err != nil {
		t.Fatal(err)
	}
	infos, err := kpatch.DecodeInfos(b)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, in := range infos {
		if !in.IsEnd() {
			n++
		}
	}
	return n
}

// wantOnePatch checks a successful run produced exactly one patch for
// orig (relative to dir) and returns it decoded.
func wantOnePatch(t *testing.T, dir string, r result, orig string) *kpatch.File {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("libcare-patch-make exited %d:\n%s", r.code, r.out)
	}
	origPath := filepath.Join(dir, orig)
	got := r.patches()
	kp, ok := got[origPath]
	if !ok || len(got) != 1 {
		t.Fatalf("got patches %v, want one for %s\n%s", got, origPath, r.out)
	}
	id, _ := elfutil.BuildID(origPath)
	if want := filepath.Join(dir, "patchroot", id+".kpatch"); kp != want {
		t.Errorf("got patch path %s, want %s", kp, want)
	}
	return checkKpatch(t, kp, origPath, "0001")
}

func hasSection(t *testing.T, path, name string) bool {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	return f.Section(name) != nil
}

func fixture(t *testing.T, name string) string {
	return testutil.CopyFixture(t, filepath.Join("patchmake", name))
}

func mustRun(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	return testutil.Run(t, dir, name, args...)
}

func sh(t *testing.T, dir, script string) string {
	t.Helper()
	return mustRun(t, dir, "sh", "-c", script)
}

func fmtBanners(out string, banners ...string) error {
	pos := 0
	for _, b := range banners {
		i := strings.Index(out[pos:], b)
		if i < 0 {
			return fmt.Errorf("banner %q missing or out of order", b)
		}
		pos += i + len(b)
	}
	return nil
}

func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}
