// Package sdnotify speaks systemd's notify protocol (sd_notify(3)): a
// datagram of "KEY=VALUE" lines to the unix socket $NOTIFY_SOCKET, for
// Type=notify units (READY=1) and their watchdog (WATCHDOG=1).
package sdnotify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"
)

// Messages of sd_notify(3).
const (
	Ready    = "READY=1"
	Stopping = "STOPPING=1"
	Watchdog = "WATCHDOG=1"
)

// Notify sends state to $NOTIFY_SOCKET; it returns false, nil when the
// variable is unset (not started by systemd with Type=notify).
func Notify(state string) (bool, error) {
	path := os.Getenv("NOTIFY_SOCKET")
	if path == "" {
		return false, nil
	}
	if path[0] == '@' {
		path = "\x00" + path[1:] // abstract socket
	}
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return false, fmt.Errorf("sd_notify: %w", err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(state)); err != nil {
		return false, fmt.Errorf("sd_notify: %w", err)
	}
	return true, nil
}

// WatchdogInterval returns how often to send WATCHDOG=1: half of
// $WATCHDOG_USEC, as sd_watchdog_enabled(3) advises, when it is set for
// this process ($WATCHDOG_PID unset or ours); 0 when there is no watchdog.
func WatchdogInterval() (time.Duration, error) {
	usec := os.Getenv("WATCHDOG_USEC")
	if usec == "" {
		return 0, nil
	}
	if p := os.Getenv("WATCHDOG_PID"); p != "" && p != strconv.Itoa(os.Getpid()) {
		return 0, nil
	}
	n, err := strconv.ParseUint(usec, 10, 63)
	if err != nil || n == 0 {
		return 0, errors.New("sd_notify: bad WATCHDOG_USEC " + strconv.Quote(usec))
	}
	return time.Duration(n) * time.Microsecond / 2, nil
}

// KeepAlive sends WATCHDOG=1 every WatchdogInterval until ctx ends; it
// returns at once when there is no watchdog.
func KeepAlive(ctx context.Context) error {
	every, err := WatchdogInterval()
	if err != nil || every == 0 {
		return err
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if _, err := Notify(Watchdog); err != nil {
				return err
			}
		}
	}
}
