package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golibcare/golibcare/internal/audit"
)

// Dispatcher runs one libcare-ctl command line with its output going to
// stdout and stderr, and returns its exit status.
type Dispatcher interface {
	Run(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

// requestTimeout bounds how long a client may take to send its request, so
// a silent client cannot hold a goroutine and a socket forever.
const requestTimeout = 10 * time.Second

// Config configures a Server.
type Config struct {
	Dispatcher Dispatcher
	Storage    string    // patch storage directory (DefaultStorage if "")
	Log        io.Writer // verbose log of requests; nil = silent
	// Processes lists the processes update considers (default: all but
	// init and the server); tests narrow it to their own.
	Processes func() []int
	// OnWatchPatch, if set, is told about every process Watch patched.
	OnWatchPatch func(WatchReport)
	// Audit gets the audit trail: refused requests and lifecycle events
	// (the operations' records come from the Dispatcher); nil = none.
	Audit *slog.Logger
	// Cmdline and DisabledFile are the kill switch's files (AutoOff);
	// "" = the defaults or their environment overrides.
	Cmdline, DisabledFile string
}

// Server serves libcare-client requests.
type Server struct {
	cfg   Config
	locks *locks
	objs  *objectCache
	logMu sync.Mutex

	mu      sync.Mutex
	storage string
	// inExecve holds the pids the preload helper's handshake is patching,
	// which the exec watcher must leave alone.
	inExecve map[int]bool
	stop     chan struct{}
	stopped  bool
	// storageMoved tells the storage watcher about a "storage DIR".
	storageMoved chan struct{}
	// updateMu runs automatic updates one at a time.
	updateMu sync.Mutex
}

// New returns a server for cfg.
func New(cfg Config) *Server {
	s := &Server{cfg: cfg, locks: newLocks(), objs: newObjectCache(), stop: make(chan struct{}),
		storage: cfg.Storage, inExecve: map[int]bool{}, storageMoved: make(chan struct{}, 1)}
	if s.storage == "" {
		s.storage = DefaultStorage
	}
	return s
}

// Storage returns the current patch storage directory.
func (s *Server) Storage() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.storage
}

// Stop makes Serve return once the requests in progress are answered.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.stopped {
		s.stopped = true
		close(s.stop)
	}
}

// Serve accepts connections on ln until ctx is done, Stop is called or a
// client sends "stop"; it closes ln and waits for running requests.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-ctx.Done():
		case <-s.stop:
		}
		ln.Close()
	}()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || s.isStopped() {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("accept: %w", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.handle(ctx, c)
		}()
	}
}

func (s *Server) isStopped() bool {
	select {
	case <-s.stop:
		return true
	default:
		return false
	}
}

func (s *Server) logf(format string, args ...any) {
	if s.cfg.Log == nil {
		return
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(s.cfg.Log, "libcare-server: "+format+"\n", args...)
}

// handle answers one connection: read the request, check the peer, run it.
func (s *Server) handle(ctx context.Context, c net.Conn) {
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(requestTimeout))
	args, opts, err := ReadRequestOptions(c)
	c.SetReadDeadline(time.Time{})
	if len(args) > 0 && (args[0] == "execve" || args[0] == "startup") {
		opts = nil // handshakes with raw bytes on the connection
	}
	rep := NewReplier(c, opts)
	cred, cerr := peerCred(c)
	status := 1
	switch {
	case cerr != nil:
		s.reply(rep.Stderr(), "error: %v", cerr)
	case cred.Uid != 0:
		s.event("request refused", slog.Int("client_uid", int(cred.Uid)), slog.Int("client_pid", int(cred.Pid)),
			slog.String("result", "refused"), slog.String("error", "client is not root"))
		s.reply(rep.Stderr(), "error: permission denied: client uid %d is not root", cred.Uid)
	case err != nil:
		s.logf("bad request from pid %d: %v", cred.Pid, err)
		s.reply(rep.Stderr(), "error: bad request: %v", err)
	default:
		s.logf("request from pid %d: %q", cred.Pid, args)
		ctx = audit.WithCaller(ctx, audit.Caller{UID: int(cred.Uid), Pid: int(cred.Pid)})
		status = s.run(ctx, c, rep, args, int(cred.Pid))
	}
	rep.Finish(status)
}

