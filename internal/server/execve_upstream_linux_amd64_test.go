package server

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/golibcare/golibcare/internal/procfs"
	"github.com/golibcare/golibcare/internal/testutil"
)

// upstreamBuild is LibcarePlus's helper as fixtures/server reproduces it,
// two launchers (execve from main, and from a second thread), and the
// loop program with its level-1 patch.
type upstreamBuild struct {
	so, launcher, threadLauncher string
	patch                        *testutil.PatchBuild
}

func buildUpstream(t *testing.T) upstreamBuild {
	t.Helper()
	testutil.MustHaveGCC(t)
	testutil.MustHavePtrace(t)
	root, dir := testutil.RepoRoot(t), t.TempDir()
	src := func(name string) string { return filepath.Join(root, "fixtures", "server", name) }
	b := upstreamBuild{so: filepath.Join(dir, "upstream_execve.so"),
		launcher: filepath.Join(dir, "launcher"), threadLauncher: filepath.Join(dir, "thread_launcher")}
	testutil.Run(t, dir, "gcc", "-shared", "-fPIC", "-Wall", "-Werror", "-o", b.so, src("upstream_execve.c"), "-ldl")
	testutil.Run(t, dir, "gcc", "-O2", "-o", b.launcher, src("launcher.c"))
	testutil.Run(t, dir, "gcc", "-O2", "-pthread", "-o", b.threadLauncher, src("thread_launcher.c"))
	for _, f := range []string{"loop.c", "loop.patched.c"} {
		c, err := os.ReadFile(src(f))
		if err != nil {
			t.Fatal(err)
		}
		testutil.WriteFile(t, dir, f, string(c))
	}
	b.patch = testutil.BuildManualPatch(t, testutil.ManualOpts{Dir: dir, Orig: "loop.c", Patched: "loop.patched.c", ID: "0001"})
	return b
}

// upstreamRun is a launcher started with the upstream helper preloaded.
// Nothing waits for it before it is a zombie: the server traces it from
// this process, where a wait by its parent would take the tracer's stops
// (kernel wait_consider_task: tracer and parent in one thread group).
type upstreamRun struct {
	cmd *exec.Cmd
	pid int
	out *testutil.Output
}

func (b upstreamBuild) start(t *testing.T, launcher, sock, prog string) upstreamRun {
	t.Helper()
	r := upstreamRun{out: &testutil.Output{}}
	r.cmd = exec.Command(launcher, prog)
	r.cmd.Env = append(os.Environ(), "LD_PRELOAD="+b.so, "LIBCARE_CTL_UNIX="+sock)
	r.cmd.Stdout, r.cmd.Stderr = r.out, r.out
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r.pid = r.cmd.Process.Pid
	t.Cleanup(func() {
		syscall.Kill(r.pid, syscall.SIGKILL)
		waited := make(chan struct{})
		go func() { r.cmd.Wait(); close(waited) }()
		select {
		case <-waited:
		case <-time.After(waitTimeout):
			t.Errorf("pid %d not reaped after SIGKILL", r.pid)
		}
	})
	return r
}

// TestUpstreamHelper runs programs through a helper that behaves like
// LibcarePlus's (an unconditional int3 before the execve) against the
// server: none may die of that SIGTRAP; with a patch in storage the program
// prints patched output from its first line on; a failed execve leaves the
// old program running on.
func TestUpstreamHelper(t *testing.T) {
	b := buildUpstream(t)
	patched, empty := t.TempDir(), t.TempDir()
	copyFile(t, b.patch.Kpatch, filepath.Join(patched, b.patch.BuildID+".kpatch"))
	missing := filepath.Join(t.TempDir(), "missing")
	tests := []struct {
		name, storage, launcher, prog string
		lines                         []string // first line, then a later one
		exitCode                      int      // for a failed execve: the launcher's exit
	}{
		{"patched", patched, b.launcher, b.patch.Binary, []string{"0 PATCHED level 1", "5 PATCHED level 1"}, 0},
		{"patched from a thread", patched, b.threadLauncher, b.patch.Binary, []string{"0 PATCHED level 1", "5 PATCHED level 1"}, 0},
		{"empty storage", empty, b.launcher, b.patch.Binary, []string{"0 UNPATCHED", "5 UNPATCHED"}, 0},
		{"exec fails", patched, b.launcher, missing, []string{"execve: No such file or directory"}, 127},
		{"exec fails from a thread", patched, b.threadLauncher, missing, []string{"execve: No such file or directory"}, 127},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, sock := startServerCfg(t, Config{Storage: tt.storage})
			r := b.start(t, tt.launcher, sock, tt.prog)
			if got := r.firstLine(t); got != tt.lines[0] {
				t.Fatalf("first line: got %q, want %q", got, tt.lines[0])
			}
			if tt.exitCode != 0 {
				checkExit(t, r, tt.exitCode)
				return
			}
			testutil.WaitOutput(t, r.out, tt.lines[1], waitTimeout)
			checkFree(t, r.pid)
		})
	}
}

// firstLine waits for the first line of output.
func (r upstreamRun) firstLine(t *testing.T) string {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		if s := r.out.String(); strings.Contains(s, "\n") {
			return s[:strings.IndexByte(s, '\n')]
		}
		// No early exit check here: while a thread execs, the old leader
		// is a zombie that the server's thread group (this test process,
		// tracer and parent at once) may see as waitable, and reaping it
		// would be wrong. A program killed by the int3 shows as no output.
		if time.Now().After(deadline) {
			t.Fatalf("no output after %v (killed by the int3's SIGTRAP?)", waitTimeout)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// checkExit waits for the launcher to exit with code, not by a signal.
func checkExit(t *testing.T, r upstreamRun, code int) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !exited(t, r.pid) {
		if time.Now().After(deadline) {
			t.Fatalf("launcher did not exit; output %q", r.out.String())
		}
		time.Sleep(2 * time.Millisecond)
	}
	err := r.cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != code {
		t.Errorf("launcher: got %v, want exit status %d", err, code)
	}
}

// exited reports whether the child pid has exited, without reaping it. A
// "Z" in /proc/PID/status is not enough: while another thread execs, the
// thread-group leader shows as a zombie until the exec takes over its pid.
// The test must not reap a child the server may still trace, hence WNOWAIT.
func exited(t *testing.T, pid int) bool {
	t.Helper()
	var info unix.Siginfo
	err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil)
	if err != nil {
		t.Fatalf("waitid %d: %v", pid, err)
	}
	// Linux leaves si_signo 0 when WNOHANG finds nothing waitable.
	return info.Signo == int32(unix.SIGCHLD)
}

// checkFree checks that pid runs on untraced and not stopped.
func checkFree(t *testing.T, pid int) {
	t.Helper()
	st, err := procfs.ReadStatus(pid)
	if err != nil {
		t.Fatal(err)
	}
	if st.TracerPid != 0 || st.State == "t" || st.State == "T" {
		t.Errorf("pid %d: got TracerPid %d state %s, want untraced and running", pid, st.TracerPid, st.State)
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
