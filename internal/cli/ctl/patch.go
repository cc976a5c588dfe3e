package ctl

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/golibcare/golibcare/internal/apply"
	"github.com/golibcare/golibcare/internal/kpatch"
	"github.com/golibcare/golibcare/internal/signature"
)

// PatchOptions are the parsed arguments of `patch`.
type PatchOptions struct {
	*Options
	Pid     string
	Timeout time.Duration
	Path    string
	// MaxSize bounds the patch files read (--max-size).
	MaxSize Size
	// Idempotent makes an id applied from the same file "nothing to do".
	Idempotent bool
	JSON       bool
	rep        *reports
	// Verify (--verify) refuses a patch without a valid signature by a
	// key of Keys (--keys).
	Verify bool
	Keys   string
	// DryRun (--dry-run) stops before the jumps and reports.
	DryRun bool
}

func newPatchCmd(o *Options, runF func(*PatchOptions) error) *cobra.Command {
	opts := &PatchOptions{Options: o, MaxSize: kpatch.DefaultMaxSize}
	if o.MaxSize > 0 {
		opts.MaxSize = Size(o.MaxSize)
	}
	cmd := &cobra.Command{
		Use:     "patch -p <PID|all|name:NAME> [--idempotent] [--json] [--timeout D] [--max-size N] [--verify [--keys DIR]] [--dry-run] <PATCH>",
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
	cmd.Flags().StringVarP(&opts.Pid, "pid", "p", "", "process id, PID,PID..., all, or name:NAME (as pidof)")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", apply.DefaultTimeout, "how long to wait for patched functions to leave the stacks")
	cmd.Flags().Var(&opts.MaxSize, "max-size", "largest patch file to read (K, M, G suffixes)")
	cmd.Flags().BoolVar(&opts.Idempotent, "idempotent", false, "succeed when the same patch file is applied already")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print what was done as a JSON array, one element per pid")
	cmd.Flags().BoolVar(&opts.Verify, "verify", false, "refuse a patch without a valid FILE.sig by a trusted key")
	cmd.Flags().StringVar(&opts.Keys, "keys", signature.DefaultKeysDir, "directory of trusted public keys (*.pub)")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "do everything up to the jumps, leave the process as it was, report")
	return cmd
}

// RunPatch applies opts.Path to every target process.
func RunPatch(opts *PatchOptions) error {
	pids, all, err := opts.targets(opts.Pid)
	if err != nil {
		return err
	}
	opts.rep = opts.jsonMode(opts.JSON)
	verify, err := opts.verifier()
	if err != nil {
		return err
	}
	src, err := apply.OpenSourceVerified(opts.Path, int64(opts.MaxSize), verify)
	if err != nil {
		if !errors.Is(err, apply.ErrInterrupted) { // eachPid says it
			opts.errorf("%v", err)
		}
		opts.logf(levelErr)("Failed to apply patch '%s'", opts.Path)
		for _, pid := range pids {
			opts.audit("patch", pid, opts.Path, nil, nil, err, all)
		}
		return opts.rep.print(&reportedError{err})
	}
	err = eachPid(opts.Options, "patch", pids, func(pid int, in *interrupts) error { return opts.patchOne(pid, src, all, in) })
	return opts.rep.print(err)
}

func (opts *PatchOptions) patchOne(pid int, src *apply.Source, all bool, in *interrupts) error {
	info := opts.logf(levelInfo)
	info("Applying patch for %d with %s", pid, opts.Path)
	opts.targeting(pid)
	res, err := opts.patch(pid, src, all, in)
	if !opts.DryRun {
		opts.audit("patch", pid, opts.Path, src, res, err, all && (vanished(pid, err) || err == nil && res.Count == 0))
		opts.times("patch", pid, res)
	}
	if err != nil && all && vanished(pid, err) {
		return nil
	}
	if err != nil {
		if !errors.Is(err, apply.ErrInterrupted) { // eachPid says it
			opts.errorf("%v", err)
		}
		opts.logf(levelErr)("Failed to apply patch '%s'", opts.Path)
		opts.rep.add(pid, res, "", err)
		return &reportedError{err}
	}
	for _, p := range res.Already {
		info("Patch '%s' is already applied to '%s' of PID '%d' from the same file", p.ID, p.Object, pid)
	}
	if res.Count == 0 {
		info("No patch(es) applicable to PID '%d' have been found", pid)
		if !all || len(res.Already) > 0 {
			opts.rep.add(pid, res, resultNothing, nil)
		}
		return nil
	}
	if opts.DryRun {
		opts.printPlan("apply", pid, res, opts.Timeout)
		return nil
	}
	info("%d patch hunk(s) have been successfully applied to PID '%d'", res.Count, pid)
	opts.rep.add(pid, res, resultApplied, nil)
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
		Tables: apply.LoadTables, Interrupted: in.Signal, Idempotent: opts.Idempotent,
		JournalDir: apply.JournalDir(), DryRun: opts.DryRun,
	})
}
