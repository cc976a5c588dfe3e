// Package ctl wires the libcare-ctl command line: patch, unpatch and info
// for live processes (LibcarePlus src/kpatch_user.c, facts §7.1).
package ctl

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/golibcare/golibcare/internal/apply"
	"github.com/golibcare/golibcare/internal/cli/clitool"
	"github.com/golibcare/golibcare/internal/procfs"
	"github.com/golibcare/golibcare/internal/ptrace"
	"github.com/golibcare/golibcare/internal/safetext"
)

// Log levels of the C tools: INFO is the default, each -v adds one.
const (
	levelErr   = 0
	levelInfo  = 2
	levelDebug = 3
)

// Options are shared by the subcommands.
type Options struct {
	Verbose int
	Stdout  io.Writer
	Stderr  io.Writer
	// MaxSize is the default of patch --max-size (0: kpatch.DefaultMaxSize);
	// the server passes its own.
	MaxSize int64
	// Audit, if set, gets one record per operation (--audit; the server's).
	Audit *slog.Logger
	// Processes lists the processes `-p all` and `-p name:` choose from
	// (nil: every process); tests narrow it to their own.
	Processes func() ([]int, error)
	// TrustedKeys is the server's signature policy: when this directory
	// holds keys (*.pub), every patch must carry a valid signature by
	// one of them ("" = no policy).
	TrustedKeys string
}

func (o *Options) level() int { return levelInfo + o.Verbose }

// UsageError is a command-line mistake.
type UsageError struct{ Msg string }

// Error returns the message.
func (e *UsageError) Error() string { return e.Msg }

// reportedError is a failure whose lines were already printed.
type reportedError struct{ err error }

func (e *reportedError) Error() string { return e.err.Error() }
func (e *reportedError) Unwrap() error { return e.err }

// Exit statuses (README "Exit codes"): failures stay 255 like the C
// tool's `return -1`, which LibcarePlus scripts test for; a usage error
// is 2, as for every golibcare tool.
const (
	ExitOK      = 0
	ExitUsage   = 2
	ExitFailure = 255
)

// ExitCode maps an error of the command to the exit status.
func ExitCode(err error) int {
	var u *UsageError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &u):
		return ExitUsage
	}
	if errors.Is(err, ErrNotCurrent) {
		return 1 // status: an answer, not a failure
	}
	return ExitFailure
}

// PrintError prints err unless the command already reported it.
func PrintError(w io.Writer, err error) {
	var r *reportedError
	if errors.As(err, &r) {
		return
	}
	fmt.Fprintf(w, "libcare-ctl: %s\n", safetext.Escape(err.Error()))
}

// NewCmd returns the libcare-ctl root command.
func NewCmd(stdout, stderr io.Writer) *cobra.Command {
	return NewCmdWith(&Options{Stdout: stdout, Stderr: stderr})
}

// NewCmdWith returns the libcare-ctl root command writing to opts.Stdout
// and opts.Stderr, with opts' defaults.
func NewCmdWith(opts *Options) *cobra.Command {
	stdout, stderr := opts.Stdout, opts.Stderr
	cmd := &cobra.Command{
		Use:           "libcare-ctl [-v]... [-h] [--audit] patch|unpatch|info|store",
		Short:         "apply, cancel and list live patches of running processes",
		SilenceErrors: true,
		SilenceUsage:  true,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return &UsageError{Msg: fmt.Sprintf("unknown command %q", args[0])}
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			return &UsageError{Msg: "missing command (patch, unpatch or info)"}
		},
	}
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &UsageError{Msg: err.Error()} })
	cmd.PersistentFlags().CountVarP(&opts.Verbose, "verbose", "v", "more output (repeatable)")
	auditFlags(cmd, opts)
	cmd.AddCommand(newPatchCmd(opts, nil), newUnpatchCmd(opts, nil), newInfoCmd(opts, nil), newStoreCmd(opts),
		newKeygenCmd(opts), newSignCmd(opts), newInspectCmd(opts, nil), newStatusCmd(opts, nil))
	clitool.Setup(cmd)
	completeTargets(cmd)
	return cmd
}

