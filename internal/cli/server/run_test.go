package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/server"
)

type echo struct{}

func (echo) Run(_ context.Context, args []string, stdout, _ io.Writer) int {
	fmt.Fprintln(stdout, strings.Join(args, " "))
	return 0
}

// TestRun serves on a socket path until a client sends "stop".
func TestRun(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "run.sock")
	var log bytes.Buffer
	done := make(chan error, 1)
	opts := &Options{Verbose: 1, Socket: sock, Storage: t.TempDir(), Stderr: &syncBuf{b: &log}, Dispatcher: echo{}}
	go func() { done <- Run(context.Background(), opts) }()
	var out string
	deadline := time.Now().Add(10 * time.Second)
	for {
		var b strings.Builder
		err := server.Request(sock, []string{"info", "-p", "1"}, &b)
		if err == nil {
			out = b.String()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not come up: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if out != "info -p 1\n" {
		t.Errorf("got %q, want %q", out, "info -p 1\n")
	}
	if err := server.Request(sock, []string{"stop"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after stop")
	}
	opts.Stderr.(*syncBuf).mu.Lock()
	defer opts.Stderr.(*syncBuf).mu.Unlock()
	if !strings.Contains(log.String(), "listening on "+sock) {
		t.Errorf("log %q: want the listening line", log.String())
	}
}

// syncBuf guards a buffer written by the server's goroutines.
type syncBuf struct {
	mu sync.Mutex
	b  *bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
