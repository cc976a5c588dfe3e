// Command libcare-patch-make builds a project's original and patched code
// through libcare-cc and writes a .kpatch file for every changed binary.
package main

import (
	"fmt"
	"os"

	"github.com/golibcare/golibcare/internal/cli/patchmake"
)

func main() {
	root := patchmake.NewCmd(nil)
	root.SetArgs(patchmake.Args(os.Args[1:]))
	if err := root.Execute(); err != nil {
		fmt.Fprintf(os.Stderr, "libcare-patch-make: %v\n", err)
		os.Exit(patchmake.ExitCode(err))
	}
}
