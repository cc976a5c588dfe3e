package startup

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/testutil"
	"github.com/golibcare/golibcare/internal/watch"
)

const waitTimeout = 10 * time.Second

// TestPatchAtEntry starts hello with its entry point delayed 300 ms by a
// preloaded constructor, catches its exec and patches it from an empty
// storage: it must be caught at its entry point with nothing to apply,
// and then run normally.
func TestPatchAtEntry(t *testing.T) {
	testutil.MustHaveGCC(t)
	testutil.MustHavePtrace(t)
	root, dir := testutil.RepoRoot(t), t.TempDir()
	hello, slow := filepath.Join(dir, "hello"), filepath.Join(dir, "slowinit.so")
	testutil.Run(t, dir, "gcc", "-O2", "-o", hello, filepath.Join(root, "fixtures", "server", "hello.c"))
	testutil.Run(t, dir, "gcc", "-shared", "-fPIC", "-o", slow, filepath.Join(root, "fixtures", "server", "slowinit.c"))
	w, err := watch.Listen()
	if err != nil {
		t.Skipf("skipping test: process events unavailable: %v", err)
	}
	defer w.Close()
	out := &testutil.Output{}
	cmd := exec.Command(hello)
	cmd.Env = append(os.Environ(), "LD_PRELOAD="+slow)
	cmd.Stdout = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	waitExec(t, w, pid)
	var log strings.Builder
	reached, err := Patcher{}.PatchAtEntry(context.Background(), pid, t.TempDir(), &log)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if !reached {
		t.Errorf("not caught before the entry point")
	}
	if want := fmt.Sprintf("No patch(es) applicable to PID '%d' have been found\n", pid); !strings.Contains(log.String(), want) {
		t.Errorf("got output\n%s\nwant %q", log.String(), want)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("hello: %v", err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("hello did not finish after the patch")
	}
	if got, want := out.String(), fmt.Sprintf("hello from %d\n", pid); got != want {
		t.Errorf("output: got %q, want %q", got, want)
	}
}

func waitExec(t *testing.T, w *watch.Watcher, pid int) {
	t.Helper()
	w.SetDeadline(time.Now().Add(waitTimeout))
	for {
		ev, err := w.Next()
		if err != nil {
			t.Fatalf("waiting for the exec of %d: %v", pid, err)
		}
		if ev.Kind == watch.KindExec && ev.Pid == pid {
			return
		}
	}
}
