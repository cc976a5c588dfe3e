// Package dump wires the libcare-dump command line: print a .kpatch
// header (-H) or extract its ELF (-c), as LibcarePlus src/kpatch_dump.c
// (facts §4). Messages go to standard output and failures exit 255, as
// there; a usage error exits 2, as on every golibcare tool.
package dump

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/golibcare/golibcare/internal/cli/clitool"
	"github.com/golibcare/golibcare/internal/kpatch"
)

// Options are the parsed arguments.
type Options struct {
	Header  bool // -H
	Convert bool // -c
	Input   string
	Output  string
	Stdout  io.Writer
}

const usage = `Usage:
Display patch information and dump elf-format patch
libcare-dump -c -i <input> -o <output>
libcare-dump -H -i <input>

Options:
  -H          - Display kpatch headers
  -c          - convert to elf
  -i          - input kpatch file
  -o          - output elf file`

// UsageError is a command-line mistake: usage is printed, exit 255.
type UsageError struct{}

func (UsageError) Error() string { return usage }

// reported is a failure whose message was already printed.
type reported struct{ error }

// ExitCode is 255 (upstream's return -1) for any error.
func ExitCode(err error) int {
	var u UsageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &u):
		return clitool.ExitUsage // as every golibcare tool; upstream exits 255
	}
	return 255
}

// PrintError prints what was not printed yet.
func PrintError(w io.Writer, err error) {
	var r reported
	if !errors.As(err, &r) {
		fmt.Fprintln(w, err)
	}
}

// NewCmd returns the libcare-dump command; runF replaces the action in
// tests of flag parsing.
func NewCmd(stdout io.Writer, runF func(*Options) error) *cobra.Command {
	opts := &Options{Stdout: stdout}
	cmd := &cobra.Command{
		Use:           "libcare-dump -c -i <input> -o <output> | -H -i <input>",
		SilenceErrors: true,
		SilenceUsage:  true,
		RunE: func(c *cobra.Command, args []string) error {
			// Upstream: the input is required, -H wins over -c, and -c
			// needs -o; anything else prints the usage.
			if opts.Input == "" || (!opts.Header && (opts.Output == "" || !opts.Convert)) || len(args) > 0 {
				return UsageError{}
			}
			if runF != nil {
				return runF(opts)
			}
			return Run(opts)
		},
	}
	cmd.SetOut(stdout)
	cmd.SetErr(stdout)
	cmd.SetHelpFunc(func(*cobra.Command, []string) { fmt.Fprintln(stdout, usage) })
	cmd.SetFlagErrorFunc(func(*cobra.Command, error) error { return UsageError{} })
	f := cmd.Flags()
	f.BoolVarP(&opts.Header, "header", "H", false, "display kpatch headers")
	f.BoolVarP(&opts.Convert, "convert", "c", false, "convert to elf")
	f.StringVarP(&opts.Input, "input", "i", "", "input kpatch file")
	f.StringVarP(&opts.Output, "output", "o", "", "output elf file")
	clitool.Setup(cmd)
	return cmd
}

// Run does what opts asks.
func Run(opts *Options) error {
	if opts.Header {
		return dumpHeader(opts)
	}
	return convert(opts)
}

func fail(w io.Writer, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	fmt.Fprintln(w, err)
	return reported{err}
}

// readInput reads the input, which must be longer than the header.
func readInput(opts *Options) ([]byte, error) {
	f, err := os.Open(opts.Input)
	if err != nil {
		return nil, fail(opts.Stdout, "Can't open kpatch file '%s'", opts.Input)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return nil, fail(opts.Stdout, "Can't stat kpatch file")
	}
	if fi.Size() <= kpatch.HeaderSize || fi.Size() > 1<<32 {
		return nil, fail(opts.Stdout, "Invalid kpatch file '%s'", opts.Input)
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, fail(opts.Stdout, "Can't read kpatch file '%s': %v", opts.Input, err)
	}
	return b, nil
}

func dumpHeader(opts *Options) error {
	b, err := readInput(opts)
	if err != nil {
		return err
	}
	var h kpatch.Header
	copy(h.Magic[:], b)
	copy(h.ID[:], b[8:])
	copy(h.BuildID[:], b[88:])
	line := func(k, v string) { fmt.Fprintf(opts.Stdout, "%-25s %s\n", k, v) }
	line("Patch Name:", opts.Input)
	line("Magic:", cstr(h.Magic[:]))
	line("Patch id:", h.IDString())
	line("buildid:", h.BuildIDString())
	return nil
}

func cstr(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// convert writes everything after the 504-byte header (padding included,
// as upstream) to the output, mode 0550.
func convert(opts *Options) error {
	b, err := readInput(opts)
	if err != nil {
		return err
	}
	if string(b[kpatch.HeaderSize:kpatch.HeaderSize+min(4, len(b)-kpatch.HeaderSize)]) != "\x7fELF" {
		return fail(opts.Stdout, "check elf format failed")
	}
	f, err := os.OpenFile(opts.Output, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o550)
	if err != nil {
		return fail(opts.Stdout, "Can't create output file '%s'", opts.Output)
	}
	if _, err := f.Write(b[kpatch.HeaderSize:]); err != nil {
		f.Close()
		return fail(opts.Stdout, "Write error")
	}
	if err := f.Close(); err != nil {
		return fail(opts.Stdout, "Write error")
	}
	return nil
}
