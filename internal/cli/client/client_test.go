package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/server"
	"github.com/golibcare/golibcare/internal/testutil"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.CleanupTools()
	os.Exit(code)
}

func TestParseArgs(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		socket string
		cmd    string
		usage  bool
	}{
		{"default socket", []string{"info", "-p", "1"}, "", "info -p 1", false},
		{"socket path", []string{"/tmp/s", "patch", "-p", "1", "f"}, "/tmp/s", "patch -p 1 f", false},
		{"abstract", []string{"@s", "update"}, "@s", "update", false},
		{"flags pass through", []string{"-h"}, "", "-h", false},
		{"nothing", []string{}, "", "", true},
		{"socket only", []string{"/tmp/s"}, "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *Options
			var out strings.Builder
			cmd := NewCmd(func(o *Options) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(&out)
			err := cmd.Execute()
			if tt.usage {
				if err == nil || out.String() != "libcare-client: [/SOCKET] ARG0 [ARG1] [ARG2]\n" {
					t.Errorf("got %v, %q, want the usage line and an error", err, out.String())
				}
				return
			}
			if err != nil || got == nil {
				t.Fatalf("got %v, want success", err)
			}
			if got.Socket != tt.socket || strings.Join(got.Args, " ") != tt.cmd {
				t.Errorf("got socket %q args %q, want %q %q", got.Socket, got.Args, tt.socket, tt.cmd)
			}
		})
	}
}

type echo struct{}

func (echo) Run(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintf(stdout, "out: %s\n", strings.Join(args, "|"))
	fmt.Fprintf(stderr, "err: %d args\n", len(args))
	return 0
}

// TestClientBinary runs the built libcare-client against a server.
func TestClientBinary(t *testing.T) {
	bin := testutil.Tool(t, "libcare-client")
	sock := filepath.Join(t.TempDir(), "libcare.sock")
	ln, err := server.Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	s := server.New(server.Config{Dispatcher: echo{}})
	done := make(chan error, 1)
	go func() { done <- s.Serve(context.Background(), ln) }()
	defer func() {
		s.Stop()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("server did not stop")
		}
	}()
	tests := []struct {
		name string
		args []string
		want string
		code int
	}{
		{"command", []string{sock, "patch-user", "-p", "42", "/a b/x.kpatch"}, "out: patch-user|-p|42|/a b/x.kpatch\nerr: 4 args\n", 0},
		{"usage", nil, "libcare-client: [/SOCKET] ARG0 [ARG1] [ARG2]\n", 2},
		{"no server", []string{sock + ".none", "info"}, "libcare-client: connect to " + sock + ".none", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			out, err := exec.CommandContext(ctx, bin, tt.args...).CombinedOutput()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.code || !strings.HasPrefix(string(out), tt.want) {
				t.Errorf("got exit %d output %q, want exit %d output %q", code, out, tt.code, tt.want)
			}
		})
	}
}

// cServer answers one connection as LibcarePlus's server does
// (handle_client): recv until the bytes end in two NULs, argv up to the
// first empty string, plain output, close.
func cServer(t *testing.T, ln net.Listener, reply func(argv []string) string) {
	c, err := ln.Accept()
	if err != nil {
		return
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	msg := make([]byte, 0, 4096)
	buf := make([]byte, 4096)
	for len(msg) < 2 || msg[len(msg)-2] != 0 || msg[len(msg)-1] != 0 {
		n, err := c.Read(buf[:4096-len(msg)])
		if err != nil {
			t.Errorf("C server read: %v", err)
			return
		}
		msg = append(msg, buf[:n]...)
	}
	var argv []string
	for _, a := range strings.Split(string(msg), "\x00") {
		if a == "" {
			break
		}
		argv = append(argv, a)
	}
	io.WriteString(c, reply(argv))
}

// TestClientCServer: against a LibcarePlus server, which ignores the
// status request, libcare-client prints the plain answer and exits 0.
func TestClientCServer(t *testing.T) {
	bin := testutil.Tool(t, "libcare-client")
	sock := filepath.Join(t.TempDir(), "c.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	want := "Failed to cancel patches for 42\nerr: unknown option\n"
	go cServer(t, ln, func(argv []string) string {
		if strings.Join(argv, "|") != "unpatch|-p|42" {
			return "bad argv " + strings.Join(argv, "|")
		}
		return want
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, sock, "unpatch", "-p", "42")
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil || out.String() != want || errb.String() != "" {
		t.Errorf("got %v, stdout %q, stderr %q; want exit 0 and stdout %q", err, out.String(), errb.String(), want)
	}
}

func TestExitCode(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, 0}, {errUsage, 2}, {errReported, 1}, {&StatusError{255}, 1}, {&StatusError{1}, 1}, {&StatusError{2}, 2},
	} {
		if got := ExitCode(tc.err); got != tc.want {
			t.Errorf("ExitCode(%v): got %d, want %d", tc.err, got, tc.want)
		}
	}
}
