package server

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/server"
	"github.com/golibcare/golibcare/internal/testutil"
)

const waitTime = 20 * time.Second

// builds are made once per test binary (gcc runs are the slow part).
var (
	buildMu  sync.Mutex
	buildDir string
	builds   = map[string]*testutil.PatchBuild{}
)

// patchBuild builds fixtures/server/<orig> with its new version patched
// by the manual flow, once.
func patchBuild(t testing.TB, orig, patched, id string) *testutil.PatchBuild {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	key := patched + "/" + id
	if b, ok := builds[key]; ok {
		return b
	}
	if buildDir == "" {
		d, err := os.MkdirTemp("", "golibcare-server-e2e-")
		if err != nil {
			t.Fatal(err)
		}
		buildDir = d
	}
	dir := filepath.Join(buildDir, strings.TrimSuffix(patched, ".c")+"-"+id)
	src := filepath.Join(testutil.RepoRoot(t), "fixtures", "server")
	for _, f := range []string{orig, patched} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		testutil.WriteFile(t, dir, f, string(b))
	}
	b := testutil.BuildManualPatch(t, testutil.ManualOpts{Dir: dir, Orig: orig, Patched: patched, ID: id})
	builds[key] = b
	return b
}

func loopLevel1(t *testing.T) *testutil.PatchBuild {
	return patchBuild(t, "loop.c", "loop.patched.c", "0001")
}

func loopLevel2(t *testing.T) *testutil.PatchBuild {
	return patchBuild(t, "loop.c", "loop.level2.c", "0002")
}

// target is a running fixture program and its output.
type target struct {
	pid  int
	out  *testutil.Output
	mark int
}

func start(t *testing.T, bin string) *target {
	t.Helper()
	testutil.MustHavePtrace(t)
	cmd, out := testutil.StartTarget(t, bin)
	return &target{pid: cmd.Process.Pid, out: out}
}

// wait waits for s in the output after the mark and moves the mark past it.
func (tg *target) wait(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(waitTime)
	for {
		all := tg.out.String()
		if i := strings.Index(all[tg.mark:], s); i >= 0 {
			tg.mark = len(all)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid %d: got output %q, want %q", tg.pid, tail(all[tg.mark:]), s)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func tail(s string) string {
	if len(s) > 300 {
		return "..." + s[len(s)-300:]
	}
	return s
}

// serve runs the real server (libcare-ctl commands in process) on a fresh
// socket until the test ends; update looks only at the given targets, never
// at processes the test does not own.
func serve(t *testing.T, storage string, tgs ...*target) (*server.Server, string) {
	t.Helper()
	procs := func() []int {
		var pids []int
		for _, tg := range tgs {
			pids = append(pids, tg.pid)
		}
		return pids
	}
	sock := filepath.Join(t.TempDir(), "libcare.sock")
	ln, err := server.Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	s := server.New(server.Config{Dispatcher: ctlDispatcher{}, Storage: storage, Log: testLog{t}, Processes: procs})
	done := make(chan error, 1)
	go func() { done <- s.Serve(context.Background(), ln) }()
	t.Cleanup(func() {
		s.Stop()
		select {
		case <-done:
		case <-time.After(waitTime):
			t.Error("server did not stop")
		}
	})
	return s, sock
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// client runs the libcare-client binary and returns its output.
func client(t *testing.T, sock string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, testutil.Tool(t, "libcare-client"), append([]string{sock}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("libcare-client %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func wantIn(t *testing.T, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("got output\n%s\nwant it to contain %q", got, w)
		}
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.CleanupTools()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// TestE2EClient patches, lists and unpatches a program through
// libcare-client and the server.
func TestE2EClient(t *testing.T) {
	b := loopLevel1(t)
	_, sock := serve(t, t.TempDir())
	tg := start(t, b.Binary)
	tg.wait(t, "UNPATCHED")
	p := tg.p()
	out := client(t, sock, "patch", "-p", p, b.Kpatch)
	wantIn(t, out, "1 patch hunk(s) have been successfully applied to PID '"+p+"'")
	tg.wait(t, "PATCHED level 1")
	out = client(t, sock, "info-user", "-p", p)
	wantIn(t, out, "Pid:                      "+p+"\n", "Build id:                 "+b.BuildID+"\n", "Patch id:                 0001\n")
	out = client(t, sock, "unpatch", "-p", p, "-i", "0001")
	wantIn(t, out, "patch hunk(s) were successfully cancelled from PID '"+p+"'")
	tg.wait(t, "UNPATCHED")
	if out := client(t, sock, "info", "-p", p); out != "" {
		t.Errorf("info after unpatch: got %q, want nothing", out)
	}
}

func (tg *target) p() string { return strconv.Itoa(tg.pid) }
