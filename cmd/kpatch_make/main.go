// Command kpatch_make prepends the kpatch header to a stripped patch object.
package main

import (
	"fmt"
	"os"

	"github.com/golibcare/golibcare/internal/cli/kpatchmake"
)

func main() {
	root := kpatchmake.NewCmd(nil)
	if err := root.Execute(); err != nil {
		fmt.Fprintf(os.Stderr, "kpatch_make: %v\n", err)
		os.Exit(kpatchmake.ExitCode(err))
	}
}
