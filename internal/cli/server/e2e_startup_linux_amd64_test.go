package server

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/audit"
	"github.com/golibcare/golibcare/internal/server"
	"github.com/golibcare/golibcare/internal/server/startup"
	"github.com/golibcare/golibcare/internal/testutil"
	"github.com/golibcare/golibcare/internal/watch"
)

// storageFor returns a storage directory holding b's patch.
func storageFor(t *testing.T, b *testutil.PatchBuild) string {
	t.Helper()
	storage := t.TempDir()
	copyFile(t, b.Kpatch, filepath.Join(storage, b.BuildID+".kpatch"))
	return storage
}

// firstLine waits for the first complete line of output.
func firstLine(t *testing.T, out *testutil.Output) string {
	t.Helper()
	s := testutil.WaitOutput(t, out, "\n", waitTime)
	return s[:strings.IndexByte(s, '\n')]
}

// TestE2EPreload: a program started through the preload helper after its
// patch is in storage prints patched output from its first line.
func TestE2EPreload(t *testing.T) {
	b := loopLevel1(t)
	testutil.MustHavePtrace(t)
	dir := t.TempDir()
	root := testutil.RepoRoot(t)
	so, launcher := filepath.Join(dir, "execve.so"), filepath.Join(dir, "launcher")
	testutil.Run(t, dir, "gcc", "-shared", "-fPIC", "-O2", "-o", so, filepath.Join(root, "preload", "execve.c"), "-ldl")
	testutil.Run(t, dir, "gcc", "-o", launcher, filepath.Join(root, "fixtures", "server", "launcher.c"))
	_, sock := serve(t, storageFor(t, b))
	out := &testutil.Output{}
	cmd := exec.Command(launcher, b.Binary)
	cmd.Env = append(os.Environ(), "LD_PRELOAD="+so, "LIBCARE_CTL_UNIX="+sock)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() })
	if got, want := firstLine(t, out), "0 PATCHED level 1"; got != want {
		t.Errorf("first line: got %q, want %q", got, want)
	}
}

// TestE2EWatch: with the exec watcher, a program started after its patch is
// in storage is patched right after its exec; the test reports how long
// after.
func TestE2EWatch(t *testing.T) {
	b := loopLevel1(t)
	testutil.MustHavePtrace(t)
	w, err := watch.Listen()
	if err != nil {
		t.Skipf("skipping test: process events unavailable: %v", err)
	}
	res := make(chan server.WatchReport, 16)
	s := server.New(server.Config{Storage: storageFor(t, b), Log: testLog{t},
		OnWatchPatch: func(r server.WatchReport) { res <- r }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	trail := &auto{trail: &syncBuf{b: &bytes.Buffer{}}}
	logger, _ := audit.NewLogger(trail.trail, audit.FormatJSON)
	go func() { done <- s.Watch(ctx, w, startup.Patcher{Audit: execAudit(logger)}) }()
	defer func() {
		cancel()
		w.Close()
		select {
		case <-done:
		case <-time.After(waitTime):
			t.Error("Watch did not return")
		}
	}()
	tg := start(t, b.Binary)
	var r server.WatchReport
	select {
	case r = <-res:
		if r.Pid != tg.pid || r.Err != nil {
			t.Fatalf("watch patched pid %d (%v), want pid %d", r.Pid, r.Err, tg.pid)
		}
		t.Logf("patch in place %d µs after exec, at the entry point: %v", r.AfterExec.Microseconds(), r.AtEntry)
	case <-time.After(waitTime):
		t.Fatalf("pid %d not patched; output %q", tg.pid, tg.out.String())
	}
	tg.wait(t, "PATCHED level 1")
	var rs []map[string]any
	for _, r := range trail.records(t, "libcare patch") {
		if r["pid"] == float64(tg.pid) {
			rs = append(rs, r)
		}
	}
	if len(rs) != 1 || rs[0]["trigger"] != "exec" || rs[0]["result"] != "ok" || rs[0]["build_id"] != b.BuildID {
		t.Errorf("audit: got %v, want one patch of pid %d triggered by exec", rs, tg.pid)
	}
	line := firstLine(t, tg.out)
	switch {
	case r.AtEntry && line != "0 PATCHED level 1":
		t.Errorf("patched at the entry point, but the first line is %q", line)
	case !r.AtEntry:
		// The seize races ld.so from the exec event; losing it means the
		// process was stopped (and patched) after its entry point.
		t.Logf("first line %q: the process ran past its entry point before it was seized", line)
	}
}

// BenchmarkWatchPatch measures how long after its exec a new process has
// its patch in place in watch mode (µs-after-exec), and how often it was
// caught at its entry point (at-entry-%).
func BenchmarkWatchPatch(b *testing.B) {
	testutil.MustHavePtrace(b)
	pb := patchBuild(b, "loop.c", "loop.patched.c", "0001")
	w, err := watch.Listen()
	if err != nil {
		b.Skipf("skipping benchmark: process events unavailable: %v", err)
	}
	res := make(chan server.WatchReport, 16)
	storage := b.TempDir()
	copyFile(b, pb.Kpatch, filepath.Join(storage, pb.BuildID+".kpatch"))
	s := server.New(server.Config{Storage: storage, OnWatchPatch: func(r server.WatchReport) { res <- r }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Watch(ctx, w, startup.Patcher{}) }()
	defer func() { cancel(); w.Close(); <-done }()
	var total, started time.Duration
	atEntry := 0
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(pb.Binary)
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		select {
		case r := <-res:
			total += r.AfterExec
			started += r.Started
			if r.AtEntry {
				atEntry++
			}
		case <-time.After(waitTime):
			b.Fatal("not patched")
		}
		cmd.Process.Kill()
		cmd.Wait()
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N), "µs-after-exec")
	b.ReportMetric(100*float64(atEntry)/float64(b.N), "at-entry-%")
	b.ReportMetric(float64(started.Microseconds())/float64(b.N), "µs-to-seize")
}
