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
	// Patch is a patch file or directory: only what it applied is removed.
	Patch string
	// Everything allows `-p all` without -i or --patch.
	Everything bool
	// Idempotent makes an -i that is not applied "nothing to do".
	Idempotent bool
	JSON       bool
	rep        *reports
	// DryRun (--dry-run) stops before the jumps and reports.
	DryRun bool
}

func newUnpatchCmd(o *Options, runF func(*UnpatchOptions) error) *cobra.Command {
	opts := &UnpatchOptions{Options: o}
	cmd := &cobra.Command{
		Use: "unpatch -p <PID|all|name:NAME> [-i <patch-id>] [--patch FILE|DIR] [--everything] " +
			"[--idempotent] [--json] [--dry-run] [BuildID-or-objname ...]",
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
	cmd.Flags().StringVarP(&opts.Pid, "pid", "p", "", "process id, PID,PID..., all, or name:NAME (as pidof)")
	cmd.Flags().StringVarP(&opts.ID, "id", "i", "", "patch id to cancel (default: every patch)")
	cmd.Flags().StringVar(&opts.Patch, "patch", "", "cancel only the patches this file or directory applied")
	cmd.Flags().BoolVar(&opts.Everything, "everything", false, "with -p all and no -i or --patch: cancel every patch of every process")
	cmd.Flags().BoolVar(&opts.Idempotent, "idempotent", false, "succeed when the patch id is not applied")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print what was done as a JSON array, one element per pid")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", apply.DefaultTimeout, "how long to wait for patch code to leave the stacks")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "stop once, check the threads, change nothing, report")
	return cmd
}

// RunUnpatch cancels patches in every target process.
func RunUnpatch(opts *UnpatchOptions) error {
	if opts.ID != "" && opts.Patch != "" {
		return &UsageError{Msg: "give -i or --patch, not both"}
	}
	pids, all, err := opts.targets(opts.Pid)
	if err != nil {
		return err
	}
	if all && opts.ID == "" && opts.Patch == "" && !opts.Everything {
		// The C tool cancelled every patch of every process here.
		return &UsageError{Msg: "unpatch -p all needs -i ID, --patch FILE|DIR, or --everything"}
	}
	opts.rep = opts.jsonMode(opts.JSON)
	var src *apply.Source
	if opts.Patch != "" {
		if src, err = apply.OpenSource(opts.Patch); err != nil {
			opts.errorf("%v", err)
			return opts.rep.print(&reportedError{err})
		}
	}
	err = eachPid(opts.Options, "unpatch", pids, func(pid int, in *interrupts) error { return opts.unpatchOne(pid, all, src, in) })
	return opts.rep.print(err)
}

func (opts *UnpatchOptions) unpatchOne(pid int, all bool, src *apply.Source, in *interrupts) error {
	info := opts.logf(levelInfo)
	switch {
	case opts.ID != "":
		info("Unapplying patch for %d with patch id '%s'", pid, opts.ID)
	case src != nil:
		info("Unapplying patches for %d applied from %s", pid, opts.Patch)
	default:
		info("Unapplying all patches for %d", pid)
	}
	opts.targeting(pid)
	res, err := opts.unpatch(pid, src, in)
	if !opts.DryRun {
		opts.times("unpatch", pid, res)
	}
	nothing := errors.Is(err, apply.ErrNoPatch) && (all || opts.Idempotent)
	if !opts.DryRun {
		opts.audit("unpatch", pid, opts.Patch, src, res, err, all && (vanished(pid, err) || nothing || err == nil && res.Count == 0))
	}
	switch {
	case vanished(pid, err) && all, nothing && all:
		return nil
	case err != nil && !nothing:
		if !errors.Is(err, apply.ErrInterrupted) { // eachPid says it
			opts.errorf("%v", err)
		}
		opts.logf(levelErr)("Failed to cancel patches for %d", pid)
		opts.rep.add(pid, res, "", err)
		return &reportedError{err}
	case nothing || res.Count == 0:
		info("No patch(es) cancellable from PID '%d' were found", pid)
		if !all {
			opts.rep.add(pid, res, resultNothing, nil)
		}
		return nil
	}
	if opts.DryRun {
		opts.printPlan("cancel", pid, res, opts.Timeout)
		return nil
	}
	info("%d patch hunk(s) were successfully cancelled from PID '%d'", res.Count, pid)
	opts.rep.add(pid, res, resultCancelled, nil)
	return nil
}

func (opts *UnpatchOptions) unpatch(pid int, src *apply.Source, in *interrupts) (*apply.Result, error) {
	if pid == os.Getpid() {
		return nil, fmt.Errorf("cannot unpatch libcare-ctl itself (pid %d)", pid)
	}
	h, err := apply.OpenHost(pid)
	if err != nil {
		return nil, err
	}
	defer h.Close()
	opt := apply.Options{
		Timeout: opts.Timeout,
		Logf:    opts.logf(levelInfo), Debugf: opts.logf(levelDebug),
		Tables: apply.LoadTables, Interrupted: in.Signal, JournalDir: apply.JournalDir(),
		DryRun: opts.DryRun,
	}
	if src == nil {
		return apply.Unpatch(h, opts.ID, opts.Objects, opt)
	}
	return unpatchFrom(h, src, opts.Objects, opt)
}

// unpatchFrom cancels the patches src applied to the process: for each
// object, the applied patch with the id of src's patch for its Build-ID.
// One apply.Unpatch per id, each limited to the objects src patched.
func unpatchFrom(h apply.Host, src *apply.Source, filter []string, opt apply.Options) (*apply.Result, error) {
	pi, err := apply.Info(h)
	if err != nil {
		return nil, err
	}
	byID := map[string][]string{}
	var ids []string
	for _, o := range pi.Objects {
		if !selected(o, filter) {
			continue
		}
		p, err := src.Lookup(o.BuildID)
		if err != nil {
			return nil, err
		}
		if p == nil || !hasPatch(o, p.File.Header.IDString()) {
			continue
		}
		id := p.File.Header.IDString()
		if byID[id] == nil {
			ids = append(ids, id)
		}
		byID[id] = append(byID[id], o.BuildID)
	}
	if len(ids) == 0 {
		return &apply.Result{}, nil // nothing to do, as unpatch without -i
	}
	total := &apply.Result{}
	for _, id := range ids {
		res, err := apply.Unpatch(h, id, byID[id], opt)
		if res != nil {
			total.Count += res.Count
			total.Frozen += res.Frozen
			total.Waited += res.Waited
			total.Patches = append(total.Patches, res.Patches...)
			if res.Plan != nil {
				total.Plan = res.Plan
			}
		}
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func selected(o apply.ObjectInfo, filter []string) bool {
	for _, f := range filter {
		if f == o.BuildID || f == o.Name {
			return true
		}
	}
	return len(filter) == 0
}

func hasPatch(o apply.ObjectInfo, id string) bool {
	for _, p := range o.Patches {
		if p.ID == id {
			return true
		}
	}
	return false
}
