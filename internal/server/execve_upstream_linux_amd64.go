package server

import (
	"fmt"
	"net"
	"time"

	"github.com/golibcare/golibcare/internal/ptrace"
	"github.com/golibcare/golibcare/internal/server/startup"
)

// execveUpstream serves LibcarePlus's own helper (tests/execve/execve.c),
// which after the 4-byte answer closes the connection and executes int3
// unconditionally before its real execve: untraced, that SIGTRAP would
// kill the program. So the thread is seized before the answer, its trap
// swallowed, and the new program held at its exec and patched at its entry
// point (facts §8.13). Whatever fails, the process is left running
// untraced; a failed execve leaves the old program running on.
func (s *Server) execveUpstream(c net.Conn, tid int) {
	pid := tgid(tid) // execve makes the caller the thread-group leader
	unlock := s.locks.lockPid(pid)
	defer unlock()
	defer s.markExecve(pid, false)
	s.markExecve(pid, true)
	answered := false
	answer := func() error {
		answered = true
		_, err := c.Write(make([]byte, 4))
		return err
	}
	start := time.Now()
	p, err := ptrace.CatchExec(tid, answer, execReadyTimeout)
	if err != nil {
		if !answered {
			// Nothing can stop its int3 now; at least do not leave it
			// waiting for the answer.
			answer()
		}
		s.logf("execve %d: upstream helper: %v", tid, err)
		return
	}
	pid = p.Pid()
	storage := s.Storage()
	if !s.objs.hasPatch(fmt.Sprintf("/proc/%d/exe", pid), storage) || s.AutoOff() != "" {
		if err := p.Detach(); err != nil {
			s.logf("execve %d: %v", pid, err)
		}
		s.logf("execve %d: nothing in %s for it", pid, storage)
		return
	}
	log := s.logWriter(fmt.Sprintf("execve %d: ", pid))
	reached, err := startup.Patcher{Audit: s.cfg.Audit}.PatchHeld(p, storage, log)
	if err != nil {
		s.logf("execve %d: %v", pid, err)
	}
	where := "at its entry point"
	if !reached {
		where = "after its entry point"
	}
	s.logf("execve %d: upstream helper: patched %s in %v (error %v)", pid, where, time.Since(start), err)
}
