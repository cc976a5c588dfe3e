package server

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/elfutil"
	"github.com/golibcare/golibcare/internal/testutil"
)

// preloadBuild is the helper and the test programs, built with gcc.
type preloadBuild struct{ so, launcher, hello string }

func buildPreload(t *testing.T) preloadBuild {
	t.Helper()
	testutil.MustHaveGCC(t)
	root, dir := testutil.RepoRoot(t), t.TempDir()
	b := preloadBuild{filepath.Join(dir, "execve.so"), filepath.Join(dir, "launcher"), filepath.Join(dir, "hello")}
	testutil.Run(t, dir, "gcc", "-shared", "-fPIC", "-O2", "-Wall", "-Werror", "-o", b.so, filepath.Join(root, "preload", "execve.c"), "-ldl")
	for _, p := range []string{b.launcher, b.hello} {
		testutil.Run(t, dir, "gcc", "-O2", "-o", p, filepath.Join(root, "fixtures", "server", filepath.Base(p)+".c"))
	}
	return b
}

// launch starts launcher → hello with the helper preloaded; hello's
// output goes to the returned file.
func (b preloadBuild) launch(t *testing.T, sock string, env ...string) (*exec.Cmd, string) {
	t.Helper()
	return b.launchTo(t, filepath.Join(t.TempDir(), "out"), sock, env...)
}

func (b preloadBuild) launchTo(t *testing.T, out, sock string, env ...string) (*exec.Cmd, string) {
	t.Helper()
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(b.launcher, b.hello)
	cmd.Env = append(os.Environ(), append([]string{"LD_PRELOAD=" + b.so, "LIBCARE_CTL_UNIX=" + sock}, env...)...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, out
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestPreloadHandshake plays the server by hand: the exact request bytes,
// the 4-byte answer, the new program's ready byte, and main running only
// after the connection is closed.
func TestPreloadHandshake(t *testing.T) {
	b := buildPreload(t)
	sock := filepath.Join(t.TempDir(), "raw.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cmd, out := b.launch(t, sock)
	pid := cmd.Process.Pid
	ln.(*net.UnixListener).SetDeadline(time.Now().Add(waitTimeout))
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(waitTimeout))
	want := "execve\x00" + strconv.Itoa(pid) + "\x00golibcare\x00\x00"
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != want {
		t.Fatalf("request: got %q (%v), want %q", got, err, want)
	}
	if _, err := c.Write([]byte{0, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	ready := make([]byte, 1)
	if _, err := io.ReadFull(c, ready); err != nil || ready[0] != 'R' {
		t.Fatalf("ready byte: got %q (%v), want \"R\"", ready, err)
	}
	if exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); exe != b.hello {
		t.Errorf("at the ready byte: exe is %q, want %q", exe, b.hello)
	}
	if s := readFile(t, out); s != "" {
		t.Errorf("main ran before the connection closed: output %q", s)
	}
	c.Close()
	waitExit(t, cmd)
	if got, want := readFile(t, out), fmt.Sprintf("hello from %d\n", pid); got != want {
		t.Errorf("output: got %q, want %q", got, want)
	}
}

// TestPreloadNoServer: without a server, or for a path outside the
// pattern, the program runs as if nothing was preloaded.
func TestPreloadNoServer(t *testing.T) {
	b := buildPreload(t)
	sock := filepath.Join(t.TempDir(), "s.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted sync.WaitGroup
	accepted.Add(1)
	go func() {
		defer accepted.Done()
		ln.(*net.UnixListener).SetDeadline(time.Now().Add(waitTimeout))
		if c, err := ln.Accept(); err == nil {
			t.Errorf("helper connected for a path outside KP_EXECVE_PATTERN")
			c.Close()
		}
	}()
	tests := []struct {
		name, sock string
		env        []string
	}{
		{"no server", sock + ".none", nil},
		{"pattern mismatch", sock, []string{"KP_EXECVE_PATTERN=*/nomatch"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd, out := b.launch(t, tt.sock, tt.env...)
			waitExit(t, cmd)
			if got, want := readFile(t, out), fmt.Sprintf("hello from %d\n", cmd.Process.Pid); got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
	ln.Close()
	accepted.Wait()
}

// exeCheck is a dispatcher that records, for each patch request, what the
// target was at that moment.
type exeCheck struct {
	mu   sync.Mutex
	seen []string
	out  string
}

func (e *exeCheck) setOut(p string) {
	e.mu.Lock()
	e.out = p
	e.mu.Unlock()
}

func (e *exeCheck) get() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.seen...)
}

func (e *exeCheck) Run(_ context.Context, args []string, stdout, _ io.Writer) int {
	pid, _ := pidArg(args)
	exe, _ := os.Readlink("/proc/" + pid + "/exe")
	e.mu.Lock()
	out, _ := os.ReadFile(e.out)
	e.seen = append(e.seen, fmt.Sprintf("%s %s %s exe=%s out=%q", args[0], pid, args[len(args)-1], exe, out))
	e.mu.Unlock()
	fmt.Fprintln(stdout, "patched")
	return 0
}

// TestServerExecve runs the helper against the server: with a patch for
// the program in storage, the patch command runs before its main; without
// one, none runs.
func TestServerExecve(t *testing.T) {
	b := buildPreload(t)
	d := &exeCheck{}
	s, sock := startServer(t, d)
	out := filepath.Join(t.TempDir(), "out")
	d.setOut(out)
	cmd, _ := b.launchTo(t, out, sock)
	waitExit(t, cmd)
	if got := readFile(t, out); !strings.HasPrefix(got, "hello from") {
		t.Errorf("output: got %q, want hello", got)
	}
	if seen := d.get(); len(seen) != 0 {
		t.Errorf("nothing in storage: got commands %q, want none", seen)
	}
	bid, err := elfutil.BuildID(b.hello)
	if err != nil {
		t.Fatal(err)
	}
	testutil.WriteFile(t, s.Storage(), bid+".kpatch", "")
	out = filepath.Join(t.TempDir(), "out")
	d.setOut(out)
	cmd, _ = b.launchTo(t, out, sock)
	waitExit(t, cmd)
	want := fmt.Sprintf("patch %d %s exe=%s out=\"\"", cmd.Process.Pid, s.Storage(), b.hello)
	if seen := d.get(); len(seen) != 1 || seen[0] != want {
		t.Errorf("got %q, want [%q]", seen, want)
	}
}
