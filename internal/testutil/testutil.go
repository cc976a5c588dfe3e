// Package testutil holds helpers shared by tests: checks for gcc and ptrace,
// building the project's own commands once per test binary, and running
// commands with their output attached to failures.
package testutil

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/golibcare/golibcare/internal/ptrace"
)

// InCI reports whether the tests run under CI, where a missing tool is a
// failure rather than a skip (design §6).
func InCI() bool { return os.Getenv("CI") == "true" }

var gccErr = sync.OnceValue(func() error {
	_, err := exec.LookPath("gcc")
	return err
})

// MustHaveGCC skips the test when gcc is unavailable, or fails it under CI.
func MustHaveGCC(t testing.TB) {
	t.Helper()
	if err := gccErr(); err != nil {
		if InCI() {
			t.Fatalf("gcc unavailable under CI: %v", err)
		}
		t.Skipf("skipping test: gcc unavailable: %v", err)
	}
}

// RepoRoot returns the directory holding the module's go.mod.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("getwd: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("go.mod not found above the test's directory")
		}
		dir = parent
	}
}

var (
	toolMu   sync.Mutex
	toolDir  string
	toolPath = map[string]string{}
)

// Tool builds ./cmd/<name> once per test binary and returns the path of the
// executable. All tools land in one directory, so a tool that finds its
// siblings next to itself (libcare-cc finding kpatch_gensrc) works.
func Tool(t testing.TB, name string) string {
	t.Helper()
	return buildTool(t, name, name)
}

// HookedTool is Tool built with the ptrace test hook compiled in
// (ptrace.TestHookTag): the tool then obeys ptrace.TestKillAfterEnv and
// ptrace.TestCountFileEnv. It lands beside the plain tools as
// <name>.hooked.
func HookedTool(t testing.TB, name string) string {
	t.Helper()
	return buildTool(t, name, name+".hooked", "-tags", ptrace.TestHookTag)
}

func buildTool(t testing.TB, name, file string, flags ...string) string {
	t.Helper()
	toolMu.Lock()
	defer toolMu.Unlock()
	if p, ok := toolPath[file]; ok {
		return p
	}
	if toolDir == "" {
		d, err := os.MkdirTemp("", "golibcare-tools-")
		if err != nil {
			t.Fatalf("tool dir: %v", err)
		}
		toolDir = d
	}
	out := filepath.Join(toolDir, file)
	args := append(append([]string{"build"}, flags...), "-o", out, "./cmd/"+name)
	cmd := exec.Command("go", args...)
	cmd.Dir = RepoRoot(t)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0") // as the Makefile builds them
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	toolPath[file] = out
	return out
}

// ToolDir returns the directory the tools built by Tool live in ("" before
// the first call). Test mains may remove it with CleanupTools.
func ToolDir() string {
	toolMu.Lock()
	defer toolMu.Unlock()
	return toolDir
}

// CleanupTools removes the directory of built tools; call it from TestMain
// after m.Run.
func CleanupTools() {
	toolMu.Lock()
	defer toolMu.Unlock()
	if toolDir != "" {
		os.RemoveAll(toolDir)
		toolDir = ""
		toolPath = map[string]string{}
	}
}

// Run runs name with args in dir and returns its combined output; the test
// fails with that output when the command fails.
func Run(t testing.TB, dir, name string, args ...string) string {
	t.Helper()
	out, err := RunErr(dir, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

// RunErr runs name with args in dir and returns its combined output and the
// error, for tests that expect a failure.
func RunErr(dir, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var buf bytes.Buffer
	cmd.Stdout = &buf
	cmd.Stderr = &buf
	err := cmd.Run()
	return buf.String(), err
}

// WriteFile writes content to dir/name, failing the test on error.
func WriteFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatalf("write %s: %v", p, err)
	}
	return p
}

// CopyFixture copies fixtures/<name> into a new temporary directory and
// returns that directory.
func CopyFixture(t testing.TB, name string) string {
	t.Helper()
	src := filepath.Join(RepoRoot(t), "fixtures", name)
	dst := t.TempDir()
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if fi.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, fi.Mode().Perm())
	})
	if err != nil {
		t.Fatalf("copy fixture %s: %v", name, err)
	}
	return dst
}
