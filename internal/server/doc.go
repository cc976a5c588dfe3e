// Package server is the libcare-ctl server: it listens on a unix socket,
// reads one command per connection in the libcare-client framing
// (NUL-separated argv ending with an extra NUL, at most 4096 bytes and 32
// arguments, facts §7.3), runs it and streams its output back, then closes
// the connection (LibcarePlus src/kpatch_user.c cmd_server). Requests from
// peers that are not root (SO_PEERCRED) are refused.
//
// Unlike LibcarePlus, several clients are served at once: each connection
// has its own goroutine, and only requests for the same process are
// serialised (a per-pid lock; "-p all" takes every lock).
//
// Commands:
//
//	patch|unpatch|info[-user] ...  run by the Dispatcher (libcare-ctl); a
//	                               "patch -p PID DIR" first unpatches patches
//	                               that DIR holds a higher level of
//	update                         patch every process mapping an object with
//	                               a patch in storage; idempotent
//	storage DIR                    change the storage directory
//	startup PID                    answer 4 zero bytes, then patch PID
//	execve TID [golibcare]         the preload helper's handshake: with the marker our helper
//	                               (preload/execve.c), without it upstream's execve.so, traced
//	                               through its int3 and the exec (execve.go)
//	stop                           stop serving
//
// Storage (facts §7.2) holds <BuildID>.kpatch files or
// <BuildID>/<level>/kpatch.bin with a <BuildID>/latest link naming the
// level (internal/store, which also marks patches disabled). With Watch, the
// server also patches new processes as they exec, from the netlink process
// connector (internal/watch).
//
// Lifecycle (Restore): at start the server runs update, so processes
// already running get their patches after a reboot or a restart of the
// server, then again after every change of the storage directory
// (inotify, debounced); update also removes patches that storage now has
// disabled or at another level. The boot kill switch (AutoOff) turns all
// of that off, and the exec and preload handshakes' patching with it.
// Config.Audit gets the server's own records (refused requests, lifecycle);
// the operations' records come from the Dispatcher, which finds who asked
// in the context (audit.CallerOf).
package server
