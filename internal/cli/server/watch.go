package server

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/golibcare/golibcare/internal/audit"
	"github.com/golibcare/golibcare/internal/sdnotify"
	"github.com/golibcare/golibcare/internal/server"
	"github.com/golibcare/golibcare/internal/server/startup"
	"github.com/golibcare/golibcare/internal/watch"
)

// startWatch subscribes to exec events and patches new processes in the
// background until ctx ends.
func startWatch(ctx context.Context, s *server.Server, opts *Options) error {
	w, err := watch.Listen()
	if err != nil {
		return fmt.Errorf("--watch: %w", err)
	}
	go func() {
		<-ctx.Done()
		w.Close()
	}()
	go func() {
		if err := s.Watch(ctx, w, startup.Patcher{Verbose: opts.Verbose > 1, MaxSize: int64(opts.MaxSize), Audit: execAudit(opts.Audit)}); err != nil {
			fmt.Fprintf(opts.Stderr, "libcare-server: %v\n", err)
		}
	}()
	return nil
}

// startAuto runs the automatic part of the server (restore and storage watch,
// exec events with --watch) unless the kill switch is on, then tells
// systemd the server is ready and keeps its watchdog fed.
func startAuto(ctx context.Context, s *server.Server, opts *Options) error {
	if s.AutoOff() == "" && opts.Watch {
		if err := startWatch(ctx, s, opts); err != nil {
			return err
		}
	}
	s.Restore(ctx) // says why when the kill switch is on
	if _, err := sdnotify.Notify(sdnotify.Ready); err != nil {
		fmt.Fprintf(opts.Stderr, "libcare-server: %v\n", err)
	}
	go func() {
		if err := sdnotify.KeepAlive(ctx); err != nil {
			fmt.Fprintf(opts.Stderr, "libcare-server: %v\n", err)
		}
	}()
	return nil
}

func execAudit(l *slog.Logger) *slog.Logger {
	if l == nil {
		return nil
	}
	return l.With(audit.Caller{Trigger: "exec"}.Attrs()...)
}
