// Package client wires the libcare-client command line: it sends one
// command to the libcare-ctl server and prints the answer (LibcarePlus
// src/libcare-client.c, facts §7.4).
package client

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/golibcare/golibcare/internal/server"
)

// LegacySocket is LibcarePlus' default socket, tried when DefaultSocket
// does not exist (dist/libcare.socket links it to the new path).
const LegacySocket = "/var/run/libcare.sock"

// Options are the parsed libcare-client arguments.
type Options struct {
	Socket string   // path or @abstract name
	Args   []string // the command for the server
	Stdout io.Writer
	Stderr io.Writer
}

// Exit statuses, as for every golibcare tool (README "Exit codes").
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// errReported means the command already printed why it failed.
var errReported = errors.New("libcare-client failed")

// errUsage means the usage line was printed.
var errUsage = errors.New("libcare-client: usage")

// StatusError is a command that failed on the server with Status.
type StatusError struct{ Status int }

// Error names the status.
func (e *StatusError) Error() string { return fmt.Sprintf("command exited with status %d", e.Status) }

// ExitCode maps an error of Run to libcare-client's exit status: the
// server's usage errors stay 2, its other failures (libcare-ctl's 255
// among them) are 1.
func ExitCode(err error) int {
	var se *StatusError
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, errUsage):
		return ExitUsage
	case errors.As(err, &se) && se.Status == ExitUsage:
		return ExitUsage
	}
	return ExitFailure
}

// NewCmd returns the libcare-client command; runF, when not nil, replaces
// the action so tests can check argument parsing alone.
func NewCmd(runF func(*Options) error) *cobra.Command {
	return &cobra.Command{
		Use:                "libcare-client [/SOCKET] ARG0 [ARG1 ...]",
		Short:              "Send a command to the libcare-ctl server",
		DisableFlagParsing: true, // every argument belongs to the server's command
		SilenceErrors:      true,
		SilenceUsage:       true,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, ok := parseArgs(args)
			if !ok {
				fmt.Fprintln(cmd.OutOrStdout(), "libcare-client: [/SOCKET] ARG0 [ARG1] [ARG2]")
				return errUsage
			}
			opts.Stdout, opts.Stderr = cmd.OutOrStdout(), cmd.ErrOrStderr()
			if runF != nil {
				return runF(opts)
			}
			return Run(opts)
		},
	}
}

// parseArgs takes a first argument starting with "/" (or "@", an abstract
// socket) as the socket; the rest is the command.
func parseArgs(args []string) (*Options, bool) {
	opts := &Options{}
	if len(args) > 0 && (strings.HasPrefix(args[0], "/") || strings.HasPrefix(args[0], "@")) {
		opts.Socket, args = args[0], args[1:]
	}
	if len(args) == 0 {
		return nil, false
	}
	opts.Args = args
	return opts, true
}

// Run sends the command, copies the server's answer to opts.Stdout and
// opts.Stderr, and returns a *StatusError when the command failed there.
// A LibcarePlus server sends no status: its answer counts as success.
func Run(opts *Options) error {
	sock := opts.Socket
	if sock == "" {
		sock = defaultSocket()
	}
	status, _, err := server.RequestStatus(sock, opts.Args, opts.Stdout, opts.Stderr)
	if err != nil {
		fmt.Fprintf(opts.Stderr, "libcare-client: %v\n", err)
		return errReported
	}
	if status != 0 {
		return &StatusError{Status: status}
	}
	return nil
}

func defaultSocket() string {
	if _, err := os.Stat(server.DefaultSocket); err == nil {
		return server.DefaultSocket
	}
	return LegacySocket
}
