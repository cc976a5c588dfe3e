package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/golibcare/golibcare/internal/audit"
	"github.com/golibcare/golibcare/internal/testutil"
)

const helperEnv = "GOLIBCARE_SERVER_TEST_HELPER"

// helperMain runs the test binary as a client or a server when the tests
// start it as a separate process (another uid, inherited sockets).
func helperMain() bool {
	switch os.Getenv(helperEnv) {
	case "client":
		if err := Request(os.Args[1], os.Args[2:], os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	case "server":
		ln, err := Listen(os.Getenv("SPEC"))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Printf("LISTEN_FDS=%q\n", os.Getenv("LISTEN_FDS"))
		New(Config{Dispatcher: pidEcho{}}).Serve(context.Background(), ln)
	default:
		return false
	}
	os.Exit(0)
	return true
}

// pidEcho answers with the pid of the process that served the request.
type pidEcho struct{}

func (pidEcho) Run(_ context.Context, args []string, stdout, _ io.Writer) int {
	fmt.Fprintf(stdout, "%d: %s\n", os.Getpid(), strings.Join(args, " "))
	return 0
}

func TestListenPathMode(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "sub", "libcare.sock")
	ln, err := Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	fi, err := os.Stat(sock)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 && got != 0o660 {
		t.Errorf("socket mode: got %v, want 0600 (or 0660 with a libcare group)", got)
	}
	if _, err := Listen(sock); err == nil || !strings.Contains(err.Error(), "another server") {
		t.Errorf("second listen on a live socket: got %v, want an error", err)
	}
}

func TestListenStaleSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "libcare.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	ln2, err := Listen(sock)
	if err != nil {
		t.Fatalf("listen over a stale socket: %v", err)
	}
	ln2.Close()
}

func TestListenAbstract(t *testing.T) {
	name := fmt.Sprintf("@golibcare-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	ln, err := Listen(name)
	if err != nil {
		t.Fatal(err)
	}
	serveOn(t, ln, pidEcho{})
	if got, want := ask(t, name, "info", "-p", "1"), fmt.Sprintf("%d: info -p 1\n", os.Getpid()); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestListenInheritedFD(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "fd.sock")
	orig, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer orig.Close()
	f, err := orig.(*net.UnixListener).File()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ln, err := Listen("&" + strconv.Itoa(int(f.Fd())))
	if err != nil {
		t.Fatal(err)
	}
	serveOn(t, ln, pidEcho{})
	if got, want := ask(t, sock, "update-me"), fmt.Sprintf("%d: update-me\n", os.Getpid()); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	for _, bad := range []string{"&x", "&-1", "&999"} {
		if _, err := Listen(bad); err == nil {
			t.Errorf("Listen(%q): got nil error, want one", bad)
		}
	}
}

// TestListenSystemd starts a server the way systemd does: the listening
// socket as fd 3, LISTEN_FDS=1 and LISTEN_PID set to the server's own pid.
func TestListenSystemd(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "sd.sock")
	orig, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	orig.(*net.UnixListener).SetUnlinkOnClose(false)
	f, err := orig.(*net.UnixListener).File()
	if err != nil {
		t.Fatal(err)
	}
	orig.Close()
	cmd := exec.Command("/bin/sh", "-c", `LISTEN_PID=$$ LISTEN_FDS=1 exec "$0"`, os.Args[0])
	cmd.Env = append(os.Environ(), helperEnv+"=server", "SPEC=")
	cmd.ExtraFiles = []*os.File{f}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if got, want := ask(t, sock, "info", "-p", "9"), fmt.Sprintf("%d: info -p 9\n", cmd.Process.Pid); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	ask(t, sock, "stop")
	waitExit(t, cmd)
	if want := `LISTEN_FDS=""`; !strings.Contains(out.String(), want) {
		t.Errorf("server output %q: want %s (variables cleared for children)", out.String(), want)
	}
}

func waitExit(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("%s: %v", cmd.Path, err)
		}
	case <-time.After(waitTimeout):
		t.Fatalf("%s did not exit", cmd.Path)
	}
}

// TestRefuseNonRoot connects as uid 65534: over a socket file anyone may
// open, and over an abstract socket (which has no file mode at all), the
// request must be refused by its SO_PEERCRED.
func TestRefuseNonRoot(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("skipping test: needs root to run a client as another uid")
	}
	f := newFakeCtl()
	var trail testutil.Output
	logger, _ := audit.NewLogger(&trail, audit.FormatJSON)
	_, sock := startServerCfg(t, Config{Dispatcher: f, Audit: logger})
	if err := os.Chmod(sock, 0o666); err != nil {
		t.Fatal(err)
	}
	makeTraversable(t, filepath.Dir(sock))
	abs := fmt.Sprintf("@golibcare-test-nonroot-%d", os.Getpid())
	ln, err := Listen(abs)
	if err != nil {
		t.Fatal(err)
	}
	serveOn(t, ln, f)
	bin := copyTestBinary(t)
	for _, s := range []string{sock, abs} {
		t.Run(s, func(t *testing.T) {
			cmd := exec.Command(bin, s, "patch", "-p", "1", "x")
			cmd.Env = append(os.Environ(), helperEnv+"=client")
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("client: %v\n%s", err, out)
			}
			if want := "error: permission denied: client uid 65534 is not root\n"; string(out) != want {
				t.Errorf("got %q, want %q", out, want)
			}
		})
	}
	if n := len(f.snapshot()); n != 0 {
		t.Errorf("commands run for a non-root client: got %d, want 0", n)
	}
	// The socket-file server has the audit trail: one refusal recorded.
	var rec map[string]any
	if err := json.Unmarshal([]byte(trail.String()), &rec); err != nil {
		t.Fatalf("audit trail %q: %v", trail.String(), err)
	}
	if rec["result"] != "refused" || rec["client_uid"] != float64(65534) || rec["client_pid"] == nil {
		t.Errorf("audit record: got %v, want a refusal of uid 65534", rec)
	}
}

// copyTestBinary copies the test binary where uid 65534 may run it.
func copyTestBinary(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	makeTraversable(t, dir)
	b, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "helper")
	if err := os.WriteFile(p, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// makeTraversable opens dir and its parents up to the temp root for others.
func makeTraversable(t *testing.T, dir string) {
	t.Helper()
	for d := dir; d != os.TempDir() && d != "/" && d != "."; d = filepath.Dir(d) {
		if err := unix.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}
