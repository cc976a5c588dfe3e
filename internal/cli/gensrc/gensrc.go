// Package gensrc wires the kpatch_gensrc command line (facts §2.1) to
// internal/gensrc.
package gensrc

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/golibcare/golibcare/internal/asm"
	"github.com/golibcare/golibcare/internal/cli/clitool"
	"github.com/golibcare/golibcare/internal/gensrc"
)

// Options are the parsed command line of kpatch_gensrc.
type Options struct {
	Debug, OS, Arch string
	Inputs          []string
	Output          string
	Args            []string // positional arguments (a usage error)

	DbgFilter, DbgEHFrame, DbgExceptTable, DbgCFI, DbgNewlines bool

	IgnoreChanges, UnlinkSymbols, MustAdapt []string
	ForceGOTPCREL, ForceGlobal, TestMode    bool

	// FilterFile is /etc/libcare.conf; it is only read, never created.
	FilterFile string

	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// FatalError is a gensrc failure, printed as "FATAL! <msg>" with exit
// status 1 like upstream's kpfatal.
type FatalError struct{ Msg string }

func (e *FatalError) Error() string { return e.Msg }

func fatalf(format string, args ...any) error {
	return &FatalError{Msg: fmt.Sprintf(format, args...)}
}

// UsageError is a command line error: one line on stderr, exit status 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// NewCmd returns the kpatch_gensrc command; runF replaces the real run in
// tests of the flag parsing (nil = run).
func NewCmd(runF func(*Options) error) *cobra.Command {
	opts := &Options{FilterFile: gensrc.DefaultFilterFile, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
	cmd := &cobra.Command{
		Use:           "kpatch_gensrc",
		Short:         "Compare two gcc assembly files and generate the kpatch'ed assembly",
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			opts.Stdin, opts.Stdout, opts.Stderr = cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr()
			if runF != nil {
				return runF(opts)
			}
			return run(opts)
		},
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &UsageError{Err: err} })
	clitool.Setup(cmd)
	fl := cmd.Flags()
	fl.SortFlags = false
	fl.StringVarP(&opts.Debug, "debug", "d", "", "log level (hex)")
	fl.StringVarP(&opts.OS, "os", "O", "rhel6", "rhel5|rhel6 (BUG() matching)")
	fl.StringVarP(&opts.Arch, "arch", "a", "x86_64", "i686|x86_64")
	fl.StringArrayVarP(&opts.Inputs, "input", "i", nil, "input asm: original first, then patched (\"-\" = stdin)")
	fl.StringVarP(&opts.Output, "ouput", "o", "", "output asm (\"-\" = stdout)")
	fl.StringVar(&opts.Output, "output", "", "same as --ouput")
	fl.BoolVarP(&opts.DbgFilter, "dbg-filter", "f", false, "filter debug information out of one asm file")
	fl.BoolVar(&opts.DbgEHFrame, "dbg-filter-eh-frame", false, "also filter .eh_frame sections")
	fl.BoolVar(&opts.DbgExceptTable, "dbg-filter-gcc-except-table", false, "also filter .gcc_except_table sections")
	fl.BoolVar(&opts.DbgCFI, "dbg-filter-cfi", false, "also filter .cfi* directives")
	fl.BoolVar(&opts.DbgNewlines, "dbg-filter-emit-newlines", false, "keep blank lines in place of filtered ones")
	fl.StringArrayVar(&opts.IgnoreChanges, "ignore-changes", nil, "FLIST of functions whose changes are ignored")
	fl.StringArrayVar(&opts.UnlinkSymbols, "unlink-symbols", nil, "FLIST of functions copied but not hooked")
	fl.StringArrayVar(&opts.MustAdapt, "must-adapt", nil, "FLIST of functions that must carry KPGENSRC_ADAPTED")
	fl.BoolVar(&opts.ForceGOTPCREL, "force-gotpcrel", false, "route global rip-relative movs of new code via the GOT")
	fl.BoolVar(&opts.ForceGlobal, "force-global", false, "make every original function and every X.kpatch global")
	fl.BoolVar(&opts.TestMode, "test-mode", false, "ignore "+gensrc.DefaultFilterFile)
	cmd.SetUsageFunc(func(c *cobra.Command) error {
		_, err := io.WriteString(c.ErrOrStderr(), usage)
		return err
	})
	return cmd
}

const usage = `Usage:
kpatch_gensrc [-d loglevel] [--os=rhel5|rhel6] --dbg-filter [--dbg-filter-eh-frame] -i <input1> -o <output-asm>
    to filter out debug information and commands from asm file
kpatch_gensrc [-d loglevel] [--arch=i686|x86_64] [--os=rhel5|rhel6] [--ignore-changes=FLIST] [--unlink-symbols=FLIST]
              [--must-adapt=FLIST] [--force-gotpcrel] [--force-global] [--test-mode] -i <input1> -i <input2> -o <output-asm>
    to compare 2 asm files and generate a kpatch'ed resulting asm
FLIST format:
 FLIST is comma separated list of function names which can be prepended with filename where this function defined.
`

// ExitCode returns the exit status for an error of the command: 1 for
// FATAL errors like upstream, 2 for usage errors (upstream's return -1
// made them 255).
func ExitCode(err error) int {
	var fe *FatalError
	if errors.As(err, &fe) {
		return 1
	}
	var ue *UsageError
	if errors.As(err, &ue) {
		return clitool.ExitUsage
	}
	return 255
}

