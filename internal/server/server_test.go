package server

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/golibcare/golibcare/internal/elfutil"
)

func TestServeCommands(t *testing.T) {
	f := newFakeCtl()
	s, sock := startServer(t, f)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"patch", []string{"patch", "-p", "12", "/x.kpatch"}, "ran patch -p 12 /x.kpatch\nexit 0\n"},
		{"info alias", []string{"info-user", "-p", "12"}, "ran info-user -p 12\nexit 0\n"},
		{"update, nothing to patch", []string{"update"}, "No process has a patch in " + s.Storage() + "\n"},
		{"startup", []string{"startup", "77"}, "\x00\x00\x00\x00ran patch -p 77 " + s.Storage() + "\nexit 0\n"},
		{"startup usage", []string{"startup"}, "usage: startup PID\n"},
		{"startup bad pid", []string{"startup", "x"}, "error: bad process id \"x\"\n"},
		{"storage missing", []string{"storage", "/nonexistent"}, "error: storage /nonexistent: not a directory\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ask(t, sock, tt.args...); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	dir := t.TempDir()
	if got := ask(t, sock, "storage", dir); got != "" {
		t.Errorf("storage: got %q, want no output", got)
	}
	if s.Storage() != dir {
		t.Errorf("storage: got %s, want %s", s.Storage(), dir)
	}
	// A relative directory is the client's: this test process's.
	wd, _ := os.Getwd()
	rel, err := filepath.Rel(wd, dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := ask(t, sock, "storage", rel); got != "" {
		t.Errorf("storage %s: got %q, want no output", rel, got)
	}
	if s.Storage() != dir {
		t.Errorf("storage %s: got %s, want %s", rel, s.Storage(), dir)
	}
}

func TestMalformedRequests(t *testing.T) {
	_, sock := startServer(t, newFakeCtl())
	tests := []struct {
		name, raw, want string
	}{
		{"no terminating NUL", "patch\x00-p\x001", "error: bad request: " + ErrUnterminated.Error() + "\n"},
		{"100 KB of garbage", strings.Repeat("\xff", 100<<10), "error: bad request: " + ErrTooLong.Error() + "\n"},
		{"40 arguments", strings.Repeat("arg\x00", 40) + "\x00", "error: bad request: " + ErrTooManyArgs.Error() + "\n"},
		{"empty", "\x00", "error: bad request: " + ErrEmpty.Error() + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := askRaw(t, sock, tt.raw); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if got, want := ask(t, sock, "info", "-p", "1"), "ran info -p 1\nexit 0\n"; got != want {
				t.Errorf("after a bad request: got %q, want %q", got, want)
			}
		})
	}
}

func TestConcurrentClients(t *testing.T) {
	f := newFakeCtl()
	s, sock := startServer(t, f)
	gate := f.gate("100")
	var wg sync.WaitGroup
	answers := make([]string, 2)
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = ask(t, sock, "patch", "-p", "100", "x")
		}()
		if i == 0 {
			waitFor(t, "first request on pid 100 to start", func() bool { return count(f.snapshot(), "start 100") == 1 })
		}
	}
	waitFor(t, "second request on pid 100 to wait for the lock", func() bool { return s.locks.refs(100) == 2 })
	// A slow command on pid 100 must not block a request on pid 200.
	if got, want := ask(t, sock, "info", "-p", "200"), "ran info -p 200\nexit 0\n"; got != want {
		t.Errorf("pid 200 while pid 100 is busy: got %q, want %q", got, want)
	}
	if n := count(f.snapshot(), "start 100"); n != 1 {
		t.Errorf("requests on pid 100 started before the first ended: got %d, want 1", n)
	}
	close(gate)
	wg.Wait()
	var seq []string
	for _, e := range f.snapshot() {
		if strings.HasSuffix(e, " 100") {
			seq = append(seq, e)
		}
	}
	if got, want := strings.Join(seq, ","), "start 100,end 100,start 100,end 100"; got != want {
		t.Errorf("pid 100 events: got %s, want %s", got, want)
	}
	for i, a := range answers {
		if want := "ran patch -p 100 x\nexit 0\n"; a != want {
			t.Errorf("answer %d: got %q, want %q", i, a, want)
		}
	}
}

func count(events []string, e string) int {
	n := 0
	for _, x := range events {
		if x == e {
			n++
		}
	}
	return n
}

func TestStopCommand(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "s.sock")
	ln, err := Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	s := serveOn(t, ln, newFakeCtl())
	if got := ask(t, sock, "stop"); got != "stopping\n" {
		t.Errorf("got %q, want %q", got, "stopping\n")
	}
	waitFor(t, "server to stop", s.isStopped)
	waitFor(t, "socket to be removed", func() bool { _, err := os.Stat(sock); return err != nil })
	if _, err := net.Dial("unix", sock); err == nil {
		t.Errorf("connect after stop: got nil error, want one")
	}
}

// TestUpdate: update patches exactly the processes that map an object with
// a patch in storage, one request per process.
func TestUpdate(t *testing.T) {
	sleep, cat := exec.Command("sleep", "60"), exec.Command("cat")
	if _, err := cat.StdinPipe(); err != nil { // cat runs until the test ends
		t.Fatal(err)
	}
	for _, c := range []*exec.Cmd{sleep, cat} {
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Process.Kill(); c.Wait() })
	}
	s, sock := startServerCfg(t, Config{Dispatcher: newFakeCtl(),
		Processes: func() []int { return []int{sleep.Process.Pid, cat.Process.Pid} }})
	bid, err := elfutil.BuildID(sleep.Path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.Storage(), bid+".kpatch"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("ran patch -p %d %s\nexit 0\n", sleep.Process.Pid, s.Storage())
	if got := ask(t, sock, "update"); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
