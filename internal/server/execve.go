package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// execReadyTimeout bounds the wait for the new program's side of the
// execve handshake: ld.so maps the libraries and runs the helper's
// constructor within milliseconds of the execve.
const execReadyTimeout = 5 * time.Second

// helperMarker is the argument our preload helper adds to its request
// ("execve TID golibcare"): LibcarePlus's helper sends no third argument,
// and its server reads only the second.
const helperMarker = "golibcare"

// execve serves an execve request. One from LibcarePlus's own helper (no
// marker) goes to execveUpstream; one from ours keeps the handshake below.
func (s *Server) execve(ctx context.Context, out io.Writer, c net.Conn, args []string) {
	ours := len(args) == 3 && args[2] == helperMarker
	if ours {
		args = args[:2]
	}
	tid, ok := pidCommand(out, args, "execve TID")
	if !ok {
		return
	}
	if !ours {
		s.execveUpstream(c, tid)
		return
	}
	s.execveOurs(ctx, out, c, tid)
}

// execveOurs serves our preload helper (preload/execve.c, facts §8.13). The
// helper sends "execve TID golibcare" from the thread about to call execve
// and waits for 4 bytes. It then executes the program with the connection
// left open (LIBCARE_EXECVE_FD); the helper's constructor in the new image,
// which ld.so runs after mapping every DT_NEEDED library and before the
// program's entry point, sends one byte and blocks until the connection
// closes. Patching in between makes the program run patched code from its
// first instruction, without ptrace tricks around the exec itself.
func (s *Server) execveOurs(ctx context.Context, out io.Writer, c net.Conn, tid int) {
	pid := tgid(tid) // execve makes the caller the thread-group leader
	unlock := s.locks.lockPid(pid)
	defer unlock()
	defer s.markExecve(pid, false)
	s.markExecve(pid, true)
	if _, err := out.Write(make([]byte, 4)); err != nil {
		return
	}
	if err := waitExecReady(c); err != nil {
		s.logf("execve %d: %v", tid, err)
		return
	}
	storage := s.Storage()
	if why := s.AutoOff(); why != "" {
		s.event("execve: not patched", slog.Int("pid", pid), slog.String("reason", why))
		return
	}
	if len(s.patchedObjects(pid, storage)) == 0 {
		s.logf("execve %d: nothing in %s for it", pid, storage)
		return
	}
	start := time.Now()
	log := s.logWriter(fmt.Sprintf("execve %d: ", pid))
	code := s.dispatch(ctx, log, []string{"patch", "-p", strconv.Itoa(pid), storage})
	s.logf("execve %d: patched at startup in %v (exit %d)", pid, time.Since(start), code)
}

// waitExecReady reads the byte the new program's constructor sends.
func waitExecReady(c net.Conn) error {
	c.SetReadDeadline(time.Now().Add(execReadyTimeout))
	defer c.SetReadDeadline(time.Time{})
	var b [1]byte
	if _, err := io.ReadFull(c, b[:]); err != nil {
		return fmt.Errorf("no startup handshake from the new program: %w", err)
	}
	return nil
}

// tgid returns the process a thread belongs to (the Tgid line of
// /proc/TID/status), or tid itself when that cannot be read.
func tgid(tid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(tid) + "/status")
	if err != nil {
		return tid
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Tgid:"); ok {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
				return n
			}
		}
	}
	return tid
}

func (s *Server) markExecve(pid int, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if on {
		s.inExecve[pid] = true
	} else {
		delete(s.inExecve, pid)
	}
}

// handledByExecve reports whether the preload handshake takes care of pid.
func (s *Server) handledByExecve(pid int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inExecve[pid]
}
