//go:build linux && amd64

package ctl_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/testutil"
)

// TestSeccomp patches processes that run under a seccomp policy
// (fixtures/ctl/seccomp.c): a policy that would kill or refuse one of the
// remote system calls is refused up front with one line naming the call
// and the action, and the process runs on untouched; a policy that lets
// the calls through does not stand in the way.
func TestSeccomp(t *testing.T) {
	opts := func(patched string) testutil.ManualOpts {
		return testutil.ManualOpts{Orig: "seccomp.c", Patched: patched, LDFlags: []string{"-pthread"}}
	}
	// The text patch changes code only: with no .kpatch.data its region
	// is mapped r-x at once. The data patch's region is mapped rw-, then
	// made r-x.
	text := buildPatch(t, testutil.CopyFixture(t, "ctl"), opts("seccomp.patched.c"))
	data := buildPatch(t, testutil.CopyFixture(t, "ctl"), opts("seccomp.data.patched.c"))
	const (
		mmap      = `mmap\(\?, 0x[0-9a-f]+, PROT_READ\|PROT_EXEC, MAP_PRIVATE\|MAP_ANONYMOUS\|MAP_FIXED_NOREPLACE, -1, 0\)`
		mprotect  = `mprotect\(\?, 0x[0-9a-f]+, PROT_READ\|PROT_EXEC\)`
		byFilter  = ` the process's seccomp filter `
		killed    = ` would be killed by` + byFilter + `\(SECCOMP_RET_KILL_PROCESS\)`
		refusedOn = `pid %d: `
	)
	refused := []struct {
		policy string
		pb     *testutil.PatchBuild
		want   string // regexp, with %d for the pid
	}{
		{"kill-mmap-exec", text, refusedOn + mmap + killed},
		{"kill-mprotect-exec", data, refusedOn + mprotect + killed},
		{"errno-mmap", text, refusedOn + mmap + ` would fail with EPERM under` + byFilter + `\(SECCOMP_RET_ERRNO\(EPERM\)\)`},
		{"two", data, refusedOn + mprotect + killed},
		{"thread", text, `pid %d thread \d+: ` + mmap + killed},
		{"strict", text, refusedOn + `mmap\(.*\) would be killed: the process is in seccomp strict mode \(SECCOMP_MODE_STRICT\), which allows only read, write, exit and rt_sigreturn`},
	}
	for _, tc := range refused {
		t.Run(tc.policy, func(t *testing.T) {
			tg := seccompTarget(t, tc.pb.Binary, tc.policy)
			tick := fmt.Sprintf("seccomp %s tick 0\n", tc.policy)
			tg.wait(t, tick)
			code := testutil.ProcessText(t, tg.pid, tc.pb.Binary)
			r := testutil.Ctl(t, "patch", "-p", tg.p(), tc.pb.Kpatch)
			want := regexp.MustCompile("^" + fmt.Sprintf(tc.want, tg.pid) + "\n$")
			if !want.MatchString(r.Stderr) {
				t.Errorf("got stderr %q, want a line matching %q", r.Stderr, want)
			}
			oneLineError(t, r, "seccomp")
			wantLines(t, r.Stdout, fmt.Sprintf("Failed to apply patch '%s'", tc.pb.Kpatch))
			untouched(t, tg, code, tick)
		})
	}

	applies := []struct {
		policy string
		pb     *testutil.PatchBuild
		want   string
	}{
		{"allow", text, "seccomp allow tick 1\n"},
		{"allow", data, "seccomp allow counter 10"},
		{"kill-mmap-exec", data, "seccomp kill-mmap-exec counter 10"},
		{"kill-mprotect-exec", text, "seccomp kill-mprotect-exec tick 1\n"},
	}
	for _, tc := range applies {
		t.Run(tc.policy+"/applies", func(t *testing.T) {
			tg := seccompTarget(t, tc.pb.Binary, tc.policy)
			tick := fmt.Sprintf("seccomp %s tick 0\n", tc.policy)
			tg.wait(t, tick)
			testutil.MustCtl(t, "patch", "-p", tg.p(), tc.pb.Kpatch)
			tg.skip()
			tg.wait(t, tc.want)
			testutil.MustCtl(t, "unpatch", "-p", tg.p())
			tg.skip()
			tg.wait(t, tick)
			testutil.CheckUntraced(t, tg.pid)
		})
	}
}

