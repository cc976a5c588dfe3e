// Command kpatch_strip turns a patched binary linked with -Wl,-q into the
// relocatable object that kpatch_make wraps into a .kpatch file.
package main

import (
	"fmt"
	"os"

	"github.com/golibcare/golibcare/internal/cli/strip"
)

func main() {
	root := strip.NewCmd(nil)
	if err := root.Execute(); err != nil {
		fmt.Fprintf(os.Stderr, "kpatch_strip: %v\n", err)
		os.Exit(strip.ExitCode(err))
	}
}
