package server

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/elfutil"
	"github.com/golibcare/golibcare/internal/testutil"
	"github.com/golibcare/golibcare/internal/watch"
)

// recorder is an EntryPatcher that only writes down its calls.
type recorder struct {
	mu    sync.Mutex
	calls []string
}

func (r *recorder) add(s string) {
	r.mu.Lock()
	r.calls = append(r.calls, s)
	r.mu.Unlock()
}

func (r *recorder) get() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...)
}

func (r *recorder) PatchAtEntry(_ context.Context, pid int, storage string, _ io.Writer) (bool, error) {
	r.add(fmt.Sprintf("patch at entry %d %s", pid, storage))
	return true, nil
}

// TestWatch runs three programs: one with a patch for itself, one with a
// patch for its library, one without; only the first two are patched.
func TestWatch(t *testing.T) {
	testutil.MustHaveGCC(t)
	if os.Getuid() != 0 {
		t.Skip("skipping test: process events need CAP_NET_ADMIN")
	}
	dir := t.TempDir()
	testutil.WriteFile(t, dir, "lib.c", "int lib(void) { return 1; }\n")
	// Each program lives until its stdin closes, so that it is still there
	// when the watcher looks at it.
	testutil.WriteFile(t, dir, "uses.c", "#include <unistd.h>\nint lib(void); int main(void) { char c; return read(0, &c, 1) + lib() - 1; }\n")
	testutil.WriteFile(t, dir, "plain.c", "#include <unistd.h>\nint main(void) { char c; return read(0, &c, 1); }\n")
	testutil.Run(t, dir, "gcc", "-shared", "-fPIC", "-o", "libwatched.so", "lib.c")
	testutil.Run(t, dir, "gcc", "-o", "uses", "uses.c", "-L.", "-lwatched", "-Wl,-rpath,$ORIGIN")
	testutil.Run(t, dir, "gcc", "-o", "plain", "plain.c")
	testutil.Run(t, dir, "sh", "-c", "echo 'int x = 1;' >> plain.c && gcc -o patched -x c plain.c")
	storage := t.TempDir()
	for _, obj := range []string{"patched", "libwatched.so"} {
		bid, err := elfutil.BuildID(filepath.Join(dir, obj))
		if err != nil {
			t.Fatal(err)
		}
		testutil.WriteFile(t, storage, bid+".kpatch", "not read by the fake")
	}
	rec := &recorder{}
	got := make(chan WatchReport, 8)
	s := New(Config{Storage: storage, Log: testLog{t}, OnWatchPatch: func(r WatchReport) { got <- r }})
	w, err := watch.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Watch(ctx, w, rec) }()
	stopWatch := func() {
		cancel()
		w.Close()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("watch: %v", err)
			}
		case <-time.After(waitTimeout):
			t.Fatal("Watch did not return")
		}
	}
	pids := map[string]int{}
	for _, prog := range []string{"plain", "patched", "uses"} {
		cmd := exec.Command(filepath.Join(dir, prog))
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { stdin.Close(); cmd.Process.Kill(); cmd.Wait() })
		pids[prog] = cmd.Process.Pid
	}
	want := map[int]bool{pids["patched"]: true, pids["uses"]: true}
	// Count first: ranging over want while deleting from it may stop early.
	for n := len(want); n > 0; n-- {
		select {
		case p := <-got:
			if !want[p.Pid] || p.Err != nil {
				t.Errorf("patched pid %d (%v), want one of %v", p.Pid, p.Err, want)
			}
			delete(want, p.Pid)
		case <-time.After(waitTimeout):
			t.Fatalf("timed out; calls %q", rec.get())
		}
	}
	stopWatch() // waits for the handling of every exec seen
	for _, c := range rec.get() {
		if strings.Contains(c, fmt.Sprint(pids["plain"])) {
			t.Errorf("plain (pid %d) was handled: %q", pids["plain"], c)
		}
	}
	calls := strings.Join(rec.get(), "\n")
	for _, prog := range []string{"patched", "uses"} {
		pid := pids[prog]
		if want := fmt.Sprintf("patch at entry %d %s", pid, storage); !strings.Contains(calls, want) {
			t.Errorf("%s: calls\n%s\nwant %q", prog, calls, want)
		}
	}
}
