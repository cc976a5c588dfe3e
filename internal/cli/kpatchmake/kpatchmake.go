// Package kpatchmake wires the kpatch_make command line: it prepends the
// 504-byte kpatch header to a stripped patch ELF (LibcarePlus
// src/kpatch_make.c).
package kpatchmake

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/golibcare/golibcare/internal/cli/clitool"
	"github.com/golibcare/golibcare/internal/kpatch"
	"github.com/golibcare/golibcare/internal/signature"
)

// DefaultID is the patch id used without -i (design §2: the user guide
// runs kpatch_make without -i).
const DefaultID = "0001"

// Options are the parsed kpatch_make arguments.
type Options struct {
	BuildID string
	ID      string
	Output  string // "" = standard output
	Input   string
	Debug   bool
	// Sign names a private key (libcare-ctl keygen): OUTPUT.sig is
	// written beside the output, which must then be a file.
	Sign   string
	Stdout io.Writer
	Stderr io.Writer
	Now    func() time.Time
}

// UsageError is a command-line mistake: one line, exit status 2 (upstream
// exits 1 after its usage(), or 255 for a repeated option).
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return clitool.UsageText("kpatch_make", e.Msg) }

// ExitCode maps an error returned by the command to the process exit
// status: 2 for usage errors, 255 (upstream's return -1) for the rest.
func ExitCode(err error) int {
	var u *UsageError
	var d *duplicateError
	if errors.As(err, &u) || errors.As(err, &d) {
		return clitool.ExitUsage
	}
	return 255
}

const usage = "usage: kpatch_make [-d] -b BUILDID [-i PATCH_ID] [-o OUTPUT] [--sign KEY] INPUT"

// NewCmd returns the kpatch_make command; runF, when not nil, replaces the
// action so tests can check flag parsing alone.
func NewCmd(runF func(*Options) error) *cobra.Command {
	opts := &Options{Now: time.Now}
	var b, i, o onceString
	cmd := &cobra.Command{
		Use:           usage[len("usage: "):],
		Short:         "Make a .kpatch file from a stripped patch object",
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return &UsageError{Msg: "no input file"}
			}
			if !b.set || b.v == "" {
				return &UsageError{Msg: "build id (-b) is mandatory"}
			}
			opts.BuildID, opts.ID, opts.Output, opts.Input = b.v, i.v, o.v, args[0]
			if !i.set {
				opts.ID = DefaultID
			}
			opts.Stdout, opts.Stderr = cmd.OutOrStdout(), cmd.ErrOrStderr()
			if runF != nil {
				return runF(opts)
			}
			return Run(opts)
		},
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		var d *duplicateError
		if errors.As(err, &d) {
			return d
		}
		return &UsageError{Msg: err.Error()}
	})
	clitool.Setup(cmd)
	f := cmd.Flags()
	f.BoolVarP(&opts.Debug, "debug", "d", false, "print what is written")
	f.VarP(b.named("buildid"), "buildid", "b", "Build-ID of the target object (40 hex chars)")
	f.VarP(i.named("patch id"), "id", "i", "patch id (at most 7 chars, default "+DefaultID+")")
	f.VarP(o.named("output"), "output", "o", "output file (default: standard output)")
	f.StringVar(&opts.Sign, "sign", "", "private key (libcare-ctl keygen) to write OUTPUT.sig with")
	return cmd
}

// Run writes the .kpatch file described by opts.
func Run(opts *Options) error {
	if opts.ID == "" {
		return &UsageError{Msg: "patch id (-i) must not be empty"}
	}
	if len(opts.BuildID) != kpatch.BuildIDLen {
		// Upstream only logs this and goes on; a short id still loads.
		fmt.Fprintf(opts.Stderr, "kpatch_make: warning: build id %q is %d characters, want %d\n",
			opts.BuildID, len(opts.BuildID), kpatch.BuildIDLen)
	}
	if opts.Sign != "" && opts.Output == "" {
		return &UsageError{Msg: "--sign needs an output file (-o)\n" + usage}
	}
	img, err := readInput(opts.Input)
	if err != nil {
		return err
	}
	out, err := kpatch.Encode(opts.ID, opts.BuildID, img, opts.Now())
	if err != nil {
		return fmt.Errorf("%s: %w", opts.Input, err)
	}
	if _, err := kpatch.Decode(out); err != nil {
		// Upstream writes whatever it is given; say now what libcare-ctl
		// will say later.
		fmt.Fprintf(opts.Stderr, "kpatch_make: warning: %q: libcare-ctl will refuse the result: %v\n", opts.Input, err)
	}
	if opts.Debug {
		fmt.Fprintf(opts.Stderr, "kpatch_make: %s: id %s, build id %s, %d bytes of ELF, %d bytes in all\n",
			opts.Input, opts.ID, opts.BuildID, len(img), len(out))
	}
	if opts.Output == "" {
		_, err = opts.Stdout.Write(out)
		return err
	}
	if err := writeFile(opts.Output, out); err != nil {
		return err
	}
	if opts.Sign != "" {
		return signature.SignBytes(opts.Sign, opts.Output, out)
	}
	return nil
}

// maxInput is the largest ELF a .kpatch file can hold (total_size is a
// uint32).
const maxInput = 1<<32 - 1 - kpatch.HeaderSize

// readInput reads the patch object: a regular file up to maxInput bytes,
// anything else (a pipe, a device given by mistake) up to
// kpatch.DefaultMaxSize, so it ends with an error instead of eating the
// memory.
func readInput(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read input: %w", err)
	}
	defer f.Close()
	limit := int64(kpatch.DefaultMaxSize)
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		limit = maxInput
		if fi.Size() > limit {
			return nil, fmt.Errorf("input %q: %d bytes, too large for a kpatch file", path, fi.Size())
		}
	}
	img, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read input %q: %w", path, err)
	}
	if int64(len(img)) > limit {
		return nil, fmt.Errorf("input %q: more than %d bytes", path, limit)
	}
	return img, nil
}

// writeFile creates path like upstream (O_CREAT|O_TRUNC, mode 0660) but
// through a temporary file, so a failed write never leaves half a patch.
func writeFile(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o660); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("rename %s: %w", path, err)
	}
	return nil
}
