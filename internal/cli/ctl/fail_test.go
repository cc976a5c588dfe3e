//go:build linux && amd64

package ctl_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/golibcare/golibcare/internal/ptrace"
	"github.com/golibcare/golibcare/internal/testutil"
)

// untouched checks that a failed run left the target as it was: running
// the original code, untraced, with no patch region.
func untouched(t *testing.T, tg *target, text map[uint64][]byte, marker string) {
	t.Helper()
	testutil.CheckUntraced(t, tg.pid)
	if n := testutil.AnonExec(t, tg.pid); n != 0 {
		t.Errorf("got %d anonymous executable mappings, want 0", n)
	}
	if got := testutil.ProcessText(t, tg.pid, tg.bin); !reflect.DeepEqual(got, text) {
		t.Errorf("text of %s changed", tg.bin)
	}
	tg.skip()
	tg.wait(t, marker)
}

func oneLineError(t *testing.T, r testutil.CtlResult, want string) {
	t.Helper()
	oneLineErrorCode(t, r, want, 255)
}

func oneLineErrorCode(t *testing.T, r testutil.CtlResult, want string, code int) {
	t.Helper()
	if r.Code != code {
		t.Errorf("got exit %d, want %d\nstdout:\n%s", r.Code, code, r.Stdout)
	}
	if strings.Count(r.Stderr, "\n") != 1 || !strings.Contains(r.Stderr, want) {
		t.Errorf("got stderr %q, want one line containing %q", r.Stderr, want)
	}
}

// TestSafetyFail patches a function that never leaves the stack: the patch
// must fail cleanly with the function's name and leave the program running
// its original code.
func TestSafetyFail(t *testing.T) {
	dir := testutil.CopyFixture(t, "ctl")
	pb := buildPatch(t, dir, testutil.ManualOpts{Orig: "spin.c", Patched: "spin.patched.c"})
	tg := startTarget(t, pb.Binary)
	tg.wait(t, "spin ")
	text := testutil.ProcessText(t, tg.pid, pb.Binary)
	r := testutil.Ctl(t, "patch", "-p", tg.p(), "--timeout", "300ms", pb.Kpatch)
	oneLineError(t, r, fmt.Sprintf("safety check failed: thread %d is inside spin", tg.pid))
	wantLines(t, r.Stdout, fmt.Sprintf("Failed to apply patch '%s'", pb.Kpatch))
	untouched(t, tg, text, "spin ")
	if strings.Contains(tg.out.String(), "patched") {
		t.Errorf("got patched output after a failed patch")
	}
}

// TestBadInput checks that each bad input is one clear error line, exit
// 255, and leaves the target untouched.
func TestBadInput(t *testing.T) {
	dir := testutil.CopyFixture(t, "ctl")
	pb := buildPatch(t, dir, testutil.ManualOpts{Orig: "foo.c", Patched: "bar.c"})
	other := buildPatch(t, dir, testutil.ManualOpts{Orig: "newfunc.c", Patched: "newfunc.patched.c"})
	tg := startTarget(t, pb.Binary)
	tg.wait(t, "Hello world!\n")
	text := testutil.ProcessText(t, tg.pid, pb.Binary)

	notKpatch := testutil.WriteFile(t, dir, "not.kpatch", "hello, I am not a patch\n")
	b, err := os.ReadFile(pb.Kpatch)
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "truncated.kpatch")
	if err := os.WriteFile(truncated, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no such pid", []string{"patch", "-p", "999999999", pb.Kpatch}, "pid 999999999: no such process"},
		{"not a kpatch", []string{"patch", "-p", tg.p(), notKpatch}, "not a kpatch file"},
		{"truncated", []string{"patch", "-p", tg.p(), truncated}, "truncated"},
		{"missing file", []string{"patch", "-p", tg.p(), filepath.Join(dir, "nope.kpatch")}, "no such file"},
		{"other build id", []string{"patch", "-p", tg.p(), other.Kpatch},
			fmt.Sprintf("is for Build-ID %s, but no object of pid %d has it (foo has Build-ID %s)", other.BuildID, tg.pid, pb.BuildID)},
		{"unpatch unknown id", []string{"unpatch", "-p", tg.p(), "-i", "0042"}, "failed to find target patch with patch_id=0042"},
		{"no pid", []string{"patch", pb.Kpatch}, "PID argument is mandatory"},
		{"bad pid", []string{"info", "-p", "x1"}, `bad pid "x1"`},
		{"unknown command", []string{"frobnicate"}, "unknown command"},
		{"unknown option", []string{"patch", "-p", tg.p(), "-s", pb.Kpatch}, "unknown shorthand flag"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := testutil.Ctl(t, tc.args...)
			code := 255
			switch tc.name {
			case "no pid", "bad pid", "unknown command", "unknown option":
				code = 2 // usage
			}
			oneLineErrorCode(t, r, tc.want, code)
			untouched(t, tg, text, "Hello world!\n")
		})
	}

	t.Run("already traced", func(t *testing.T) {
		p, err := ptrace.Seize(tg.pid)
		if err != nil {
			t.Fatal(err)
		}
		r := testutil.Ctl(t, "patch", "-p", tg.p(), pb.Kpatch)
		if err := p.Detach(); err != nil {
			t.Fatal(err)
		}
		oneLineError(t, r, "already traced by pid")
		untouched(t, tg, text, "Hello world!\n")
	})

	t.Run("same id twice", func(t *testing.T) {
		testutil.MustCtl(t, "patch", "-p", tg.p(), pb.Kpatch)
		r := testutil.Ctl(t, "patch", "-p", tg.p(), pb.Kpatch)
		oneLineError(t, r, "A patch with patch-id(0001) is already applied by foo")
		if pi := info(t, tg.pid); len(pi.Objects) != 1 || len(pi.Objects[0].Patches) != 1 {
			t.Errorf("got info %+v, want one object with one patch", pi)
		}
		testutil.MustCtl(t, "unpatch", "-p", tg.p(), "-i", "0001")
		untouched(t, tg, text, "Hello world!\n")
	})
}

