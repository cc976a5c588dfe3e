// Package clitool gives every golibcare command what an administrator
// expects of a system tool: --version and cobra's completion command.
package clitool

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/golibcare/golibcare/internal/version"
)

// VersionFlag is the flag that prints the version. It has no shorthand:
// -v means verbose in libcare-ctl and libcare-patch-make, and is refused
// by the kpatch_* tools as upstream does.
const VersionFlag = "version"

// Setup adds --version to root and turns on cobra's completion command
// (which cobra only adds to a command without subcommands when it is
// called, so positional arguments keep working).
func Setup(root *cobra.Command) {
	root.Version = version.Read().Version
	root.Flags().Bool(VersionFlag, false, "print the version and the .kpatch format, then exit")
	// A template, but the text is plain: escape what text/template reads.
	root.SetVersionTemplate(strings.ReplaceAll(VersionText(root.Name()), "{{", `{{"{{"}}`))
	root.CompletionOptions.DisableDefaultCmd = false
	root.CompletionOptions.HiddenDefaultCmd = false
}

// VersionText is what `tool --version` prints.
func VersionText(tool string) string { return version.Read().String(tool) }

// IsVersion reports whether args ask for the version alone (for the
// tools that do not parse their flags).
func IsVersion(args []string) bool { return len(args) == 1 && args[0] == "--"+VersionFlag }

// IsHelp reports whether args ask for help alone.
func IsHelp(args []string) bool {
	return len(args) == 1 && (args[0] == "--help" || args[0] == "-h")
}

// ExitUsage is the exit status of a command-line mistake on every tool but
// libcare-ctl, which keeps upstream's 255.
const ExitUsage = 2

// UsageText is the one line a usage error prints (after "tool: ").
func UsageText(tool, msg string) string { return msg + " (see " + tool + " --help)" }
