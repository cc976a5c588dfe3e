//go:build linux && amd64

package ctl_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/testutil"
)

// ctlRun is a libcare-ctl running in the background; its output can be
// polled while it runs.
type ctlRun struct {
	cmd            *exec.Cmd
	stdout, stderr *testutil.Output
	done           chan struct{}
	err            error
}

// startCtl starts bin (libcare-ctl) with args and env added; a cleanup
// kills it by pid if the test ends first.
func startCtl(t *testing.T, bin string, env []string, args ...string) *ctlRun {
	t.Helper()
	c := &ctlRun{cmd: exec.Command(bin, args...), stdout: &testutil.Output{}, stderr: &testutil.Output{}, done: make(chan struct{})}
	c.cmd.Env = append(os.Environ(), env...)
	c.cmd.Stdout, c.cmd.Stderr = c.stdout, c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.err = c.cmd.Wait(); close(c.done) }()
	t.Cleanup(func() {
		select {
		case <-c.done:
		default:
			c.cmd.Process.Kill()
			<-c.done
		}
	})
	return c
}

// wait waits for the run to end and returns its exit status (-1 when a
// signal ended it) and that signal.
func (c *ctlRun) wait(t *testing.T) (int, syscall.Signal) {
	t.Helper()
	select {
	case <-c.done:
	case <-time.After(60 * time.Second):
		t.Fatalf("libcare-ctl %v still running after 60s\n%s%s", c.cmd.Args[1:], c.stdout, c.stderr)
	}
	var ee *exec.ExitError
	if c.err != nil && !errors.As(c.err, &ee) {
		t.Fatal(c.err)
	}
	ws := c.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		return -1, ws.Signal()
	}
	return ws.ExitStatus(), 0
}

