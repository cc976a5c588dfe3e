package strip_test

import (
	"bytes"
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

// runTool runs the kpatch_strip binary and returns stdout, stderr and the
// exit status.
func runTool(t *testing.T, dir string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(testutil.Tool(t, "kpatch_strip"), args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return stdout.String(), stderr.String(), 0
	case errors.As(err, &ee):
		return stdout.String(), stderr.String(), ee.ExitCode()
	}
	t.Fatalf("kpatch_strip %s: %v", strings.Join(args, " "), err)
	return "", "", 0
}

// TestCommand runs the user guide's commands with the kpatch_strip binary
// and checks they produce what the package API produces.
func TestCommand(t *testing.T) {
	b := fixture{dir: "hello", fn: "print_hello"}.build(t)
	want := pipeline(t, b)
	steps := [][]string{
		{"--strip", "patched", "patch.stripped"},
		{"--rel-fixup", "orig", "patch.stripped"},
		nil, // binutils strip
		{"--undo-link", "orig", "patch.stripped"},
	}
	var stdout string
	for _, args := range steps {
		if args == nil {
			testutil.Run(t, b.dir, "strip", "--strip-unneeded", "patch.stripped")
			continue
		}
		out, errOut, code := runTool(t, b.dir, args...)
		if code != 0 || errOut != "" {
			t.Fatalf("kpatch_strip %s: exit %d, stderr %q", strings.Join(args, " "), code, errOut)
		}
		stdout += out
		if args[0] == "--strip" {
			fi, err := os.Stat(filepath.Join(b.dir, "patch.stripped"))
			// Created 0660; the umask may only take bits away.
			if err != nil || fi.Mode().Perm()&^0o660 != 0 || fi.Mode().Perm()&0o600 != 0o600 {
				t.Errorf("got mode %v, %v; want 0660 less the umask", fi.Mode(), err)
			}
		}
	}
	if stdout != want.stdout {
		t.Errorf("got stdout\n%s\nwant\n%s", stdout, want.stdout)
	}
	got := []byte(readFile(t, filepath.Join(b.dir, "patch.stripped")))
	if !bytes.Equal(got, want.elf) {
		t.Errorf("the command wrote %d bytes that differ from the API's %d", len(got), len(want.elf))
	}
}

func TestCommandErrors(t *testing.T) {
	dir := t.TempDir()
	testutil.WriteFile(t, dir, "text", "plain text, not an ELF file at all, long enough for a header\n")
	tests := []struct {
		name       string
		args       []string
		wantStderr string
		wantCode   int // 2 for usage errors, 255 like upstream for failures
	}{
		{"multiple actions", []string{"-s", "-u", "a", "b"}, "ERROR: Multiple actions specified", 2},
		{"no action", []string{"a", "b"}, "(see kpatch_strip --help)", 2},
		{"one file", []string{"--undo-link", "a"}, "(see kpatch_strip --help)", 2},
		{"not elf", []string{"--strip", "text", "out"}, "not an ELF file", 255},
		{"missing", []string{"--rel-fixup", "nothere", "text"}, "no such file", 255},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runTool(t, dir, tt.args...)
			if code != tt.wantCode {
				t.Errorf("got exit %d, want %d", code, tt.wantCode)
			}
			if !strings.Contains(stderr, tt.wantStderr) || stdout != "" {
				t.Errorf("got stdout %q stderr %q, want stderr with %q", stdout, stderr, tt.wantStderr)
			}
		})
	}
}
