package server

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
)

// DefaultSocket and DefaultStorage are the server's defaults (dist/libcare.socket).
const (
	DefaultSocket  = "/run/libcare/libcare.sock"
	DefaultStorage = "/var/lib/libcare"
)

// listenFDsStart is SD_LISTEN_FDS_START (systemd sd-daemon.h).
const listenFDsStart = 3

// Listen opens the server socket named by spec:
//
//	/path or rel/path  a unix socket created there (mode 0600, or 0660 and
//	                   group "libcare" when that group exists)
//	@name              an abstract unix socket
//	&N                 the already listening socket inherited as fd N
//	""                 the first socket passed by systemd (LISTEN_FDS and
//	                   LISTEN_PID), else DefaultSocket
func Listen(spec string) (net.Listener, error) {
	switch {
	case spec == "":
		if fd, ok := systemdFD(); ok {
			return fdListener(fd)
		}
		return listenPath(DefaultSocket)
	case strings.HasPrefix(spec, "&"):
		fd, err := strconv.Atoi(spec[1:])
		if err != nil || fd < 0 {
			return nil, fmt.Errorf("socket %q: bad file descriptor number", spec)
		}
		return fdListener(fd)
	case strings.HasPrefix(spec, "@"):
		ln, err := net.Listen("unix", spec)
		if err != nil {
			return nil, fmt.Errorf("listen on abstract socket %q: %w", spec, err)
		}
		return ln, nil
	}
	return listenPath(spec)
}

// systemdFD returns the first socket systemd passed to this process and
// clears the variables so that commands the server starts do not take it
// (sd_listen_fds with unset_environment).
func systemdFD() (int, bool) {
	pid, err1 := strconv.Atoi(os.Getenv("LISTEN_PID"))
	n, err2 := strconv.Atoi(os.Getenv("LISTEN_FDS"))
	if err1 != nil || err2 != nil || pid != os.Getpid() || n < 1 {
		return 0, false
	}
	os.Unsetenv("LISTEN_PID")
	os.Unsetenv("LISTEN_FDS")
	os.Unsetenv("LISTEN_FDNAMES")
	return listenFDsStart, true
}

func fdListener(fd int) (net.Listener, error) {
	f := os.NewFile(uintptr(fd), "listen-fd-"+strconv.Itoa(fd))
	if f == nil {
		return nil, fmt.Errorf("socket &%d: bad file descriptor", fd)
	}
	defer f.Close() // FileListener dups it
	ln, err := net.FileListener(f)
	if err != nil {
		return nil, fmt.Errorf("socket &%d: %w", fd, err)
	}
	if _, ok := ln.(*net.UnixListener); !ok {
		ln.Close()
		return nil, fmt.Errorf("socket &%d: not a unix socket", fd)
	}
	return ln, nil
}

// listenPath creates the socket file, replacing a stale one left by a
// server that died, but never one another server still answers on.
func listenPath(path string) (net.Listener, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("socket directory: %w", err)
	}
	if err := removeStale(path); err != nil {
		return nil, err
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	if err := setSocketMode(path); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("socket %s: %w", path, err)
	}
	if fi.Mode()&os.ModeSocket == 0 {
		return fmt.Errorf("socket %s: exists and is not a socket", path)
	}
	if c, err := net.Dial("unix", path); err == nil {
		c.Close()
		return fmt.Errorf("socket %s: another server is listening", path)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("remove stale socket %s: %w", path, err)
	}
	return nil
}

// setSocketMode restricts the socket to root, or to root and the libcare
// group when it exists (dist/libcare.socket: SocketGroup=libcare, 0660).
// Requests are still refused unless the peer is root.
func setSocketMode(path string) error {
	mode := os.FileMode(0o600)
	if g, err := user.LookupGroup("libcare"); err == nil {
		gid, _ := strconv.Atoi(g.Gid)
		if err := os.Chown(path, -1, gid); err != nil {
			return fmt.Errorf("socket %s: chown to group libcare: %w", path, err)
		}
		mode = 0o660
	}
	if err := os.Chmod(path, mode); err != nil {
		return fmt.Errorf("socket %s: %w", path, err)
	}
	return nil
}