// waitFor polls the run's stdout until it contains s.
func (c *ctlRun) waitFor(t *testing.T, s string) {
	t.Helper()
	for deadline := time.Now().Add(waitTime); !strings.Contains(c.stdout.String(), s); time.Sleep(2 * time.Millisecond) {
		select {
		case <-c.done:
			t.Fatalf("libcare-ctl ended before printing %q\n%s%s", s, c.stdout, c.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("libcare-ctl printed no %q in %v\n%s", s, waitTime, c.stdout)
		}
	}
}

// sighandlerTarget runs fixtures/ctl/sighandler.c with a FIFO the test
// writes to release the handler.
type sighandlerTarget struct {
	*target
	fifo *os.File
}

func startSighandler(t *testing.T, bin string, altstack bool) *sighandlerTarget {
	t.Helper()
	path := filepath.Join(t.TempDir(), "release")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{path}
	if altstack {
		args = append(args, "altstack")
	}
	testutil.MustHavePtrace(t)
	cmd, out := testutil.StartTarget(t, bin, args...)
	// O_RDWR: opening never blocks, whatever the target has done yet.
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return &sighandlerTarget{target: &target{pid: cmd.Process.Pid, out: out, bin: bin}, fifo: f}
}

// interrupt makes work spin, then interrupts it there with the handler,
// which blocks until release.
func (tg *sighandlerTarget) interrupt(t *testing.T, patched string) {
	t.Helper()
	tg.skip()
	syscall.Kill(tg.pid, syscall.SIGUSR2)
	tg.wait(t, "spinning"+patched+"\n")
	syscall.Kill(tg.pid, syscall.SIGUSR1)
	tg.wait(t, "in handler\n")
}

func (tg *sighandlerTarget) release(t *testing.T) {
	t.Helper()
	if _, err := tg.fifo.Write([]byte{1}); err != nil {
		t.Fatal(err)
	}
}

// TestSafetySignalFrame: a signal handler blocks while the function it
// interrupted is the one to patch (then unpatch): no return address into
// the function is on the stack, only the signal frame's saved pc (on the
// thread's stack or, with a sigaltstack, on another one). patch refuses
// after --timeout naming the function, or waits until the handler
// returns; unpatch waits likewise for the new code.
func TestSafetySignalFrame(t *testing.T) {
	dir := testutil.CopyFixture(t, "ctl")
	pb := buildPatch(t, dir, testutil.ManualOpts{Orig: "sighandler.c", Patched: "sighandler.patched.c"})
	ctl := testutil.Tool(t, "libcare-ctl")
	for _, altstack := range []bool{false, true} {
		t.Run(fmt.Sprintf("altstack=%v", altstack), func(t *testing.T) {
			tg := startSighandler(t, pb.Binary, altstack)
			tg.wait(t, "work 1\n")
			text := testutil.ProcessText(t, tg.pid, pb.Binary)

			tg.interrupt(t, "")
			r := testutil.Ctl(t, "patch", "-p", tg.p(), "--timeout", "300ms", pb.Kpatch)
			oneLineError(t, r, fmt.Sprintf("safety check failed: thread %d is inside work", tg.pid))
			tg.release(t)
			tg.wait(t, "handler done\n")
			untouched(t, tg.target, text, "work ")

			tg.interrupt(t, "")
			run := startCtl(t, ctl, nil, "-v", "patch", "-p", tg.p(), "--timeout", "30s", pb.Kpatch)
			run.waitFor(t, "is inside work")
			tg.release(t)
			if code, sig := run.wait(t); code != 0 {
				t.Fatalf("patch: exit %d (signal %v)\n%s%s", code, sig, run.stdout, run.stderr)
			}
			wantLines(t, run.stdout.String(), fmt.Sprintf("1 patch hunk(s) have been successfully applied to PID '%d'", tg.pid))
			tg.wait(t, "handler done\n")
			tg.wait(t, " patched\n")
			testutil.CheckUntraced(t, tg.pid)

			tg.interrupt(t, " patched")
			run = startCtl(t, ctl, nil, "-v", "unpatch", "-p", tg.p(), "--timeout", "30s")
			run.waitFor(t, "is inside work")
			tg.release(t)
			if code, sig := run.wait(t); code != 0 {
				t.Fatalf("unpatch: exit %d (signal %v)\n%s%s", code, sig, run.stdout, run.stderr)
			}
			tg.wait(t, "handler done\n")
			untouched(t, tg.target, text, "work ")
			if strings.Contains(tg.out.String()[tg.mark:], "patched") {
				t.Errorf("patched output after unpatch")
			}
		})
	}
}

// TestInterruptedByTerm sends SIGTERM (patch) and SIGINT (unpatch) to a
// libcare-ctl waiting for a function that never leaves the stack: it rolls
// back, says so and ends by the signal; the target runs on, untraced, as
// before.
func TestInterruptedByTerm(t *testing.T) {
	dir := testutil.CopyFixture(t, "ctl")
	ctl := testutil.Tool(t, "libcare-ctl")
	t.Run("patch", func(t *testing.T) {
		pb := buildPatch(t, dir, testutil.ManualOpts{Orig: "spin.c", Patched: "spin.patched.c"})
		tg := startTarget(t, pb.Binary)
		tg.wait(t, "spin ")
		text := testutil.ProcessText(t, tg.pid, pb.Binary)
		run := startCtl(t, ctl, nil, "-v", "patch", "-p", tg.p(), "--timeout", "30s", pb.Kpatch)
		run.waitFor(t, "is inside spin")
		run.cmd.Process.Signal(syscall.SIGTERM)
		if code, sig := run.wait(t); sig != syscall.SIGTERM {
			t.Errorf("got exit %d, signal %v; want death by SIGTERM", code, sig)
		}
		if want := "interrupted by SIGTERM: patch rolled back\n"; run.stderr.String() != want {
			t.Errorf("got stderr %q, want %q", run.stderr, want)
		}
		untouched(t, tg, text, "spin ")
	})
	t.Run("unpatch", func(t *testing.T) {
		pb := buildPatch(t, dir, testutil.ManualOpts{Orig: "loop.c", Patched: "loop.patched.c"})
		tg := startTarget(t, pb.Binary)
		tg.wait(t, "loop tick\n")
		testutil.MustCtl(t, "patch", "-p", tg.p(), pb.Kpatch)
		tg.wait(t, "loop patched")
		patched := testutil.ProcessText(t, tg.pid, pb.Binary)
		run := startCtl(t, ctl, nil, "-v", "unpatch", "-p", tg.p(), "--timeout", "30s")
		run.waitFor(t, "is inside tick")
		run.cmd.Process.Signal(syscall.SIGINT)
		// Death by SIGINT, raised again once the target is safe; or exit
		// 255 where SIGINT was ignored when libcare-ctl started (a
		// background job of a shell).
		if code, sig := run.wait(t); sig != syscall.SIGINT && code != 255 {
			t.Errorf("got exit %d, signal %v; want death by SIGINT or exit 255", code, sig)
		}
		if want := "interrupted by SIGINT: unpatch rolled back\n"; run.stderr.String() != want {
			t.Errorf("got stderr %q, want %q", run.stderr, want)
		}
		testutil.CheckUntraced(t, tg.pid)
		if got := testutil.ProcessText(t, tg.pid, pb.Binary); !reflect.DeepEqual(got, patched) {
			t.Errorf("code changed by an interrupted unpatch")
		}
		tg.skip()
		tg.wait(t, "loop patched")
		if pi := info(t, tg.pid); len(pi.Objects) != 1 || len(pi.Objects[0].Patches) != 1 {
			t.Errorf("got info %+v, want the patch still applied", pi)
		}
	})
}

// lastEINTR returns the EINTR count of the last complete line of
// fixtures/ctl/eintr.c's output.
func lastEINTR(t *testing.T, out string) int {
	t.Helper()
	lines := strings.Split(out, "\n")
	for i := len(lines) - 2; i >= 0; i-- {
		if _, v, ok := strings.Cut(lines[i], "eintr "); ok {
			var n int
			if _, err := fmt.Sscan(v, &n); err == nil {
				return n
			}
		}
	}
	t.Fatalf("no eintr line in %q", tail(out))
	return 0
}

// TestOneStop: a thread waiting in epoll_wait sees one EINTR per stop of
// the process (kernel behaviour); patch and unpatch each stop it once
// (plus one per slice the safety check let it run, counted from -v).
func TestOneStop(t *testing.T) {
	dir := testutil.CopyFixture(t, "ctl")
	pb := buildPatch(t, dir, testutil.ManualOpts{Orig: "eintr.c", Patched: "eintr.patched.c", LDFlags: []string{"-pthread"}})
	tg := startTarget(t, pb.Binary)
	for i, step := range []struct {
		args []string
		want string
	}{
		{[]string{"patch", "-p", tg.p(), pb.Kpatch}, "tick patched eintr"},
		{[]string{"unpatch", "-p", tg.p()}, "tick eintr"},
	} {
		tg.wait(t, "tick ")
		tg.wait(t, "\n")
		before := lastEINTR(t, tg.out.String())
		r := testutil.MustCtl(t, append([]string{"-v"}, step.args...)...)
		slices := strings.Count(r.Stdout, ": running for ")
		tg.skip()
		tg.wait(t, step.want)
		tg.wait(t, step.want) // a line printed wholly after the run
		tg.wait(t, "\n")
		got := lastEINTR(t, tg.out.String()) - before
		if got != 1+slices {
			t.Errorf("%s: got %d EINTR(s), want %d (one stop, %d slice(s) run)", step.args[0], got, 1+slices, slices)
		}
		if i == 0 && slices > 0 {
			t.Logf("%s: the safety check ran %d slice(s)", step.args[0], slices)
		}
	}
}

// killedCtl runs libcare-ctl built with the test hook, which SIGKILLs
// itself before the target's n+1-th change (apply/testhook.go); killed is
// false when it finished first (then it must have succeeded).
func killedCtl(t *testing.T, n int, args ...string) (killed bool) {
	t.Helper()
	run := startCtl(t, testutil.HookedTool(t, "libcare-ctl"), []string{fmt.Sprintf("GOLIBCARE_TEST_KILL_AFTER_CHANGE=%d", n)}, args...)
	code, sig := run.wait(t)
	switch {
	case sig == syscall.SIGKILL:
		return true
	case code != 0:
		t.Fatalf("libcare-ctl %v, kill after %d changes: exit %d, signal %v\n%s%s", args, n, code, sig, run.stdout, run.stderr)
	}
	return false
}

// TestKilledRuns kills libcare-ctl before each change it makes to the
// target (for real: SIGKILL), in patch and in unpatch, and checks that the
// target runs all-old or all-new code, that info, patch or unpatch (in
// turn) repair the leftover and say so, and that patch and unpatch then
// work.
func TestKilledRuns(t *testing.T) {
	dir := testutil.CopyFixture(t, "ctl")
	pb := buildPatch(t, dir, testutil.ManualOpts{Orig: "foo.c", Patched: "bar.c"})
	tg := startTarget(t, pb.Binary)
	tg.wait(t, "Hello world!\n")
	text := testutil.ProcessText(t, tg.pid, pb.Binary)
	old := func(when string) {
		t.Helper()
		testutil.CheckUntraced(t, tg.pid)
		if got := testutil.ProcessText(t, tg.pid, pb.Binary); !reflect.DeepEqual(got, text) {
			t.Fatalf("%s: code differs from the original", when)
		}
		if n := testutil.AnonExec(t, tg.pid); n != 0 {
			t.Fatalf("%s: got %d anonymous executable mappings, want 0", when, n)
		}
		tg.skip()
		tg.wait(t, "Hello world!\n")
	}
	patched := func(when string) {
		t.Helper()
		testutil.CheckUntraced(t, tg.pid)
		if pi := info(t, tg.pid); len(pi.Objects) != 1 || len(pi.Objects[0].Patches) != 1 {
			t.Fatalf("%s: got info %+v, want one patch", when, pi)
		}
		tg.skip()
		tg.wait(t, "Hello world being patched!\n")
	}

	for n := 0; ; n++ {
		when := fmt.Sprintf("patch killed after %d change(s)", n)
		if !killedCtl(t, n, "patch", "-p", tg.p(), pb.Kpatch) {
			patched(when + " (finished)")
			break
		}
		if n > 20 {
			t.Fatalf("patch still killed after %d changes", n)
		}
		testutil.CheckUntraced(t, tg.pid)
		// From the mmap on, the region is recognised: by the region
		// journal until the header is written (journal.go), then by it.
		leftover := n >= 1
		repaired := func(out string) bool {
			return strings.Contains(out, "repaired: ") && (n == 1 || strings.Contains(out, "patch 0001 of foo"))
		}
		switch n % 3 {
		case 0:
			r := testutil.MustCtl(t, "info", "-p", tg.p())
			if repaired(r.Stderr) != leftover {
				t.Errorf("%s: info stderr %q, want a repair line: %v", when, r.Stderr, leftover)
			}
			old(when + ", then info")
		case 1:
			r := testutil.MustCtl(t, "patch", "-p", tg.p(), pb.Kpatch)
			if repaired(r.Stdout) != leftover {
				t.Errorf("%s: patch stdout %q, want a repair line: %v", when, r.Stdout, leftover)
			}
			patched(when + ", then patch")
			testutil.MustCtl(t, "unpatch", "-p", tg.p())
			old(when + ", then patch and unpatch")
		case 2:
			r := testutil.Ctl(t, "unpatch", "-p", tg.p())
			if repaired(r.Stdout) != leftover {
				t.Errorf("%s: unpatch stdout %q, want a repair line: %v", when, r.Stdout, leftover)
			}
			old(when + ", then unpatch")
		}
	}

	applied := true
	for n := 0; ; n++ {
		when := fmt.Sprintf("unpatch killed after %d change(s)", n)
		if !applied {
			testutil.MustCtl(t, "patch", "-p", tg.p(), pb.Kpatch)
			patched(when + ": patch")
		}
		if !killedCtl(t, n, "unpatch", "-p", tg.p()) {
			old(when + " (finished)")
			break
		}
		if n > 20 {
			t.Fatalf("unpatch still killed after %d changes", n)
		}
		testutil.CheckUntraced(t, tg.pid)
		if n == 0 {
			patched(when) // nothing changed yet
			continue
		}
		// The original bytes are back: whatever repairs it, the patch is
		// gone.
		var out string
		if n%2 == 0 {
			r := testutil.MustCtl(t, "info", "-p", tg.p())
			out = r.Stderr
		} else {
			out = testutil.MustCtl(t, "patch", "-p", tg.p(), pb.Kpatch).Stdout
			patched(when + ", then patch")
			testutil.MustCtl(t, "unpatch", "-p", tg.p())
		}
		applied = false
		if !strings.Contains(out, "repaired: ") {
			t.Errorf("%s: got %q, want a repair line", when, out)
		}
		old(when + ", then repaired")
	}
}
