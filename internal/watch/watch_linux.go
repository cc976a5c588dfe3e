package watch

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// rcvBuf is the socket receive buffer: a fork storm produces thousands of
// events per second, and events lost to an overrun are exec events missed.
const rcvBuf = 4 << 20

// maxDatagram is far above one process event message (~80 bytes); the
// kernel sends one event per datagram.
const maxDatagram = 64 << 10

// ErrOverrun is returned by Next when the kernel dropped events because
// the receive buffer was full (ENOBUFS); the watcher goes on working.
var ErrOverrun = errors.New("process events lost: receive buffer overrun")

// Watcher receives process events.
type Watcher struct {
	f       *os.File
	mu      sync.Mutex
	pending []Event
	buf     []byte
}

// Listen subscribes to process events.
func Listen() (*Watcher, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.NETLINK_CONNECTOR)
	if err != nil {
		return nil, fmt.Errorf("process events: socket: %w", err)
	}
	if err := subscribe(fd); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("process events: %w", err)
	}
	// A non-blocking fd joins the runtime poller, so Next honours deadlines
	// and Close wakes a blocked Next.
	return &Watcher{f: os.NewFile(uintptr(fd), "netlink-proc-connector"), buf: make([]byte, maxDatagram)}, nil
}

func subscribe(fd int) error {
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, rcvBuf) // best effort
	// Port 0: the kernel picks a unique port id, so several watchers in
	// one process do not collide.
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: _CN_IDX_PROC}); err != nil {
		return fmt.Errorf("bind: %w", err)
	}
	if err := unix.Sendto(fd, listenRequest(), 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("PROC_CN_MCAST_LISTEN: %w", err)
	}
	return nil
}

// SetDeadline makes Next fail with os.ErrDeadlineExceeded after t (zero: never).
func (w *Watcher) SetDeadline(t time.Time) error { return w.f.SetReadDeadline(t) }

// Next returns the next fork, exec or exit event.
func (w *Watcher) Next() (Event, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for len(w.pending) == 0 {
		n, err := w.f.Read(w.buf)
		if errors.Is(err, unix.ENOBUFS) {
			return Event{}, ErrOverrun
		}
		if err != nil {
			return Event{}, fmt.Errorf("process events: %w", err)
		}
		evs, err := ParseEvents(w.buf[:n])
		if err != nil {
			return Event{}, fmt.Errorf("process events: %w", err)
		}
		w.pending = evs
	}
	ev := w.pending[0]
	w.pending = w.pending[1:]
	return ev, nil
}

// Close unsubscribes; a Next blocked in another goroutine returns an error.
func (w *Watcher) Close() error { return w.f.Close() }

// Monotonic returns the current CLOCK_MONOTONIC time, the clock of Event.Time.
func Monotonic() time.Duration {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return time.Duration(ts.Nano())
}
