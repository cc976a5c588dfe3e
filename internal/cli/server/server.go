// Package server wires `libcare-ctl server [-v] [--watch] [SOCKET]
// [STORAGE]`: the socket server of internal/server, running libcare-ctl
// commands for libcare-client (facts §7.3).
package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/golibcare/golibcare/internal/audit"
	"github.com/golibcare/golibcare/internal/cli/ctl"
	"github.com/golibcare/golibcare/internal/kpatch"
	"github.com/golibcare/golibcare/internal/server"
	"github.com/golibcare/golibcare/internal/signature"
)

// Options are the parsed arguments of `server`.
type Options struct {
	Verbose int
	Watch   bool
	Socket  string // "" = systemd socket or server.DefaultSocket
	Storage string
	// MaxSize bounds the patch files the server reads (--max-size), for
	// its own patching and as the default of patch requests.
	MaxSize ctl.Size
	// Keys is the trusted keys directory (--keys): once it holds *.pub
	// keys, only patches signed by one of them are applied.
	Keys string
	// LogFormat is the audit trail's format, text or json (--log-format);
	// the trail, always on, goes to Stderr.
	LogFormat string
	Audit     *slog.Logger
	Stderr    io.Writer
	// Dispatcher runs the libcare-ctl commands (a fresh cobra root each).
	Dispatcher server.Dispatcher
}

// NewCmd returns the `server` command, to be added to the libcare-ctl root.
func NewCmd() *cobra.Command { return newCmd(nil) }

func newCmd(runF func(*Options) error) *cobra.Command {
	opts := &Options{MaxSize: kpatch.DefaultMaxSize}
	cmd := &cobra.Command{
		Use:   "server [-v] [--watch] [--max-size N] [--keys DIR] [SOCKET] [STORAGE]",
		Short: "serve libcare-client requests on a unix socket",
		Long: "SOCKET is a path, @name (abstract socket) or &N (inherited listening fd N); " +
			"without it, a socket passed by systemd (LISTEN_FDS) or " + server.DefaultSocket +
			". STORAGE defaults to " + server.DefaultStorage + ".",
		Args:                  cobra.MaximumNArgs(2),
		DisableFlagsInUseLine: true,
		SilenceErrors:         true,
		SilenceUsage:          true,
		RunE: func(c *cobra.Command, args []string) error {
			opts.Verbose += inheritedVerbose(c)
			opts.Socket, opts.Storage = argOr(args, 0, ""), argOr(args, 1, server.DefaultStorage)
			opts.Stderr = c.ErrOrStderr()
			if f := c.InheritedFlags().Lookup("log-format"); f != nil && f.Changed {
				opts.LogFormat = f.Value.String() // given before "server"
			}
			var err error
			if opts.Audit, err = audit.NewLogger(opts.Stderr, opts.LogFormat); err != nil {
				return err
			}
			opts.Dispatcher = ctlDispatcher{maxSize: int64(opts.MaxSize), keys: opts.Keys, log: opts.Stderr, audit: opts.Audit}
			if runF != nil {
				return runF(opts)
			}
			return Run(c.Context(), opts)
		},
	}
	cmd.Flags().CountVarP(&opts.Verbose, "verbose", "v", "log every request to standard error")
	cmd.Flags().BoolVar(&opts.Watch, "watch", false, "patch new processes whose program has a patch in STORAGE")
	cmd.Flags().Var(&opts.MaxSize, "max-size", "largest patch file to read (K, M, G suffixes)")
	cmd.Flags().StringVar(&opts.Keys, "keys", signature.DefaultKeysDir, "trusted public keys (*.pub): when there are any, refuse patches without a valid signature by one")
	cmd.Flags().StringVar(&opts.LogFormat, "log-format", audit.FormatText, "audit trail format on standard error: text or json")
	return cmd
}

// inheritedVerbose counts a -v given before "server" to the libcare-ctl root.
func inheritedVerbose(c *cobra.Command) int {
	if c.Root() == c {
		return 0
	}
	f := c.Root().PersistentFlags().Lookup("verbose")
	if f == nil || !f.Changed {
		return 0
	}
	var n int
	fmt.Sscan(f.Value.String(), &n)
	return n
}

func argOr(args []string, i int, def string) string {
	if i < len(args) {
		return args[i]
	}
	return def
}

// Run serves until SIGTERM/SIGINT, a "stop" request or ctx's end.
func Run(ctx context.Context, opts *Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	ln, err := server.Listen(opts.Socket)
	if err != nil {
		return err
	}
	cfg := server.Config{Dispatcher: opts.Dispatcher, Storage: opts.Storage, Audit: opts.Audit}
	if opts.Verbose > 0 {
		cfg.Log = opts.Stderr
	}
	s := server.New(cfg)
	if opts.Verbose > 0 {
		fmt.Fprintf(opts.Stderr, "libcare-server: listening on %s, storage %s\n", ln.Addr(), opts.Storage)
	}
	if err := startAuto(ctx, s, opts); err != nil {
		ln.Close()
		return err
	}
	return s.Serve(ctx, ln)
}
