// Command libcare-dump prints the header of a .kpatch file or extracts
// its ELF object (LibcarePlus libcare-dump).
package main

import (
	"os"

	"github.com/golibcare/golibcare/internal/cli/dump"
)

func main() {
	root := dump.NewCmd(os.Stdout, nil)
	if err := root.Execute(); err != nil {
		dump.PrintError(os.Stdout, err)
		os.Exit(dump.ExitCode(err))
	}
}
