package sdnotify

import (
	"context"
	"net"
	"path/filepath"
	"testing"
	"time"
)

// listen returns a datagram socket standing in for systemd's, set as
// $NOTIFY_SOCKET.
func listen(t *testing.T) *net.UnixConn {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	t.Setenv("NOTIFY_SOCKET", path)
	return c
}

func read(t *testing.T, c *net.UnixConn) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	b := make([]byte, 256)
	n, err := c.Read(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(b[:n])
}

func TestNotify(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	if sent, err := Notify(Ready); sent || err != nil {
		t.Fatalf("without NOTIFY_SOCKET: got %v, %v; want false, nil", sent, err)
	}
	c := listen(t)
	if sent, err := Notify(Ready); !sent || err != nil {
		t.Fatalf("got %v, %v; want true, nil", sent, err)
	}
	if got := read(t, c); got != Ready {
		t.Errorf("got %q, want %q", got, Ready)
	}
}

// TestKeepAlive: WATCHDOG=1 comes, at half of WATCHDOG_USEC; no watchdog
// for another pid.
func TestKeepAlive(t *testing.T) {
	c := listen(t)
	t.Setenv("WATCHDOG_PID", "1")
	t.Setenv("WATCHDOG_USEC", "20000")
	if d, err := WatchdogInterval(); d != 0 || err != nil {
		t.Errorf("other pid: got %v, %v; want 0, nil", d, err)
	}
	t.Setenv("WATCHDOG_PID", "")
	if d, _ := WatchdogInterval(); d != 10*time.Millisecond {
		t.Errorf("interval: got %v, want 10ms", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- KeepAlive(ctx) }()
	for range 2 {
		if got := read(t, c); got != Watchdog {
			t.Errorf("got %q, want %q", got, Watchdog)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Error(err)
	}
	t.Setenv("WATCHDOG_USEC", "x")
	if _, err := WatchdogInterval(); err == nil {
		t.Error("bad WATCHDOG_USEC: no error")
	}
}
