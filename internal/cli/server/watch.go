package server

import (
	"context"
	"fmt"

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
		if err := s.Watch(ctx, w, startup.Patcher{Verbose: opts.Verbose > 1, MaxSize: int64(opts.MaxSize)}); err != nil {
			fmt.Fprintf(opts.Stderr, "libcare-server: %v\n", err)
		}
	}()
	return nil
}
