package server

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/golibcare/golibcare/internal/audit"
)

// Kill switch defaults; GOLIBCARE_CMDLINE and GOLIBCARE_DISABLED_FILE
// override them (tests, rescue systems).
const (
	DefaultCmdline      = "/proc/cmdline"
	DefaultDisabledFile = "/etc/libcare/disabled"
	// cmdlineSwitch is the kernel command line parameter that turns
	// automatic patching off when it is 0 (or off, no, false).
	cmdlineSwitch = "libcare.enable"
)

// AutoOff returns why automatic patching (the update at start and on
// storage changes, exec events, the preload helper's handshakes) is off,
// or "" when it is on: the boot kill switch, libcare.enable=0 on the
// kernel command line or an /etc/libcare/disabled file. Requests from
// clients are still served.
func (s *Server) AutoOff() string {
	cmdline, file := s.cfg.Cmdline, s.cfg.DisabledFile
	if cmdline == "" {
		cmdline = envOr("GOLIBCARE_CMDLINE", DefaultCmdline)
	}
	if file == "" {
		file = envOr("GOLIBCARE_DISABLED_FILE", DefaultDisabledFile)
	}
	if _, err := os.Lstat(file); err == nil {
		return "kill switch: " + file + " exists"
	}
	b, _ := os.ReadFile(cmdline)
	for _, f := range strings.Fields(string(b)) {
		v, ok := strings.CutPrefix(f, cmdlineSwitch+"=")
		if ok && (v == "0" || v == "off" || v == "no" || v == "false") {
			return fmt.Sprintf("kill switch: %s on the kernel command line (%s)", f, cmdline)
		}
	}
	return ""
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// Restore runs the automatic part of the server's life, unless AutoOff:
// an update now, which patches the processes already running (after a
// reboot, or a restart of the server), then one after every change of the
// storage directory (inotify), until ctx ends. It returns once the first
// update is done.
func (s *Server) Restore(ctx context.Context) {
	if why := s.AutoOff(); why != "" {
		s.event("automatic patching is off", slog.String("reason", why))
		return
	}
	go s.watchStorage(ctx) // first: a change during the update is not missed
	s.autoUpdate(ctx, "start")
}

// autoUpdate runs update with no client: its output goes to the log, its
// records to the audit trail with the trigger.
func (s *Server) autoUpdate(ctx context.Context, trigger string) {
	if why := s.AutoOff(); why != "" {
		s.event("update skipped", slog.String("trigger", trigger), slog.String("reason", why))
		return
	}
	s.updateMu.Lock()
	defer s.updateMu.Unlock()
	ctx = audit.WithCaller(ctx, audit.Caller{Trigger: trigger})
	s.update(ctx, s.logWriter("update ("+trigger+"): "), nil)
}

// event writes a lifecycle record to the audit trail (always on in the
// server) and to the verbose log.
func (s *Server) event(msg string, attrs ...any) {
	if s.cfg.Audit != nil {
		s.cfg.Audit.Info("libcare server: "+msg, attrs...)
	}
	s.logf("%s %v", msg, attrs)
}