// TestSeccompUnpatch: a process that forbids munmap after it was patched
// keeps its patch, and runs on.
func TestSeccompUnpatch(t *testing.T) {
	pb := buildPatch(t, testutil.CopyFixture(t, "ctl"),
		testutil.ManualOpts{Orig: "seccomp.c", Patched: "seccomp.patched.c", LDFlags: []string{"-pthread"}})
	tg := seccompTarget(t, pb.Binary, "usr1-kill-munmap")
	tg.wait(t, "seccomp usr1-kill-munmap tick 0\n")
	testutil.MustCtl(t, "patch", "-p", tg.p(), pb.Kpatch)
	tg.skip()
	tg.wait(t, "seccomp usr1-kill-munmap tick 1\n")
	if err := syscall.Kill(tg.pid, syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	tg.wait(t, "filters 7\n")
	r := testutil.Ctl(t, "unpatch", "-p", tg.p())
	oneLineError(t, r, fmt.Sprintf("pid %d: munmap(0x", tg.pid))
	want := regexp.MustCompile(`munmap\(0x[0-9a-f]+, 0x[0-9a-f]+\) would be killed by the process's seccomp filter \(SECCOMP_RET_KILL_PROCESS\)`)
	if !want.MatchString(r.Stderr) {
		t.Errorf("got stderr %q, want a line matching %q", r.Stderr, want)
	}
	tg.skip()
	tg.wait(t, "seccomp usr1-kill-munmap tick 1\n")
	if pi := info(t, tg.pid); len(pi.Objects) != 1 || len(pi.Objects[0].Patches) != 1 {
		t.Errorf("got info %+v, want the patch still applied", pi)
	}
	testutil.CheckUntraced(t, tg.pid)
}

// seccompTarget starts fixtures/ctl/seccomp with policy.
func seccompTarget(t *testing.T, bin, policy string) *target {
	t.Helper()
	testutil.MustHavePtrace(t)
	cmd, out := testutil.StartTarget(t, bin, policy)
	return &target{pid: cmd.Process.Pid, out: out, bin: bin}
}

// TestSeccompUnprivileged runs libcare-ctl and its target as nobody:
// without CAP_SYS_ADMIN the filters cannot be read, so a process under a
// filter is refused (whatever the filter says), and a process with no
// policy is patched as usual (the modes are read from /proc in the stop).
func TestSeccompUnprivileged(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipping test: needs root to run as another user")
	}
	pb := buildPatch(t, testutil.CopyFixture(t, "ctl"),
		testutil.ManualOpts{Orig: "seccomp.c", Patched: "seccomp.patched.c", LDFlags: []string{"-pthread"}})
	open, err := os.MkdirTemp("", "ctl-seccomp-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(open)
	ctl, bin, patch := filepath.Join(open, "libcare-ctl"), filepath.Join(open, "seccomp"), filepath.Join(open, "seccomp.kpatch")
	copyFile(t, testutil.Tool(t, "libcare-ctl"), ctl)
	copyFile(t, pb.Binary, bin)
	copyFile(t, pb.Kpatch, patch)
	for _, p := range []string{open, ctl, bin, patch} {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	nobody := &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	run := func(args ...string) (string, string, error) {
		cmd := exec.Command(ctl, args...)
		cmd.SysProcAttr = nobody
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return stdout.String(), stderr.String(), err
	}

	tg := nobodyTarget(t, bin, "allow", nobody)
	tg.wait(t, "seccomp allow tick 0\n")
	_, stderr, err := run("patch", "-p", tg.p(), patch)
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 255 {
		t.Fatalf("got %v, want exit 255", err)
	}
	want := fmt.Sprintf("pid %d runs under seccomp filters that cannot be read (PTRACE_SECCOMP_GET_FILTER needs CAP_SYS_ADMIN", tg.pid)
	if !strings.HasPrefix(stderr, want) || strings.Count(stderr, "\n") != 1 {
		t.Errorf("got stderr %q, want one line starting %q", stderr, want)
	}
	testutil.CheckUntraced(t, tg.pid)
	tg.skip()
	tg.wait(t, "seccomp allow tick 0\n")

	tg = nobodyTarget(t, bin, "none", nobody)
	tg.wait(t, "seccomp none tick 0\n")
	if stdout, stderr, err := run("patch", "-p", tg.p(), patch); err != nil {
		t.Fatalf("patch as nobody: %v\n%s%s", err, stdout, stderr)
	}
	tg.skip()
	tg.wait(t, "seccomp none tick 1\n")
	if stdout, stderr, err := run("unpatch", "-p", tg.p()); err != nil {
		t.Fatalf("unpatch as nobody: %v\n%s%s", err, stdout, stderr)
	}
	tg.skip()
	tg.wait(t, "seccomp none tick 0\n")
	testutil.CheckUntraced(t, tg.pid)
}

// nobodyTarget starts bin with policy as the user of attr; a cleanup kills
// it by pid and reaps it.
func nobodyTarget(t *testing.T, bin, policy string, attr *syscall.SysProcAttr) *target {
	t.Helper()
	testutil.MustHavePtrace(t)
	out := &testutil.Output{}
	cmd := exec.Command(bin, policy)
	cmd.SysProcAttr = attr
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	t.Cleanup(func() {
		syscall.Kill(pid, syscall.SIGKILL)
		waited := make(chan struct{})
		go func() { cmd.Wait(); close(waited) }()
		select {
		case <-waited:
		case <-time.After(waitTime):
			t.Errorf("target %s (pid %d) not reaped %v after SIGKILL", bin, pid, waitTime)
		}
	})
	return &target{pid: pid, out: out, bin: bin}
}
