// Command libcare-client sends one command to the libcare-ctl server.
package main

import (
	"os"

	"github.com/golibcare/golibcare/internal/cli/client"
)

func main() {
	if err := client.NewCmd(nil).Execute(); err != nil {
		os.Exit(client.ExitCode(err))
	}
}
