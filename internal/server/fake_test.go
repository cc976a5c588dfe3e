package server

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/testutil"
)

// waitTimeout bounds every wait in these tests.
const waitTimeout = 10 * time.Second

// fakeCtl stands in for libcare-ctl: it echoes its argv, records when it
// starts and ends, and blocks while a gate for its -p value is open.
type fakeCtl struct {
	mu     sync.Mutex
	events []string
	gates  map[string]chan struct{}
}

func newFakeCtl() *fakeCtl { return &fakeCtl{gates: map[string]chan struct{}{}} }

func (f *fakeCtl) Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	pid, _ := pidArg(args)
	f.record("start " + pid)
	fmt.Fprintf(stdout, "ran %s\n", strings.Join(args, " "))
	f.mu.Lock()
	g := f.gates[pid]
	f.mu.Unlock()
	if g != nil {
		select {
		case <-g:
		case <-ctx.Done():
		}
	}
	f.record("end " + pid)
	fmt.Fprintf(stderr, "exit 0\n")
	return 0
}

func (f *fakeCtl) record(e string) {
	f.mu.Lock()
	f.events = append(f.events, e)
	f.mu.Unlock()
}

func (f *fakeCtl) gate(pid string) chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := make(chan struct{})
	f.gates[pid] = g
	return g
}

func (f *fakeCtl) snapshot() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.events...)
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// startServer serves on a fresh socket in a temporary directory and stops
// the server in cleanup.
func startServer(t *testing.T, d Dispatcher) (*Server, string) {
	t.Helper()
	return startServerCfg(t, Config{Dispatcher: d})
}

func startServerCfg(t *testing.T, cfg Config) (*Server, string) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "libcare.sock")
	ln, err := Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	return serveCfg(t, ln, cfg), sock
}

func serveOn(t *testing.T, ln net.Listener, d Dispatcher) *Server {
	t.Helper()
	return serveCfg(t, ln, Config{Dispatcher: d})
}

func serveCfg(t *testing.T, ln net.Listener, cfg Config) *Server {
	t.Helper()
	if cfg.Storage == "" {
		cfg.Storage = t.TempDir()
	}
	cfg.Log = testLog{t}
	s := New(cfg)
	done := make(chan error, 1)
	go func() { done <- s.Serve(context.Background(), ln) }()
	t.Cleanup(func() {
		s.Stop()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(waitTimeout):
			t.Errorf("server did not stop")
		}
	})
	return s
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// ask sends args and returns the whole answer, with a deadline.
func ask(t *testing.T, sock string, args ...string) string {
	t.Helper()
	return askRaw(t, sock, string(mustEncode(t, args)))
}

func mustEncode(t *testing.T, args []string) []byte {
	t.Helper()
	b, err := EncodeRequest(args)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// askRaw sends raw bytes (from a goroutine, so a server that stops reading
// early cannot block us) and reads the answer until EOF.
func askRaw(t *testing.T, sock, raw string) string {
	t.Helper()
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(waitTimeout))
	go func() {
		c.Write([]byte(raw))
		c.(*net.UnixConn).CloseWrite()
	}()
	b, err := io.ReadAll(c)
	if err != nil && !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("read answer: %v", err)
	}
	return string(b)
}

func TestMain(m *testing.M) {
	if helperMain() {
		return
	}
	code := m.Run()
	testutil.CleanupTools() // BuildManualPatch's tools (execve_upstream tests)
	os.Exit(code)
}
