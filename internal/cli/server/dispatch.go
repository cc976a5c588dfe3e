package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"

	"github.com/golibcare/golibcare/internal/audit"
	"github.com/golibcare/golibcare/internal/cli/ctl"
	"github.com/golibcare/golibcare/internal/signature"
)

// ctlDispatcher runs one libcare-ctl command line in this process. Cobra
// commands keep flag state, so every request gets a fresh root.
type ctlDispatcher struct {
	maxSize int64 // default of patch --max-size (0: libcare-ctl's)
	// keys is the trusted keys directory: once it holds keys, unsigned
	// or wrongly signed patches are refused, and said so on log.
	keys  string
	log   io.Writer
	audit *slog.Logger
}

func (d ctlDispatcher) Run(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		// One bad request must not take the server, and every other
		// client's request, down with it.
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "libcare-ctl: internal error: %v\n%s", r, debug.Stack())
			code = 255
		}
	}()
	root := ctl.NewCmdWith(&ctl.Options{Stdout: stdout, Stderr: stderr, MaxSize: d.maxSize, TrustedKeys: d.keys,
		Audit: d.auditFor(ctx)})
	root.SetArgs(args)
	root.SetIn(eofReader{})
	err := root.ExecuteContext(ctx)
	if err != nil {
		ctl.PrintError(stderr, err)
		if d.log != nil && isSignatureRefusal(err) {
			fmt.Fprintf(d.log, "libcare-server: refused %q: %v\n", args, err)
		}
	}
	return ctl.ExitCode(err)
}

func isSignatureRefusal(err error) bool {
	return errors.Is(err, signature.ErrUnsigned) || errors.Is(err, signature.ErrUntrusted) || errors.Is(err, signature.ErrBadFormat)
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// auditFor returns the audit logger with who asked for the command.
func (d ctlDispatcher) auditFor(ctx context.Context) *slog.Logger {
	if d.audit == nil {
		return nil
	}
	if c, ok := audit.CallerOf(ctx); ok {
		return d.audit.With(c.Attrs()...)
	}
	return d.audit
}
