package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"

	"github.com/golibcare/golibcare/internal/watch"
)

// Holder stops a process that has just executed a new program at the
// program's entry point, after ld.so mapped its libraries, so that no code
// of the program runs before it is patched. release lets it go on.
type Holder interface {
	Hold(pid int) (release func() error, err error)
}

// EventSource delivers process events (a *watch.Watcher).
type EventSource interface {
	Next() (watch.Event, error)
}

// Watch patches every process that executes a program with a patch in
// storage, until ctx is done or events fails. Each exec is handled in its
// own goroutine, so a slow patch does not delay the next process.
func (s *Server) Watch(ctx context.Context, events EventSource, h Holder) error {
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
			s.onExec(ctx, ev, h)
		}()
	}
}

// onExec decides from the program file alone (no stop) whether pid needs a
// patch, then holds it at its entry point and patches it.
func (s *Server) onExec(ctx context.Context, ev watch.Event, h Holder) {
	pid := ev.Pid
	exe := "/proc/" + strconv.Itoa(pid) + "/exe"
	if !s.objs.hasPatch(exe, s.Storage()) {
		return
	}
	unlock := s.locks.lockPid(pid)
	defer unlock()
	release, err := h.Hold(pid)
	if err != nil {
		s.logf("watch: pid %d: %v", pid, err)
		return
	}
	held := watch.Monotonic()
	code := s.dispatch(ctx, s.logWriter(fmt.Sprintf("watch %d: ", pid)), []string{"patch", "-p", strconv.Itoa(pid), s.Storage()})
	patched := watch.Monotonic()
	if err := release(); err != nil {
		s.logf("watch: pid %d: %v", pid, err)
	}
	s.logf("watch: pid %d: held %d µs after exec, patched %d µs after exec (exit %d)",
		pid, (held - ev.Time).Microseconds(), (patched - ev.Time).Microseconds(), code)
	if s.cfg.OnWatchPatch != nil {
		s.cfg.OnWatchPatch(pid, patched-ev.Time, code)
	}
}
