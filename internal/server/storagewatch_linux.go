package server

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// storageDebounce is how long the storage must stay quiet before an
// update: adding a level is several renames, and a package install many
// files, which should cost one update.
const storageDebounce = 300 * time.Millisecond

// storageDepth is how deep the layout goes: <bid>/<level>/ holds the
// level's disabled marker.
const storageDepth = 2

// storageEvents are the inotify events that change what storage holds.
const storageEvents = unix.IN_CREATE | unix.IN_DELETE | unix.IN_MOVED_TO | unix.IN_MOVED_FROM |
	unix.IN_CLOSE_WRITE | unix.IN_ATTRIB | unix.IN_DELETE_SELF | unix.IN_ONLYDIR

// storageRetry is how often a storage directory that cannot be watched
// (not made yet) is tried again.
const storageRetry = 5 * time.Second

// watchStorage runs an update after every change of the storage
// directory (inotify(7) on it and its subdirectories), debounced, until
// ctx ends. A "storage DIR" request moves the watch to DIR (and updates).
func (s *Server) watchStorage(ctx context.Context) {
	update, failed := false, ""
	for ctx.Err() == nil {
		dir := s.Storage()
		err := s.watchDir(ctx, dir, update)
		switch {
		case ctx.Err() != nil:
			return
		case err == nil: // moved
			update, failed = true, ""
			continue
		case err.Error() != failed: // said once, not every retry
			failed = err.Error()
			s.event("storage not watched", slog.String("storage", dir), slog.String("error", failed))
		}
		// Whatever appears meanwhile is applied once the watch is up.
		update = true
		select {
		case <-ctx.Done():
		case <-s.storageMoved:
		case <-time.After(storageRetry):
		}
	}
}

// watchDir watches dir until ctx ends, the storage directory changes
// (nil error) or inotify fails; with update, it updates once the watch is
// in place.
func (s *Server) watchDir(ctx context.Context, dir string, update bool) error {
	in, err := newInotify(dir)
	if err != nil {
		return err
	}
	defer in.close()
	changed := make(chan struct{}, 1)
	go in.run(changed)
	var timer <-chan time.Time
	if update {
		timer = time.After(0)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.storageMoved:
			return nil
		case _, ok := <-changed:
			if !ok {
				return fmt.Errorf("inotify %s: %w", dir, in.err)
			}
			timer = time.After(storageDebounce)
		case <-timer:
			timer = nil
			s.autoUpdate(ctx, "storage")
		}
	}
}

// inotify watches a directory tree storageDepth deep.
type inotify struct {
	dir string
	f   *os.File
	err error
}

func newInotify(dir string) (*inotify, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("inotify: %w", err)
	}
	// Non-blocking and through os.File: the runtime poller waits for it,
	// and Close wakes the reader.
	in := &inotify{dir: dir, f: os.NewFile(uintptr(fd), "inotify")}
	if err := in.add(dir, 0); err != nil {
		in.close()
		return nil, err
	}
	return in, nil
}

// add watches dir and its subdirectories down to storageDepth; adding a
// watched directory again is harmless (same descriptor).
func (in *inotify) add(dir string, depth int) error {
	if _, err := unix.InotifyAddWatch(int(in.f.Fd()), dir, storageEvents); err != nil {
		return fmt.Errorf("inotify %s: %w", dir, err)
	}
	if depth == storageDepth {
		return nil
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.IsDir() {
			in.add(filepath.Join(dir, e.Name()), depth+1) // a directory going away meanwhile is fine
		}
	}
	return nil
}

// run reads events, re-adds watches for new directories and signals
// changed (without blocking: one pending signal is enough); it closes
// changed when reading fails or the top directory goes away.
func (in *inotify) run(changed chan<- struct{}) {
	defer close(changed)
	buf := make([]byte, 64<<10)
	for {
		n, err := in.f.Read(buf)
		if err != nil {
			in.err = err
			return
		}
		gone := false
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			// struct inotify_event: wd, mask, cookie, len, name[len].
			mask := binary.NativeEndian.Uint32(buf[off+4:])
			gone = gone || mask&(unix.IN_DELETE_SELF|unix.IN_IGNORED) != 0 && !exists(in.dir)
			off += unix.SizeofInotifyEvent + int(binary.NativeEndian.Uint32(buf[off+12:]))
		}
		if gone {
			in.err = errors.New("storage directory removed")
			return
		}
		in.add(in.dir, 0)
		select {
		case changed <- struct{}{}:
		default:
		}
	}
}

func exists(dir string) bool {
	_, err := os.Stat(dir)
	return err == nil
}

func (in *inotify) close() { in.f.Close() }
