// Command libcare-cc is the gcc wrapper of golibcare: set CC=libcare-cc
// and KPATCH_STAGE=original|patched|configure (see internal/ccwrap).
package main

import (
	"os"

	"github.com/golibcare/golibcare/internal/cli/cc"
)

func main() {
	root := cc.NewCmdCC(nil)
	if err := root.Execute(); err != nil {
		os.Exit(cc.ExitCode(err))
	}
}
