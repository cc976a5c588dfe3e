// Package cc wires libcare-cc into cobra. A compiler wrapper must not parse
// its arguments (they are gcc's), so flag parsing is off and every argument
// goes to ccwrap unchanged.
package cc

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/golibcare/golibcare/internal/ccwrap"
)

// ExitError carries the exit status of a libcare-cc run that did not
// succeed.
type ExitError struct{ Code int }

// Error returns the exit status as text; the cause was printed already.
func (e *ExitError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// Options are libcare-cc's inputs: its argv and environment.
type Options struct {
	Argv []string
	Env  []string
}

// NewCmdCC returns the libcare-cc command. runF runs the wrapper (nil for
// ccwrap.Main); tests pass their own to see the arguments.
func NewCmdCC(runF func(*Options) error) *cobra.Command {
	if runF == nil {
		runF = runCC
	}
	return &cobra.Command{
		Use:                "libcare-cc [gcc arguments]",
		Short:              "gcc wrapper that keeps the assembly for live patches",
		DisableFlagParsing: true,
		SilenceErrors:      true,
		SilenceUsage:       true,
		Args:               cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			argv0 := "libcare-cc"
			if len(os.Args) > 0 {
				argv0 = os.Args[0]
			}
			return runF(&Options{Argv: append([]string{argv0}, args...), Env: os.Environ()})
		},
	}
}

func runCC(o *Options) error {
	if code := ccwrap.Main(o.Argv, o.Env); code != 0 {
		return &ExitError{Code: code}
	}
	return nil
}

// ExitCode returns the process exit status for an error of the command.
func ExitCode(err error) int {
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	fmt.Fprintf(os.Stderr, "libcare-cc: %v\n", err)
	return ccwrap.ExitFatal
}
