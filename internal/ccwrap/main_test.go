package ccwrap

import (
	"bytes"
	"debug/elf"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/testutil"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.CleanupTools()
	os.Exit(code)
}

// ccTest is a copy of fixtures/cc and a built libcare-cc to run in it.
type ccTest struct {
	t    *testing.T
	dir  string
	tool string
	env  []string // the environment of every run, before per-run additions
}

func newCCTest(t *testing.T) *ccTest {
	t.Helper()
	testutil.MustHaveGCC(t)
	tc := &ccTest{t: t, tool: testutil.Tool(t, "libcare-cc"), dir: testutil.CopyFixture(t, "cc")}
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "KPATCH_") && !strings.HasPrefix(e, "KPCC") &&
			!strings.HasPrefix(e, depthVar+"=") {
			tc.env = append(tc.env, e)
		}
	}
	return tc
}

// result is what one command did.
type result struct {
	stdout, stderr string
	code           int
}

// cc runs libcare-cc (as argv0 when set, else by its path) in the test
// directory with stage and the extra environment.
func (tc *ccTest) cc(stage string, env []string, args ...string) result {
	tc.t.Helper()
	return tc.command(tc.tool, append([]string{"KPATCH_STAGE=" + stage}, env...), args...)
}

func (tc *ccTest) command(prog string, env []string, args ...string) result {
	tc.t.Helper()
	cmd := exec.Command(prog, args...)
	cmd.Dir = tc.dir
	cmd.Env = append(append([]string{}, tc.env...), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		tc.t.Fatalf("run %s: %v", prog, err)
	}
	return r
}

// mustCC runs libcare-cc and fails the test when it fails.
func (tc *ccTest) mustCC(stage string, env []string, args ...string) result {
	tc.t.Helper()
	r := tc.cc(stage, env, args...)
	if r.code != 0 {
		tc.t.Fatalf("libcare-cc %s (stage %s): exit status %d\n%s", strings.Join(args, " "), stage, r.code, r.stderr)
	}
	return r
}

func (tc *ccTest) path(name string) string { return filepath.Join(tc.dir, name) }

func (tc *ccTest) mustExist(names ...string) {
	tc.t.Helper()
	for _, n := range names {
		if _, err := os.Stat(tc.path(n)); err != nil {
			tc.t.Errorf("%s: got %v, want the file to exist", n, err)
		}
	}
}

// asmFiles lists the .kpatch_* files under the test directory.
func (tc *ccTest) asmFiles() []string {
	tc.t.Helper()
	var out []string
	filepath.Walk(tc.dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && strings.HasPrefix(fi.Name(), ".kpatch_") {
			rel, _ := filepath.Rel(tc.dir, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

func (tc *ccTest) read(name string) string {
	tc.t.Helper()
	b, err := os.ReadFile(tc.path(name))
	if err != nil {
		tc.t.Fatal(err)
	}
	return string(b)
}

// sections returns the section names of ELF file name.
func (tc *ccTest) sections(name string) map[string]bool {
	tc.t.Helper()
	f, err := elf.Open(tc.path(name))
	if err != nil {
		tc.t.Fatalf("open %s: %v", name, err)
	}
	defer f.Close()
	out := map[string]bool{}
	for _, s := range f.Sections {
		out[s.Name] = true
	}
	return out
}

// gcc runs the real gcc in the test directory.
func (tc *ccTest) gcc(args ...string) result {
	tc.t.Helper()
	return tc.command("gcc", nil, args...)
}