func usageArgs(n int) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != n {
			return &UsageError{Msg: fmt.Sprintf("want %d argument(s), got %d", n, len(args))}
		}
		return nil
	}
}

// interrupts holds SIGINT, SIGTERM and SIGHUP while processes are being
// changed: dying between mapping a region and writing its record would
// leave a leftover for the next run to repair. apply polls Signal up to
// the first jump (rolling back if one came); release raises the signal
// again, so it takes effect once the target is safe.
type interrupts struct {
	ch  chan os.Signal
	got os.Signal
}

func holdSignals() *interrupts {
	in := &interrupts{ch: make(chan os.Signal, 1)}
	signal.Notify(in.ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	return in
}

// Signal returns the first signal received, nil if none.
func (in *interrupts) Signal() os.Signal {
	if in.got == nil {
		select {
		case in.got = <-in.ch:
		default:
		}
	}
	return in.got
}

func (in *interrupts) release() {
	in.Signal()
	signal.Stop(in.ch)
	if sig, ok := in.got.(syscall.Signal); ok {
		// To this thread: delivered before tgkill returns, so we die by it
		// here rather than race it to exit (unless it was ignored when we
		// started: then the caller's error ends us).
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		unix.Tgkill(os.Getpid(), unix.Gettid(), sig)
	}
}

// signalName names sig as in kill -l ("SIGTERM").
func signalName(sig os.Signal) string {
	if s, ok := sig.(syscall.Signal); ok {
		if name := unix.SignalName(s); name != "" {
			return name
		}
	}
	return sig.String()
}

// eachPid runs one for every pid with SIGINT/SIGTERM/SIGHUP held, so no
// process is left half changed. A signal ends the run after the current
// pid with one line saying whether its op (patch, unpatch) was completed
// or rolled back. It returns the last failure.
func eachPid(opts *Options, op string, pids []int, one func(pid int, in *interrupts) error) error {
	in := holdSignals()
	defer in.release()
	var failed error
	for _, pid := range pids {
		if sig := in.Signal(); sig != nil {
			return opts.interrupted(sig, fmt.Sprintf("stopped before pid %d", pid))
		}
		err := one(pid, in)
		if sig := in.Signal(); sig != nil {
			outcome := op + " completed"
			if err != nil {
				outcome = op + " rolled back"
			}
			return opts.interrupted(sig, outcome)
		}
		if err != nil {
			failed = err
		}
	}
	return failed
}

// interrupted reports the end of a run by sig.
func (o *Options) interrupted(sig os.Signal, outcome string) error {
	err := fmt.Errorf("interrupted by %s: %s", signalName(sig), outcome)
	o.errorf("%v", err)
	return &reportedError{err}
}

// vanished reports whether the failure on pid came from the process going
// away (an exiting process fails at any step: ESRCH, empty maps, no
// /proc entry), which `-p all` passes over silently.
func vanished(pid int, err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, apply.ErrNoProcess) || errors.Is(err, ptrace.ErrProcessExited) || errors.Is(err, syscall.ESRCH) {
		return true
	}
	st, serr := procfs.ReadStatus(pid)
	return serr != nil || st.State == "Z" || st.State == "X"
}

// logf returns a printer for one level. Every line goes through
// safetext.Escape: ids, names and paths come from patch files and
// processes and must not print raw bytes or break the line.
func (o *Options) logf(level int) func(string, ...any) {
	if o.level() < level {
		return func(string, ...any) {}
	}
	return func(format string, args ...any) { printLine(o.Stdout, format, args...) }
}

func (o *Options) errorf(format string, args ...any) {
	printLine(o.Stderr, format, args...)
}

func printLine(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, "%s\n", safetext.Escape(fmt.Sprintf(format, args...)))
}

func (o *Options) targeting(pid int) {
	info := o.logf(levelInfo)
	info("kpatch_ctl targeting pid %d", pid)
	if args, err := procfs.Cmdline(pid); err == nil {
		info("kpatch_ctl cmdline=\"%s\"", strings.Join(args, " "))
	}
}
