package ptrace_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/ptrace"
	"github.com/golibcare/golibcare/internal/testutil"
	"golang.org/x/sys/unix"
)

// childEnv makes the test binary run killScenario instead of the tests
// (TestMain): "PID CHECKER SLEEPER READER WAITER POLLER CLOBBER".
const childEnv = "GOLIBCARE_PTRACE_TEST_CHILD"

// childTimeout bounds one run of the scenario.
const childTimeout = 30 * time.Second

var (
	hookedOnce sync.Once
	hookedPath string
	hookedErr  error
)

// hookedTestBinary builds this package's tests with the test hook
// (ptrace.TestHookTag), once.
func hookedTestBinary(t *testing.T) string {
	t.Helper()
	hookedOnce.Do(func() {
		hookedPath = filepath.Join(binDir, "ptrace.hooked.test")
		cmd := exec.Command("go", "test", "-c", "-tags", ptrace.TestHookTag, "-o", hookedPath, "./internal/ptrace")
		cmd.Dir = testutil.RepoRoot(t)
		if b, err := cmd.CombinedOutput(); err != nil {
			hookedErr = fmt.Errorf("go test -c -tags %s: %v\n%s", ptrace.TestHookTag, err, b)
		}
	})
	if hookedErr != nil {
		t.Fatal(hookedErr)
	}
	return hookedPath
}

// TestKillAnywhere SIGKILLs the tracer right after each of its ptrace
// requests in turn, during a scenario that stops the survivor fixture,
// runs remote mmap, mprotect, munmap and calls on each of its threads
// (busy in user space, in nanosleep, read, futex and epoll_wait), resumes
// it, lets it run, stops it again and detaches. After every kill the
// fixture must run on untraced, every thread making progress with all its
// checks passing (registers, vector registers, MXCSR, system call
// results), and no byte of its text may have changed. Meanwhile numbered
// SIGRTMIN keep coming from another process: each must arrive once, as
// sent, whatever instant the tracer died at.
func TestKillAnywhere(t *testing.T) {
	const signals = 20000
	bin := hookedTestBinary(t)
	s := startSurvivor(t)
	text := s.text(t)
	snd := startSender(t, s.pid, signals, 2*time.Millisecond)
	countFile := filepath.Join(t.TempDir(), "count")
	if killed, err := s.runChild(bin, 0, countFile); killed || err != nil {
		t.Fatalf("scenario without a kill: killed %v, %v", killed, err)
	}
	s.check(t, "after the scenario", text)
	b, err := os.ReadFile(countFile)
	if err != nil {
		t.Fatal(err)
	}
	total, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || total < 20 {
		t.Fatalf("request count %q: %v, want a number of at least 20", b, err)
	}
	t.Logf("the scenario makes %d ptrace requests", total)
	kills := 0
	for n := 1; n <= total; n++ {
		killed, err := s.runChild(bin, n, "")
		if err != nil {
			t.Fatalf("kill at request %d: %v", n, err)
		}
		if killed {
			kills++
		}
		s.check(t, fmt.Sprintf("after a kill at request %d of %d", n, total), text)
	}
	if kills < total/2 {
		t.Errorf("got %d kills in %d runs, want most runs to reach their request", kills, total)
	}
	t.Logf("sender: %s", snd.result(t))
	s.checkQueued(t, snd.pid, signals)
}

// runChild runs the scenario in bin against the fixture, killed after
// request n (none when 0), writing the request count to countFile when
// set. killed tells whether it died of the SIGKILL.
func (s *survivor) runChild(bin string, n int, countFile string) (killed bool, err error) {
	spec := fmt.Sprintf("%d %d %d %d %d %d %d", s.pid, s.tids["checker"], s.tids["sleeper"],
		s.tids["reader"], s.tids["waiter"], s.tids["poller"], s.clobber)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), childEnv+"="+spec)
	if n > 0 {
		cmd.Env = append(cmd.Env, fmt.Sprintf("%s=%d", ptrace.TestKillAfterEnv, n))
	}
	if countFile != "" {
		cmd.Env = append(cmd.Env, ptrace.TestCountFileEnv+"="+countFile)
	}
	out := &testutil.Output{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return false, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(childTimeout):
		cmd.Process.Kill()
		<-done
		return false, fmt.Errorf("scenario did not finish within %v\n%s", childTimeout, out)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true, nil
		}
	}
	if err != nil {
		return false, fmt.Errorf("scenario: %v\n%s", err, out)
	}
	return false, nil
}

// childMain runs the scenario when the test binary was started by
// runChild; it returns the exit code.
func childMain(spec string) int {
	if err := killScenario(spec); err != nil {
		fmt.Fprintln(os.Stderr, "scenario:", err)
		return 1
	}
	return 0
}

// killScenario is the tracer's side of TestKillAnywhere.
func killScenario(spec string) error {
	var pid, checker, sleeper, reader, waiter, poller int
	var clobber uint64
	if _, err := fmt.Sscan(spec, &pid, &checker, &sleeper, &reader, &waiter, &poller, &clobber); err != nil {
		return fmt.Errorf("spec %q: %w", spec, err)
	}
	p, err := ptrace.Seize(pid)
	if err != nil {
		return err
	}
	defer p.Detach()
	if err := p.Stop(); err != nil {
		return err
	}
	for _, tid := range []int{0, checker, sleeper, reader, waiter, poller} {
		if err := remoteRound(p, tid, clobber); err != nil {
			return fmt.Errorf("thread %d: %w", tid, err)
		}
	}
	if err := p.RunFor(2 * time.Millisecond); err != nil {
		return err
	}
	if err := remoteRound(p, 0, clobber); err != nil {
		return err
	}
	if err := p.Resume(); err != nil {
		return err
	}
	return p.Detach()
}

// remoteRound maps a page on thread tid (0: any), writes it, makes it
// read-only, calls clobber and unmaps the page.
func remoteRound(p *ptrace.Process, tid int, clobber uint64) error {
	addr, err := p.SyscallOn(tid, 0, unix.SYS_MMAP, 0, 4096, unix.PROT_READ|unix.PROT_WRITE,
		unix.MAP_PRIVATE|unix.MAP_ANONYMOUS, ^uint64(0), 0)
	if err != nil {
		return err
	}
	if _, err := p.WriteAt([]byte("written by the tracer"), int64(addr)); err != nil {
		return err
	}
	if _, err := p.SyscallOn(tid, 0, unix.SYS_MPROTECT, addr, 4096, unix.PROT_READ); err != nil {
		return err
	}
	if got, err := p.CallOn(tid, clobber, 40, 2); err != nil || got != 42 {
		return fmt.Errorf("clobber(40, 2): got %d, %v, want 42", got, err)
	}
	_, err = p.SyscallOn(tid, 0, unix.SYS_MUNMAP, addr, 4096)
	return err
}
