// Command libcare-ctl applies, cancels and lists live patches of running
// processes, and serves those commands on a unix socket.
package main

import (
	"os"

	"github.com/golibcare/golibcare/internal/cli/ctl"
	"github.com/golibcare/golibcare/internal/cli/server"
)

func main() {
	root := ctl.NewCmd(os.Stdout, os.Stderr)
	// server imports ctl (it runs ctl's commands per request), so it is
	// attached here rather than inside ctl.
	root.AddCommand(server.NewCmd())
	if err := root.Execute(); err != nil {
		ctl.PrintError(os.Stderr, err)
		os.Exit(ctl.ExitCode(err))
	}
}
