// Command kpatch_gensrc compares the assembly of an original and a patched
// build and writes the assembly of the patch (LibcarePlus kpatch_gensrc).
package main

import (
	"os"

	"github.com/golibcare/golibcare/internal/cli/gensrc"
)

func main() {
	root := gensrc.NewCmd(nil)
	if err := root.Execute(); err != nil {
		os.Exit(gensrc.Report(os.Stderr, err))
	}
}
