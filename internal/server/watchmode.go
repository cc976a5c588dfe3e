package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/golibcare/golibcare/internal/watch"
)

// EntryPatcher patches a process that has just executed a new program
// from storage, at the program's entry point (after ld.so mapped its
// libraries) so that no code of the program runs unpatched. reached says
// whether it was caught before its entry point.
type EntryPatcher interface {
	PatchAtEntry(ctx context.Context, pid int, storage string, out io.Writer) (reached bool, err error)
}

// prestarter is an EntryPatcher that can get ready for the next process
// ahead of time (startup.Patcher starts a tracer thread).
type prestarter interface{ Prestart() }

// EventSource delivers process events (a *watch.Watcher).
type EventSource interface {
	Next() (watch.Event, error)
}

// Watch patches every process that executes a program with a patch in
// storage, until ctx is done or events fails. Each exec is handled in its
// own goroutine, so a slow patch does not delay the next process.
func (s *Server) Watch(ctx context.Context, events EventSource, p EntryPatcher) error {
	if ps, ok := p.(prestarter); ok {
		ps.Prestart()
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		ev, err := events.Next()
		if errors.Is(err, watch.ErrOverrun) {
			s.logf("watch: %v", err)
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("watch: %w", err)
		}
		if ev.Kind != watch.KindExec || ev.Pid != ev.Tgid || ev.Pid == os.Getpid() {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.onExec(ctx, ev, p)
		}()
	}
}

// onExec decides from the program file alone (no stop) whether pid needs a
// patch, then patches it at its entry point.
func (s *Server) onExec(ctx context.Context, ev watch.Event, p EntryPatcher) {
	pid := ev.Pid
	if s.handledByExecve(pid) || !s.objs.hasPatch("/proc/"+strconv.Itoa(pid)+"/exe", s.Storage()) {
		return
	}
	if why := s.AutoOff(); why != "" {
		s.event("exec: not patched", slog.Int("pid", pid), slog.String("reason", why))
		return
	}
	unlock := s.locks.lockPid(pid)
	defer unlock()
	started := watch.Monotonic() - ev.Time
	reached, err := p.PatchAtEntry(ctx, pid, s.Storage(), s.logWriter(fmt.Sprintf("watch %d: ", pid)))
	after := watch.Monotonic() - ev.Time
	code := 0
	if err != nil {
		s.logf("watch: pid %d: %v", pid, err)
		code = 1
	}
	where := "at its entry point"
	if !reached {
		where = "after its entry point"
	}
	s.logf("watch: pid %d: patched %s, %d µs after exec (exit %d)", pid, where, after.Microseconds(), code)
	if s.cfg.OnWatchPatch != nil {
		s.cfg.OnWatchPatch(WatchReport{Pid: pid, Started: started, AfterExec: after, AtEntry: reached, Err: err})
	}
}

// WatchReport tells what Watch did for one process.
type WatchReport struct {
	Pid       int
	Started   time.Duration // from the exec event to the start of the seize
	AfterExec time.Duration // from the exec event to the patch in place
	AtEntry   bool          // caught before its entry point: no unpatched code ran
	Err       error
}
