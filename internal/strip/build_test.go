package strip_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/golibcare/golibcare/internal/strip"
	"github.com/golibcare/golibcare/internal/testutil"
)

// fixture is a C program from testdata/<dir> and a hand-written kpatch block
// in the exact shape kpatch_gensrc emits (facts §2.4), inserted right after
// the function fn.
type fixture struct {
	dir    string
	fn     string
	cflags []string // compile and link
	shared bool     // build lib.so (-fPIC -shared) instead of a program
	lib    bool     // link both against libx.so built from testdata/<dir>/lib.c
}

type built struct {
	dir, orig, patched string
}

// build compiles orig.c to assembly, links it as the original, and links the
// assembly plus the kpatch block with -Wl,-q as the patched binary.
func (fx fixture) build(t *testing.T) built {
	t.Helper()
	testutil.MustHaveGCC(t)
	dir := t.TempDir()
	src := filepath.Join(testutil.RepoRoot(t), "internal/strip/testdata", fx.dir)
	flags := fx.cflags
	if fx.shared {
		flags = append([]string{"-fPIC", "-shared"}, flags...)
	}
	testutil.Run(t, dir, "gcc", append(append([]string{"-S"}, flags...), "-o", "orig.s", filepath.Join(src, "orig.c"))...)
	origS := readFile(t, filepath.Join(dir, "orig.s"))
	block := readFile(t, filepath.Join(src, "kpatch.s"))
	end := "\t.size\t" + fx.fn + ", .-" + fx.fn + "\n"
	if !strings.Contains(origS, end) {
		t.Fatalf("orig.s has no %q", end)
	}
	patchedS := strings.Replace(origS, end, end+"\t.text\n"+fx.fn+".Lfe:\n"+block, 1)
	testutil.WriteFile(t, dir, "patched.s", patchedS)
	b := built{dir: dir, orig: filepath.Join(dir, "orig"), patched: filepath.Join(dir, "patched")}
	var libs []string
	if fx.lib {
		testutil.Run(t, dir, "gcc", "-fPIC", "-shared", "-o", "libx.so", filepath.Join(src, "lib.c"))
		libs = []string{"-L.", "-lx"}
	}
	link := func(out, in string, extra ...string) {
		args := append(append(append([]string{}, flags...), extra...), "-o", out, in)
		testutil.Run(t, dir, "gcc", append(args, libs...)...)
	}
	link(b.orig, "orig.s")
	link(b.patched, "patched.s", "-Wl,-q")
	return b
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var stripErr = sync.OnceValue(func() error {
	_, err := exec.LookPath("strip")
	return err
})

func mustHaveStrip(t *testing.T) {
	t.Helper()
	if err := stripErr(); err != nil {
		if testutil.InCI() {
			t.Fatalf("binutils strip unavailable under CI: %v", err)
		}
		t.Skipf("skipping test: binutils strip unavailable: %v", err)
	}
}

// result is what the user guide's pipeline produced, with everything the
// passes printed.
type result struct {
	elf      []byte
	stripped []byte // after --strip, before --rel-fixup
	stdout   string
	stderr   string
}

// pipeline runs --strip, --rel-fixup, binutils strip --strip-unneeded and
// --undo-link over b, as libcare-patch-make does.
func pipeline(t *testing.T, b built) result {
	t.Helper()
	mustHaveStrip(t)
	return runPipeline(t, b, true)
}

// runPipeline is pipeline with the binutils step optional: the C tool's own
// tests run --undo-link right after --strip.
func runPipeline(t *testing.T, b built, binutils bool) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	log := strip.Log{Info: &stdout, Warn: &stderr}
	fail := func(step string, err error) {
		t.Helper()
		t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", step, err, &stdout, &stderr)
	}
	orig := []byte(readFile(t, b.orig))
	stripped, err := strip.Strip([]byte(readFile(t, b.patched)), log)
	if err != nil {
		fail("strip", err)
	}
	res := result{stripped: bytes.Clone(stripped)}
	fixed, err := strip.RelFixup(orig, stripped, log)
	if err != nil {
		fail("rel-fixup", err)
	}
	tmp := filepath.Join(b.dir, "patch.stripped")
	if err := os.WriteFile(tmp, fixed, 0o660); err != nil {
		t.Fatal(err)
	}
	if binutils {
		testutil.Run(t, b.dir, "strip", "--strip-unneeded", tmp)
	}
	res.elf, err = strip.UndoLink(orig, []byte(readFile(t, tmp)), log)
	if err != nil {
		fail("undo-link", err)
	}
	res.stdout, res.stderr = stdout.String(), stderr.String()
	return res
}
