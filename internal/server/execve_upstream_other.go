//go:build !(linux && amd64)

package server

import "net"

// execveUpstream answers LibcarePlus's helper; tracing it through its exec
// needs linux/amd64.
func (s *Server) execveUpstream(c net.Conn, tid int) {
	c.Write(make([]byte, 4))
	s.logf("execve %d: upstream helper: only supported on linux/amd64", tid)
}
