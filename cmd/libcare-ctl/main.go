// Command libcare-ctl applies, cancels and lists live patches of running
// processes, and serves those commands on a unix socket.
//
// GOMAXPROCS is set once at start, not polled from a goroutine (and
// sysmon) for cgroup quota changes: a call lasts milliseconds, and the
// server parks in system calls.
//
//go:debug updatemaxprocs=0
package main

import (
	"os"

	"github.com/golibcare/golibcare/internal/apply"
	"github.com/golibcare/golibcare/internal/cli/ctl"
	"github.com/golibcare/golibcare/internal/cli/server"
)

func main() {
	root := ctl.NewCmd(os.Stdout, os.Stderr)
	// server imports ctl (it runs ctl's commands per request), so it is
	// attached here rather than inside ctl.
	srv := server.NewCmd()
	root.AddCommand(srv)
	if c, _, err := root.Find(os.Args[1:]); err != nil || c != srv {
		apply.LimitMemory() // a one-shot command, not the long-lived server
	}
	if err := root.Execute(); err != nil {
		ctl.PrintError(os.Stderr, err)
		os.Exit(ctl.ExitCode(err))
	}
}