func (s *Server) reply(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, format+"\n", args...)
}

// run executes one request; everything it prints goes to the client. It
// returns the exit status (0, 1 failure, 2 usage error, or libcare-ctl's).
// peer is the client's pid, whose working directory relative paths name.
func (s *Server) run(ctx context.Context, c net.Conn, rep *Replier, args []string, peer int) int {
	out := rep.Stdout()
	switch args[0] {
	case "stop":
		s.reply(out, "stopping")
		s.Stop()
		return 0
	case "storage":
		return s.setStorage(out, args, peer)
	case "update":
		return s.update(ctx, out, args[1:])
	case "startup":
		s.startup(ctx, out, args)
		return 0
	case "execve":
		s.execve(ctx, out, c, args)
		return 0
	default:
		unlock := s.locks.lockFor(args)
		defer unlock()
		if pids, dir, ok := storagePatch(args); ok {
			s.supersede(ctx, out, pids, dir)
		}
		return s.dispatch(ctx, out, args)
	}
}

func (s *Server) dispatch(ctx context.Context, out io.Writer, args []string) int {
	if s.cfg.Dispatcher == nil {
		s.reply(stderrOf(out), "error: no command dispatcher")
		return 1
	}
	code := s.cfg.Dispatcher.Run(ctx, args, out, stderrOf(out))
	s.logf("%q exited with %d", args, code)
	return code
}

func (s *Server) setStorage(out io.Writer, args []string, peer int) int {
	if len(args) != 2 {
		s.reply(stderrOf(out), "usage: storage DIR")
		return 2
	}
	dir := args[1]
	if !filepath.IsAbs(dir) {
		// Relative to the client, as the user who typed it expects.
		cwd, err := os.Readlink("/proc/" + strconv.Itoa(peer) + "/cwd")
		if err != nil {
			s.reply(stderrOf(out), "error: storage %s: client working directory: %v", dir, err)
			return 1
		}
		dir = filepath.Join(cwd, dir)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		s.reply(stderrOf(out), "error: storage %s: not a directory", dir)
		return 1
	}
	s.mu.Lock()
	s.storage = dir
	s.mu.Unlock()
	select {
	case s.storageMoved <- struct{}{}:
	default:
	}
	s.logf("storage is now %s", dir)
	return 0
}

// startup patches a process that waits for a 4-byte answer on the
// connection before it goes on (facts §7.3 "startup"): the answer comes once
// the request is accepted, then the process is patched from storage.
func (s *Server) startup(ctx context.Context, out io.Writer, args []string) {
	pid, ok := pidCommand(out, args, "startup PID")
	if !ok {
		return
	}
	unlock := s.locks.lockPid(pid)
	defer unlock()
	if _, err := out.Write(make([]byte, 4)); err != nil {
		return
	}
	if why := s.AutoOff(); why != "" {
		s.event("startup: not patched", slog.Int("pid", pid), slog.String("reason", why))
		return
	}
	s.dispatch(ctx, out, []string{"patch", "-p", strconv.Itoa(pid), s.Storage()})
}

func pidCommand(out io.Writer, args []string, usage string) (int, bool) {
	if len(args) != 2 {
		fmt.Fprintf(out, "usage: %s\n", usage)
		return 0, false
	}
	pid, err := strconv.Atoi(args[1])
	if err != nil || pid <= 0 {
		fmt.Fprintf(out, "error: bad process id %q\n", args[1])
		return 0, false
	}
	return pid, true
}

// logWriter returns a writer that copies a command's output into the log,
// for commands that run with no client to read it.
func (s *Server) logWriter(prefix string) io.Writer {
	if s.cfg.Log == nil {
		return io.Discard
	}
	return &prefixWriter{s: s, prefix: prefix}
}

type prefixWriter struct {
	s      *Server
	prefix string
}

func (w *prefixWriter) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		w.s.logf("%s%s", w.prefix, line)
	}
	return len(p), nil
}
