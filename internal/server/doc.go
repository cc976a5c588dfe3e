// Package server is the libcare-ctl server: it listens on a unix socket,
// reads one command per connection in the libcare-client framing
// (NUL-separated argv ending with an extra NUL, facts §7.3), runs it and
// streams its output back, then closes the connection (LibcarePlus
// src/kpatch_user.c cmd_server).
//
// Unlike LibcarePlus, several clients are served at once: each connection
// has its own goroutine, and only requests for the same process are
// serialised. Commands other than the server's own (storage, update,
// startup, execve, stop) go to a Dispatcher, which runs libcare-ctl.
package server
