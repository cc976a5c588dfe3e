// Command libcare-ctl applies, cancels and lists live patches of running
// processes.
package main

import (
	"os"

	"github.com/golibcare/golibcare/internal/cli/ctl"
)

func main() {
	root := ctl.NewCmd(os.Stdout, os.Stderr)
	if err := root.Execute(); err != nil {
		ctl.PrintError(os.Stderr, err)
		os.Exit(ctl.ExitCode(err))
	}
}
