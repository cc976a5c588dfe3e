// Package cc wires libcare-cc into cobra. A compiler wrapper must not parse
// its arguments (they are gcc's), so flag parsing is off and every argument
// goes to ccwrap unchanged.
package cc

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/golibcare/golibcare/internal/ccwrap"
	"github.com/golibcare/golibcare/internal/cli/clitool"
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
	cmd := &cobra.Command{
		Use:                   "libcare-cc [gcc arguments]",
		Short:                 "gcc wrapper that keeps the assembly for live patches",
		Long:                  Help,
		DisableFlagParsing:    true,
		DisableFlagsInUseLine: true,
		SilenceErrors:         true,
		SilenceUsage:          true,
		Args:                  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// With a stage set, --help and --version are gcc's (configure
			// runs $CC --version); without one they are ours.
			if os.Getenv("KPATCH_STAGE") == "" {
				switch {
				case clitool.IsHelp(args):
					return cmd.Help()
				case clitool.IsVersion(args):
					_, err := io.WriteString(cmd.OutOrStdout(), clitool.VersionText(cmd.Name()))
					return err
				}
			}
			argv0 := "libcare-cc"
			if len(os.Args) > 0 {
				argv0 = os.Args[0]
			}
			return runF(&Options{Argv: append([]string{argv0}, args...), Env: os.Environ()})
		},
	}
	// The arguments are gcc's: "completion" is a file name.
	cmd.CompletionOptions.DisableDefaultCmd = true
	cmd.SetHelpTemplate("Usage: {{.UseLine}}\n\n{{.Short}}.\n\n{{.Long}}")
	return cmd
}

// Help describes libcare-cc's environment, the only way it is configured.
const Help = `libcare-cc runs the real compiler. Set CC=libcare-cc (libcare-patch-make
does) and KPATCH_STAGE; every argument goes to gcc unchanged, and so do
--help and --version once KPATCH_STAGE is set.

Environment:
  KPATCH_STAGE         original (keep the assembly of every object), patched
                       (compile the patched assembly made by kpatch_gensrc) or
                       configure (run the compiler unchanged); required
  KPATCH_PATH          directory of kpatch_gensrc (default: libcare-cc's own)
  KPCCREAL, KPCXXREAL  the real C and C++ compilers (default: gcc and g++ on
                       PATH, not libcare-cc itself)
  KPCC_APPEND_ARGS     ;-separated arguments added to every compile (-Wl,-q)
  KPCC_REMOVE_ARGS     ;-separated arguments removed from every compile
  KPCC_DBGFILTER_ARGS  kpatch_gensrc arguments of the debug filter (default
                       ` + ccwrap.DefaultDbgFilterArgs + `)
  KPCC_PATCH_ARGS      kpatch_gensrc arguments of the patched stage (default
                       ` + ccwrap.DefaultPatchArgs + `)
  KPCC_DEBUG           1 or more: print what is run
  KPCC_SPECULATE       directory mirroring absolute source paths with their
                       patched versions: the original stage also makes the
                       patched assembly, so the patched build reuses it
  KPCC_SPECULATE_APPEND_ARGS  the patched stage's KPCC_APPEND_ARGS, for it
  KPATCH_GENSRC_ASM    set: .s/.S inputs go through kpatch_gensrc too
  KPATCH_PREFIX        prefix of the kept assembly files (default ` + ccwrap.DefaultPrefix + `)
  KPATCH_ASM_DIR       directory for the kept assembly files (default: next to
                       the object)
  LIBCARE_CC_DEPTH     set by libcare-cc for its children, to stop a compiler
                       that runs libcare-cc again

Exit status: the compiler's, or 129 for libcare-cc's own errors.
`

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
