// Package audit writes the audit trail: one structured record (log/slog)
// per operation on a process — a patch or an unpatch applied, refused or
// failed — with what was changed, how long the process was stopped, and
// who asked (a client's uid from SO_PEERCRED, or the server's own trigger).
package audit

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/golibcare/golibcare/internal/apply"
	"github.com/golibcare/golibcare/internal/kpatch"
)

// Formats of NewLogger.
const (
	FormatText = "text"
	FormatJSON = "json"
)

// NewLogger returns a logger writing records to w as text (key=value) or
// JSON lines.
func NewLogger(w io.Writer, format string) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	switch format {
	case "", FormatText:
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case FormatJSON:
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("bad log format %q: want text or json", format)
}

// Caller says who asked for an operation: a client of the server, or the
// server itself (Trigger: "start", "storage", "exec", "startup", ...).
type Caller struct {
	UID     int
	Pid     int
	Trigger string
}

type callerKey struct{}

// WithCaller returns ctx carrying c.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerOf returns the caller ctx carries.
func CallerOf(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// Attrs returns c as record attributes.
func (c Caller) Attrs() []any {
	if c.Trigger != "" {
		return []any{slog.String("trigger", c.Trigger)}
	}
	return []any{slog.Int("client_uid", c.UID), slog.Int("client_pid", c.Pid)}
}

// Op is one operation on one process.
type Op struct {
	Kind string // "patch", "unpatch"
	Pid  int
	// File is the patch file or storage directory, and Patch its decoded
	// file when it is one file (for the ids of a refused patch).
	File  string
	Patch *kpatch.File
	Res   *apply.Result // nil if it failed before any change
	Err   error
}

// Log writes op's records to l (nil: nothing): one per patch applied or
// removed, or one for the whole operation when none was.
func Log(l *slog.Logger, op Op) {
	if l == nil {
		return
	}
	base := []any{slog.String("op", op.Kind), slog.Int("pid", op.Pid), slog.String("comm", comm(op.Pid))}
	if op.File != "" {
		base = append(base, slog.String("file", op.File))
	}
	result, msg := "ok", "libcare "+op.Kind
	var stopped, waited int64
	if op.Res != nil {
		stopped, waited = op.Res.Frozen.Microseconds(), op.Res.Waited.Microseconds()
	}
	if op.Err != nil {
		result = "error"
	}
	if op.Res == nil || len(op.Res.Patches) == 0 {
		if op.Err == nil {
			result = "none"
		}
		l.Info(msg, append(base, unapplied(op, result, stopped, waited)...)...)
		return
	}
	for _, p := range op.Res.Patches {
		attrs := []any{slog.String("object", p.Object), slog.String("build_id", p.BuildID),
			slog.String("patch_id", p.ID), slog.Int("level", int(p.Level)), slog.Int("hunks", len(p.Hunks)),
			slog.Int64("stopped_us", stopped), slog.Int64("waited_us", waited), slog.String("result", result)}
		if op.Err != nil {
			attrs = append(attrs, slog.String("error", op.Err.Error()))
		}
		l.Info(msg, append(base, attrs...)...)
	}
}

// unapplied returns the attributes of an operation that changed nothing.
func unapplied(op Op, result string, stopped, waited int64) []any {
	var attrs []any
	if op.Patch != nil {
		h := &op.Patch.Header
		attrs = append(attrs, slog.String("build_id", h.BuildIDString()), slog.String("patch_id", h.IDString()),
			slog.Int("level", int(h.UserLevel)))
	}
	attrs = append(attrs, slog.Int("hunks", 0), slog.Int64("stopped_us", stopped), slog.Int64("waited_us", waited),
		slog.String("result", result))
	if op.Err != nil {
		attrs = append(attrs, slog.String("error", op.Err.Error()))
	}
	return attrs
}

// comm is the process's command name (/proc/PID/comm), "" if gone.
func comm(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(b), "\n")
}
