// Package strip wires the kpatch_strip command line (LibcarePlus
// src/kpatch_strip.c, facts §3) to internal/strip.
package strip

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/golibcare/golibcare/internal/cli/clitool"
	kstrip "github.com/golibcare/golibcare/internal/strip"
)

// Mode is the action kpatch_strip performs.
type Mode int

// The three actions; exactly one is given on the command line.
const (
	ModeNone Mode = iota
	ModeStrip
	ModeRelFixup
	ModeUndoLink
)

// Options are the parsed kpatch_strip arguments. First is the patched
// binary (--strip) or the original binary; Second is the stripped file,
// created by --strip and rewritten in place by the other modes.
type Options struct {
	Mode          Mode
	First, Second string
	Stdout        io.Writer
	Stderr        io.Writer
}

// ErrMultipleActions is returned when more than one of -s, -r, -u is given.
var ErrMultipleActions = errors.New("ERROR: Multiple actions specified")

// UsageError is a command-line mistake.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return clitool.UsageText("kpatch_strip", e.Msg) }

// ExitCode maps an error of the command to the exit status: 2 for a usage
// error (more than one action included), 255 for every failure like
// upstream's return -1 from main.
func ExitCode(err error) int {
	var u *UsageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &u) || errors.Is(err, ErrMultipleActions):
		return clitool.ExitUsage
	}
	return 255
}

const usage = `usage:
  kpatch_strip -s/--strip <patched-bin> <out.stripped>
  kpatch_strip -r/--rel-fixup <orig-bin> <patch.stripped>
  kpatch_strip -u/--undo-link <orig-bin> <patch.stripped>`

// NewCmd returns the kpatch_strip command; runF, when not nil, replaces the
// action so tests can check flag parsing alone.
func NewCmd(runF func(*Options) error) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:           "kpatch_strip (-s|-r|-u) <file1> <file2>",
		Short:         "Turn a patched binary linked with -Wl,-q into a patch object",
		Long:          "One action per run:\n" + strings.TrimPrefix(usage, "usage:\n"),
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Mode == ModeNone || len(args) != 2 {
				return &UsageError{Msg: "exactly one action and two files are required"}
			}
			opts.First, opts.Second = args[0], args[1]
			opts.Stdout, opts.Stderr = cmd.OutOrStdout(), cmd.ErrOrStderr()
			if runF != nil {
				return runF(opts)
			}
			return Run(opts)
		},
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		if errors.Is(err, ErrMultipleActions) {
			return ErrMultipleActions
		}
		return &UsageError{Msg: err.Error()}
	})
	clitool.Setup(cmd)
	f := cmd.Flags()
	// Like getopt's "+": options end at the first file name.
	f.SetInterspersed(false)
	addMode(cmd, &opts.Mode, ModeStrip, "strip", "s", "keep only the patch sections of <patched-bin>, write <out.stripped>")
	addMode(cmd, &opts.Mode, ModeRelFixup, "rel-fixup", "r", "fix up the relocations of <patch.stripped> against <orig-bin>")
	addMode(cmd, &opts.Mode, ModeUndoLink, "undo-link", "u", "make <patch.stripped> relocatable, at <orig-bin>'s addresses")
	return cmd
}

func addMode(cmd *cobra.Command, dst *Mode, m Mode, name, short, help string) {
	fl := cmd.Flags().VarPF(&modeFlag{dst: dst, mode: m}, name, short, help)
	fl.NoOptDefVal = "true"
}

// modeFlag is a boolean flag that selects a Mode and refuses a second action,
// even a repeated one, as upstream's SET_MODE does.
type modeFlag struct {
	dst  *Mode
	mode Mode
}

func (f *modeFlag) String() string { return fmt.Sprint(f.dst != nil && *f.dst == f.mode) }
func (f *modeFlag) Type() string   { return "bool" }
func (f *modeFlag) IsBoolFlag() bool {
	return true
}

func (f *modeFlag) Set(v string) error {
	if v != "true" {
		return fmt.Errorf("unexpected value %q", v)
	}
	if *f.dst != ModeNone {
		return ErrMultipleActions
	}
	*f.dst = f.mode
	return nil
}

// Run performs the action of opts.
func Run(opts *Options) error {
	log := kstrip.Log{Info: opts.Stdout, Warn: opts.Stderr}
	switch opts.Mode {
	case ModeStrip:
		in, err := os.ReadFile(opts.First)
		if err != nil {
			return err
		}
		out, err := kstrip.Strip(in, log)
		if err != nil {
			return fmt.Errorf("%s: %w", opts.First, err)
		}
		return os.WriteFile(opts.Second, out, 0o660)
	case ModeRelFixup:
		return inPlace(opts, func(orig, patch []byte) ([]byte, error) { return kstrip.RelFixup(orig, patch, log) })
	case ModeUndoLink:
		return inPlace(opts, func(orig, patch []byte) ([]byte, error) { return kstrip.UndoLink(orig, patch, log) })
	}
	return &UsageError{Msg: "no action (-s, -r or -u) given"}
}

// inPlace runs pass over the original and the stripped file and rewrites the
// stripped file only when the pass succeeded.
func inPlace(opts *Options, pass func(orig, patch []byte) ([]byte, error)) error {
	orig, err := os.ReadFile(opts.First)
	if err != nil {
		return err
	}
	patch, err := os.ReadFile(opts.Second)
	if err != nil {
		return err
	}
	out, err := pass(orig, patch)
	if err != nil {
		return fmt.Errorf("%s: %w", opts.Second, err)
	}
	return os.WriteFile(opts.Second, out, 0o660)
}
