package ctl

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/golibcare/golibcare/internal/apply"
)

// UnpatchOptions are the parsed arguments of `unpatch`.
type UnpatchOptions struct {
	*Options
	Pid     string
	ID      string
	Timeout time.Duration
	Objects []string // Build-IDs or object names
}

func newUnpatchCmd(o *Options, runF func(*UnpatchOptions) error) *cobra.Command {
	opts := &UnpatchOptions{Options: o}
	cmd := &cobra.Command{
		Use:     "unpatch -p <PID|all> [-i <patch-id>] [BuildID-or-objname ...]",
		Aliases: []string{"unpatch-user"},
		Short:   "cancel applied patches (all of them, newest first, without -i)",
		RunE: func(c *cobra.Command, args []string) error {
			opts.Objects = args
			if runF != nil {
				return runF(opts)
			}
			return RunUnpatch(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Pid, "pid", "p", "", "process id, or all")
	cmd.Flags().StringVarP(&opts.ID, "id", "i", "", "patch id to cancel (default: every patch)")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", apply.DefaultTimeout, "how long to wait for patch code to leave the stacks")
	return cmd
}

// RunUnpatch cancels patches in every target process.
func RunUnpatch(opts *UnpatchOptions) error {
	pids, all, err := targets(opts.Pid)
	if err != nil {
		return err
	}
	return eachPid(opts.Options, "unpatch", pids, func(pid int, in *interrupts) error { return opts.unpatchOne(pid, all, in) })
}

func (opts *UnpatchOptions) unpatchOne(pid int, all bool, in *interrupts) error {
	info := opts.logf(levelInfo)
	if opts.ID != "" {
		info("Unapplying patch for %d with patch id '%s'", pid, opts.ID)
	} else {
		info("Unapplying all patches for %d", pid)
	}
	opts.targeting(pid)
	res, err := opts.unpatch(pid, in)
	opts.audit("unpatch", pid, "", nil, res, err, all && (vanished(pid, err) || errors.Is(err, apply.ErrNoPatch) || err == nil && res.Count == 0))
	if res != nil && res.Frozen > 0 {
		info("PID '%d' process unpatch frozen_time is %d microsecond", pid, res.Frozen.Microseconds())
	}
	switch {
	case (errors.Is(err, apply.ErrNoPatch) || vanished(pid, err)) && all:
		return nil
	case err != nil:
		if !errors.Is(err, apply.ErrInterrupted) { // eachPid says it
			opts.errorf("%v", err)
		}
		opts.logf(levelErr)("Failed to cancel patches for %d", pid)
		return &reportedError{err}
	case res.Count == 0:
		info("No patch(es) cancellable from PID '%d' were found", pid)
		if all {
			return nil
		}
		err := fmt.Errorf("pid %d: %w", pid, apply.ErrNoPatch)
		opts.errorf("%v", err)
		return &reportedError{err}
	}
	info("%d patch hunk(s) were successfully cancelled from PID '%d'", res.Count, pid)
	return nil
}

func (opts *UnpatchOptions) unpatch(pid int, in *interrupts) (*apply.Result, error) {
	if pid == os.Getpid() {
		return nil, fmt.Errorf("cannot unpatch libcare-ctl itself (pid %d)", pid)
	}
	h, err := apply.OpenHost(pid)
	if err != nil {
		return nil, err
	}
	defer h.Close()
	return apply.Unpatch(h, opts.ID, opts.Objects, apply.Options{
		Timeout: opts.Timeout,
		Logf:    opts.logf(levelInfo), Debugf: opts.logf(levelDebug),
		Tables: apply.LoadTables, Interrupted: in.Signal, JournalDir: apply.JournalDir(),
	})
}
