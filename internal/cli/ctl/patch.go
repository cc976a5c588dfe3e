package ctl

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/golibcare/golibcare/internal/apply"
	"github.com/golibcare/golibcare/internal/kpatch"
)

// PatchOptions are the parsed arguments of `patch`.
type PatchOptions struct {
	*Options
	Pid     string
	Timeout time.Duration
	Path    string
	// MaxSize bounds the patch files read (--max-size).
	MaxSize Size
}

func newPatchCmd(o *Options, runF func(*PatchOptions) error) *cobra.Command {
	opts := &PatchOptions{Options: o, MaxSize: kpatch.DefaultMaxSize}
	if o.MaxSize > 0 {
		opts.MaxSize = Size(o.MaxSize)
	}
	cmd := &cobra.Command{
		Use:     "patch -p <PID|all> [--timeout D] [--max-size N] <PATCH>",
		Aliases: []string{"patch-user"},
		Short:   "apply a .kpatch file or a patch directory to processes",
		Args:    usageArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Path = args[0]
			if runF != nil {
				return runF(opts)
			}
			return RunPatch(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Pid, "pid", "p", "", "process id, or all")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", apply.DefaultTimeout, "how long to wait for patched functions to leave the stacks")
	cmd.Flags().Var(&opts.MaxSize, "max-size", "largest patch file to read (K, M, G suffixes)")
	return cmd
}

// RunPatch applies opts.Path to every target process.
func RunPatch(opts *PatchOptions) error {
	pids, all, err := targets(opts.Pid)
	if err != nil {
		return err
	}
	src, err := apply.OpenSourceMax(opts.Path, int64(opts.MaxSize))
	if err != nil {
		if !errors.Is(err, apply.ErrInterrupted) { // eachPid says it
			opts.errorf("%v", err)
		}
		opts.logf(levelErr)("Failed to apply patch '%s'", opts.Path)
		for _, pid := range pids {
			opts.audit("patch", pid, opts.Path, nil, nil, err, all)
		}
		return &reportedError{err}
	}
	return eachPid(opts.Options, "patch", pids, func(pid int, in *interrupts) error { return opts.patchOne(pid, src, all, in) })
}

func (opts *PatchOptions) patchOne(pid int, src *apply.Source, all bool, in *interrupts) error {
	info := opts.logf(levelInfo)
	info("Applying patch for %d with %s", pid, opts.Path)
	opts.targeting(pid)
	res, err := opts.patch(pid, src, all, in)
	opts.audit("patch", pid, opts.Path, src, res, err, all && (vanished(pid, err) || err == nil && res.Count == 0))
	if res != nil && res.Frozen > 0 {
		info("PID '%d' process patch frozen_time is %d microsecond", pid, res.Frozen.Microseconds())
	}
	if err != nil && all && vanished(pid, err) {
		return nil
	}
	if err != nil {
		if !errors.Is(err, apply.ErrInterrupted) { // eachPid says it
			opts.errorf("%v", err)
		}
		opts.logf(levelErr)("Failed to apply patch '%s'", opts.Path)
		return &reportedError{err}
	}
	if res.Count == 0 {
		info("No patch(es) applicable to PID '%d' have been found", pid)
		return nil
	}
	info("%d patch hunk(s) have been successfully applied to PID '%d'", res.Count, pid)
	return nil
}

func (opts *PatchOptions) patch(pid int, src *apply.Source, all bool, in *interrupts) (*apply.Result, error) {
	if pid == os.Getpid() {
		// Nothing to attach to: a process cannot trace itself.
		return nil, fmt.Errorf("cannot patch libcare-ctl itself (pid %d)", pid)
	}
	h, err := apply.OpenHost(pid)
	if err != nil {
		return nil, err
	}
	defer h.Close()
	return apply.Patch(h, src, apply.Options{
		Timeout: opts.Timeout, All: all,
		Logf: opts.logf(levelInfo), Debugf: opts.logf(levelDebug),
		Tables: apply.LoadTables, Interrupted: in.Signal, JournalDir: apply.JournalDir(),
	})
}