// TestUnpatchSafety removes patches whose new code is on a stack: patch
// code has no CFI, so the return address is found by scanning the stack.
// busy's new code sleeps (unpatch waits, then succeeds); loop's never
// returns (unpatch fails cleanly and the patch stays).
func TestUnpatchSafety(t *testing.T) {
	dir := testutil.CopyFixture(t, "ctl")
	t.Run("waits", func(t *testing.T) {
		pb := buildPatch(t, dir, testutil.ManualOpts{Orig: "busy.c", Patched: "busy.patched.c"})
		tg := startTarget(t, pb.Binary)
		tg.wait(t, "start\n")
		testutil.MustCtl(t, "patch", "-p", tg.p(), pb.Kpatch)
		tg.skip()
		tg.wait(t, " patched\n")
		testutil.MustCtl(t, "unpatch", "-p", tg.p())
		tg.skip()
		tg.wait(t, "start\n")
		testutil.CheckUntraced(t, tg.pid)
	})
	t.Run("never leaves", func(t *testing.T) {
		pb := buildPatch(t, dir, testutil.ManualOpts{Orig: "loop.c", Patched: "loop.patched.c"})
		tg := startTarget(t, pb.Binary)
		tg.wait(t, "loop tick\n")
		tg.skip() // before the patch: its first lines may come before libcare-ctl exits
		testutil.MustCtl(t, "patch", "-p", tg.p(), pb.Kpatch)
		tg.wait(t, "loop patched 3\n")
		r := testutil.Ctl(t, "unpatch", "-p", tg.p(), "--timeout", "300ms")
		oneLineError(t, r, fmt.Sprintf("safety check failed: thread %d is inside tick", tg.pid))
		wantLines(t, r.Stdout, fmt.Sprintf("Failed to cancel patches for %d", tg.pid))
		tg.skip()
		tg.wait(t, "loop patched")
		if pi := info(t, tg.pid); len(pi.Objects) != 1 {
			t.Errorf("got info %+v, want the patch still applied", pi)
		}
		testutil.CheckUntraced(t, tg.pid)
	})
}

// TestNotPermitted runs libcare-ctl as nobody against a root-owned target:
// the error says why ptrace is refused.
func TestNotPermitted(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipping test: needs root to run libcare-ctl as another user")
	}
	dir := testutil.CopyFixture(t, "ctl")
	pb := buildPatch(t, dir, testutil.ManualOpts{Orig: "foo.c", Patched: "bar.c"})
	tg := startTarget(t, pb.Binary)
	tg.wait(t, "Hello world!\n")
	open, err := os.MkdirTemp("", "ctl-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(open)
	ctl, patch := filepath.Join(open, "libcare-ctl"), filepath.Join(open, "foo.kpatch")
	copyFile(t, testutil.Tool(t, "libcare-ctl"), ctl)
	copyFile(t, pb.Kpatch, patch)
	for _, p := range []string{open, ctl, patch} {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(ctl, "patch", "-p", tg.p(), patch)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 255 {
		t.Fatalf("got %v, want exit 255", err)
	}
	if want := "process owned by uid 0, we are uid 65534"; !strings.Contains(stderr.String(), want) || strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("got stderr %q, want one line containing %q", stderr.String(), want)
	}
	testutil.CheckUntraced(t, tg.pid)
	tg.skip()
	tg.wait(t, "Hello world!\n")
}