// Report prints err the way upstream does and returns the exit status.
func Report(w io.Writer, err error) int {
	var fe *FatalError
	if errors.As(err, &fe) {
		fmt.Fprintf(w, "FATAL! %s\n", strings.TrimSuffix(fe.Msg, "\n"))
		return 1
	}
	fmt.Fprintf(w, "kpatch_gensrc: %s\n", clitool.UsageText("kpatch_gensrc", err.Error()))
	return ExitCode(err)
}

// input is one read input file.
type input struct {
	name string
	data []byte
	dir  string
	base string
}

func readInput(name string, stdin io.Reader) (*input, error) {
	var data []byte
	var err error
	if name == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return nil, fatalf("Can't read input file '%s': %s", name, strerror(err))
	}
	in := &input{name: name, data: data, dir: ".", base: "."}
	if abs, err := filepath.Abs(name); err == nil {
		if real, err := filepath.EvalSymlinks(abs); err == nil {
			in.dir, in.base = filepath.Dir(real), filepath.Base(real)
		}
	}
	return in, nil
}

// strerror renders an error like C strerror ("No such file or directory").
func strerror(err error) string {
	var errno syscall.Errno
	msg := err.Error()
	if errors.As(err, &errno) {
		msg = errno.Error()
	}
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	return msg
}

// run executes kpatch_gensrc with parsed options.
func run(o *Options) error {
	if len(o.Args) > 0 {
		return &UsageError{Err: fmt.Errorf("unexpected argument %q", o.Args[0])}
	}
	if o.Output == "" {
		return &UsageError{Err: errors.New("no output file (-o) given")}
	}
	var ins []*input
	for _, name := range o.Inputs {
		if len(ins) >= 2 {
			return fatalf("only 2 input files must be specified")
		}
		in, err := readInput(name, o.Stdin)
		if err != nil {
			return err
		}
		ins = append(ins, in)
	}
	var out []byte
	if o.DbgFilter {
		if len(ins) < 1 {
			return fatalf("input file must be specified")
		}
		f, err := asm.ReadStatements(ins[0].name, ins[0].data)
		if err != nil {
			return &FatalError{Msg: err.Error()}
		}
		out = gensrc.DbgFilter(f, o.dbgOptions())
	} else {
		if len(ins) < 2 {
			return fatalf("2 input files must be specified")
		}
		var err error
		if out, err = generate(o, ins); err != nil {
			return err
		}
	}
	return writeOutput(o, out)
}

func (o *Options) dbgOptions() gensrc.DbgOptions {
	return gensrc.DbgOptions{SkipEHFrame: o.DbgEHFrame, SkipExceptTable: o.DbgExceptTable, SkipCFI: o.DbgCFI, EmitNewlines: o.DbgNewlines}
}

// generate compares the two inputs. Input with debug information (gcc -g,
// which libcare-cc keeps so the original build is the user's) is compared
// after the debug filter, whatever KPCC_DBGFILTER_ARGS said: line moves
// must not count as changes (design §3.8).
func generate(o *Options, ins []*input) ([]byte, error) {
	files := make([]*asm.File, 2)
	debug := false
	for i, in := range ins {
		f, err := asm.ReadStatements(in.name, in.data)
		if err != nil {
			return nil, &FatalError{Msg: err.Error()}
		}
		files[i] = f
		debug = debug || gensrc.HasDebugInfo(f)
	}
	for i, in := range ins {
		f := files[i]
		if debug {
			var err error
			if f, err = asm.ReadStatements(in.name, gensrc.DbgFilter(f, gensrc.DbgOptions{})); err != nil {
				return nil, &FatalError{Msg: err.Error()}
			}
		}
		if err := f.Cut(); err != nil {
			return nil, &FatalError{Msg: err.Error()}
		}
		f.Dir, f.Base = in.dir, in.base
		files[i] = f
	}
	opts := o.genOptions()
	opts.WarnOffsets = !debug
	out, err := gensrc.Generate(files[0], files[1], opts)
	if err != nil {
		return nil, &FatalError{Msg: err.Error()}
	}
	return out, nil
}

func (o *Options) genOptions() gensrc.Options {
	g := gensrc.Options{
		Arch32:        o.Arch == "i686",
		RHEL5:         o.OS == "rhel5",
		ForceGOTPCREL: o.ForceGOTPCREL,
		ForceGlobal:   o.ForceGlobal,
		Log:           o.Stderr,
		LogLevel:      2,
	}
	if lvl, err := strconv.ParseInt(strings.TrimPrefix(strings.ToLower(o.Debug), "0x"), 16, 32); err == nil {
		g.LogLevel = int(lvl)
	}
	for _, l := range o.IgnoreChanges {
		g.IgnoreChanges = append(g.IgnoreChanges, gensrc.ParseFList(l)...)
	}
	for _, l := range o.UnlinkSymbols {
		g.UnlinkSymbols = append(g.UnlinkSymbols, gensrc.ParseFList(l)...)
	}
	for _, l := range o.MustAdapt {
		g.MustAdapt = append(g.MustAdapt, gensrc.ParseFList(l)...)
	}
	if !o.TestMode && o.FilterFile != "" {
		// Only read: a missing or unreadable file means no filter.
		g.Filter, _ = os.ReadFile(o.FilterFile)
	}
	return g
}

func writeOutput(o *Options, out []byte) error {
	if o.Output == "-" {
		_, err := o.Stdout.Write(out)
		return err
	}
	if err := os.WriteFile(o.Output, out, 0o666); err != nil {
		return fatalf("Can't open output file '%s': %s", o.Output, strerror(err))
	}
	return nil
}
