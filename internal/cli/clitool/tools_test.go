package clitool

import (
	"bytes"
	"errors"
	"fmt"
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

// tools are every command of golibcare; cobra ones have a completion
// command (libcare-cc's arguments are gcc's).
var tools = []struct {
	name       string
	completion bool
}{
	{"libcare-ctl", true}, {"libcare-client", true}, {"libcare-patch-make", true},
	{"kpatch_gensrc", true}, {"kpatch_strip", true}, {"kpatch_make", true}, {"libcare-dump", true}, {"libcare-cc", false},
}

type result struct {
	stdout, stderr string
	code           int
}

// run runs a built tool without KPATCH_STAGE (which gives libcare-cc's
// --help and --version to gcc).
func run(t *testing.T, tool string, args ...string) result {
	t.Helper()
	cmd := exec.Command(testutil.Tool(t, tool), args...)
	cmd.Env = append(os.Environ(), "KPATCH_STAGE=")
	cmd.Dir = t.TempDir()
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	r := result{stdout: o.String(), stderr: e.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %q: %v", tool, args, err)
	}
	return r
}

func TestVersion(t *testing.T) {
	for _, tool := range tools {
		t.Run(tool.name, func(t *testing.T) {
			r := run(t, tool.name, "--version")
			if r.code != 0 || !strings.HasPrefix(r.stdout, tool.name+" (golibcare) ") ||
				!strings.Contains(r.stdout, "\nkpatch format: KPATCH1\n") || !strings.Contains(r.stdout, "\nrevision: ") {
				t.Errorf("got %d %q %q, want the version, revision and kpatch format", r.code, r.stdout, r.stderr)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	for _, tool := range tools {
		t.Run(tool.name, func(t *testing.T) {
			r := run(t, tool.name, "--help")
			out := r.stdout + r.stderr
			if r.code != 0 || !strings.Contains(out, tool.name) {
				t.Errorf("got %d %q %q, want help", r.code, r.stdout, r.stderr)
			}
			if n := strings.Count(strings.ToLower(out), "usage:"); n != 1 {
				t.Errorf("got %d usage blocks in %q, want 1", n, out)
			}
		})
	}
}

func TestCompletion(t *testing.T) {
	for _, tool := range tools {
		if !tool.completion {
			continue
		}
		for _, shell := range []string{"bash", "zsh", "fish"} {
			t.Run(tool.name+"/"+shell, func(t *testing.T) {
				r := run(t, tool.name, "completion", shell)
				if r.code != 0 || !strings.Contains(r.stdout, tool.name) || r.stderr != "" {
					t.Fatalf("got %d, stderr %q, want a %s script", r.code, r.stderr, shell)
				}
				if shell != "bash" {
					return
				}
				f := filepath.Join(t.TempDir(), tool.name)
				if err := os.WriteFile(f, []byte(r.stdout), 0o644); err != nil {
					t.Fatal(err)
				}
				if out, err := exec.Command("bash", "-n", f).CombinedOutput(); err != nil {
					t.Errorf("bash -n: %v: %s", err, out)
				}
			})
		}
	}
}

// TestCompletePid checks that -p completes "all" and processes with their
// command names: this test's own process is one of them.
func TestCompletePid(t *testing.T) {
	for _, sub := range []string{"patch", "unpatch", "info"} {
		r := run(t, "libcare-ctl", "__complete", sub, "-p", "")
		comm, _ := os.ReadFile("/proc/self/comm")
		want := fmt.Sprintf("\n%d\t%s\n", os.Getpid(), strings.TrimSpace(string(comm)))
		if r.code != 0 || !strings.HasPrefix(r.stdout, "all\t") || !strings.Contains(r.stdout, want) {
			t.Errorf("%s: got %d %q, want all and %q", sub, r.code, r.stdout, want)
		}
	}
	// A pid without patches has no ids to offer.
	r := run(t, "libcare-ctl", "__complete", "unpatch", "-p", fmt.Sprint(os.Getpid()), "-i", "")
	if r.code != 0 || r.stdout != ":4\n" {
		t.Errorf("-i of an unpatched pid: got %d %q, want no ids and no files", r.code, r.stdout)
	}
}

// TestUsageErrors checks that a command-line mistake exits 2 with one line
// that names the tool, without the words of Go's parsers.
func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		tool string
		args []string
	}{
		{"libcare-patch-make", []string{"-j", "/x.patch"}},
		{"libcare-patch-make", []string{"--bogus", "a.patch"}},
		{"libcare-patch-make", []string{"-u", "-c", "a.patch"}},
		{"libcare-patch-make", nil},
		{"kpatch_make", []string{"-b", "x"}},
		{"kpatch_make", []string{"-b", "x", "-b", "y", "in"}},
		{"kpatch_make", []string{"-q", "in"}},
		{"kpatch_strip", []string{"a", "b"}},
		{"kpatch_strip", []string{"-s", "-u", "a", "b"}},
		{"kpatch_gensrc", []string{"--bogus"}},
		{"kpatch_gensrc", []string{"-i", "a.s", "-i", "b.s"}},
	} {
		r := run(t, tc.tool, tc.args...)
		if r.code != ExitUsage || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 ||
			!strings.HasPrefix(r.stderr, tc.tool+": ") && !strings.HasPrefix(r.stderr, "ERROR: ") {
			t.Errorf("%s %q: got %d %q %q, want exit %d and one line", tc.tool, tc.args, r.code, r.stdout, r.stderr, ExitUsage)
		}
		if strings.Contains(r.stderr, "strconv") || strings.Contains(r.stderr, "Parse") {
			t.Errorf("%s %q: parser text in %q", tc.tool, tc.args, r.stderr)
		}
	}
}
