package bidcheck

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/testutil"
)

const prog = `#include <stdio.h>
static const char *version = "prog 1.0 (VERSION_TAG)";
int work(int n) { int s = 0; for (int i = 0; i < n; i++) s += i * n; return s; }
int main(int argc, char **argv) { printf("%s %d\n", version, work(argc)); return 0; }
`

// build compiles prog with flags (and the version tag) into dir/name.
func build(t *testing.T, name, tag string, flags ...string) string {
	t.Helper()
	dir := t.TempDir()
	src := testutil.WriteFile(t, dir, "prog.c", strings.ReplaceAll(prog, "VERSION_TAG", tag))
	out := filepath.Join(dir, name)
	args := append(append([]string{}, flags...), "-Wl,--build-id", "-o", out, src)
	if b, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
		t.Fatalf("gcc %v: %v\n%s", args, err, b)
	}
	return out
}

func TestDiagnose(t *testing.T) {
	testutil.MustHaveGCC(t)
	tests := []struct {
		name          string
		built, target func(t *testing.T) string
		want          []string
	}{
		{name: "-O1 against -O2",
			built:  func(t *testing.T) string { return build(t, "prog", "a", "-g", "-O1") },
			target: func(t *testing.T) string { return build(t, "prog", "a", "-g", "-O2") },
			want:   []string{"compile options differ", "-O1", "-O2", "sections differ:", ".text (size", "-O level"}},
		{name: "-g missing in the build",
			built:  func(t *testing.T) string { return build(t, "prog", "a", "-O2") },
			target: func(t *testing.T) string { return build(t, "prog", "a", "-g", "-O2") },
			want:   []string{"-g: the target has debug sections (.debug_"}},
		{name: "-g only in the build",
			built:  func(t *testing.T) string { return build(t, "prog", "a", "-g", "-O2") },
			target: func(t *testing.T) string { return build(t, "prog", "a", "-O2") },
			want:   []string{"-g: the build has debug sections", "deployed without -g"}},
		{name: "embedded version string",
			built:  func(t *testing.T) string { return build(t, "prog", "3.0.19", "-O2") },
			target: func(t *testing.T) string { return build(t, "prog", "3.0.20", "-O2") },
			want:   []string{`embedded strings differ`, `"prog 1.0 (3.0.19)"`, `"prog 1.0 (3.0.20)"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Diagnose(tt.built(t), tt.target(t))
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("got %q, want it to contain %q", got, w)
				}
			}
		})
	}
}

// TestDiagnoseDebugOnly: a stripped deployment of the same code differs
// only in what is not loaded.
func TestDiagnoseDebugOnly(t *testing.T) {
	testutil.MustHaveGCC(t)
	built := build(t, "prog", "a", "-g", "-O2")
	target := build(t, "prog", "a", "-g", "-O2", "-fdebug-prefix-map=/=/elsewhere/")
	testutil.Run(t, filepath.Dir(target), "strip", target)
	got := Diagnose(built, target)
	if want := "the code and data are identical"; !strings.Contains(got, want) {
		t.Errorf("got %q, want it to contain %q", got, want)
	}
}

func TestCheck(t *testing.T) {
	testutil.MustHaveGCC(t)
	built := build(t, "prog", "a", "-g", "-O1")
	other := build(t, "prog", "a", "-g", "-O2")
	bt, err := FromFile(built)
	if err != nil {
		t.Fatal(err)
	}
	ot, err := FromFile(other)
	if err != nil {
		t.Fatal(err)
	}
	objs := []Object{{Path: built, Rel: "bin/prog", BuildID: bt.BuildID}}
	m, err := Check(objs, []Target{ot, bt})
	if err != nil || m["bin/prog"].Path != built {
		t.Fatalf("Check with a matching target: got %v, %v; want bin/prog matched to %s", m, err, built)
	}
	_, err = Check(objs, []Target{ot})
	var me *MismatchError
	if !errors.As(err, &me) {
		t.Fatalf("got %v, want a *MismatchError", err)
	}
	first, _, _ := strings.Cut(err.Error(), "\n")
	for _, w := range []string{bt.BuildID, ot.BuildID, "likely cause", "-O1"} {
		if !strings.Contains(first, w) {
			t.Errorf("first line %q does not contain %q", first, w)
		}
	}
}

func TestFromPID(t *testing.T) {
	cmd, _ := testutil.StartTarget(t, "sleep", "60")
	targets, err := FromPID(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	sleep, _ := exec.LookPath("sleep")
	want, err := FromFile(sleep)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, tg := range targets {
		found = found || tg.BuildID == want.BuildID
	}
	if !found {
		t.Errorf("got targets %v, want one with sleep's Build-ID %s", targets, want.BuildID)
	}
	if _, err := FromPID(1 << 30); err == nil {
		t.Errorf("FromPID of no process: got nil error")
	}
}
