package ctl

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/golibcare/golibcare/internal/apply"
)

// InfoOptions are the parsed arguments of `info`.
type InfoOptions struct {
	*Options
	Pid  string
	JSON bool
	// Objects lists every object of the process, patched or not.
	Objects bool
}

func newInfoCmd(o *Options, runF func(*InfoOptions) error) *cobra.Command {
	opts := &InfoOptions{Options: o}
	cmd := &cobra.Command{
		Use:     "info -p <PID|all|name:NAME> [--objects] [--json]",
		Aliases: []string{"info-user"},
		Short:   "list the patches applied to processes",
		Args:    usageArgs(0),
		RunE: func(c *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return RunInfo(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Pid, "pid", "p", "", "process id, PID,PID..., all, or name:NAME (as pidof)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print a JSON array, one element per pid: objects, Build-IDs, patch ids, levels, hunks, addresses")
	cmd.Flags().BoolVar(&opts.Objects, "objects", false, "list every object of the process with its path and Build-ID, patched or not")
	return cmd
}

// RunInfo prints the applied patches of every target process.
func RunInfo(opts *InfoOptions) error {
	pids, all, err := opts.targets(opts.Pid)
	if err != nil {
		return err
	}
	var infos []*apply.ProcessInfo
	var failed error
	for _, pid := range pids {
		pi, err := opts.processInfo(pid)
		if err == nil && pi.RepairFailed != "" && !all {
			err := errors.New(pi.RepairFailed)
			opts.errorf("%v", err)
			failed = &reportedError{err}
		}
		if err != nil {
			if !all {
				opts.errorf("%v", err)
				failed = &reportedError{err}
			}
			continue
		}
		if pi.Repaired != "" && !opts.JSON {
			opts.errorf("pid %d: repaired: %s", pid, pi.Repaired)
		}
		if !all || len(pi.Objects) > 0 || opts.Objects {
			infos = append(infos, pi)
		}
	}
	if opts.JSON {
		return opts.printJSON(infos, failed)
	}
	for _, pi := range infos {
		printText(opts, pi)
	}
	return failed
}

// processInfo lists the patches of pid after repairing what a killed run
// left (which needs ptrace; listing alone only reads).
func (opts *InfoOptions) processInfo(pid int) (*apply.ProcessInfo, error) {
	h, err := apply.OpenHost(pid)
	if err != nil {
		return nil, err
	}
	defer h.Close()
	in := holdSignals()
	defer in.release()
	pi, err := apply.InfoRepaired(h, apply.Options{Debugf: opts.logf(levelDebug), Tables: apply.LoadTables, Interrupted: in.Signal,
		JournalDir: apply.JournalDir()})
	if err != nil || !opts.Objects {
		return pi, err
	}
	return withAllObjects(h, pi)
}

// withAllObjects adds the objects without patches to pi, in maps order;
// reading maps and the ELF notes needs no ptrace.
func withAllObjects(h apply.Host, pi *apply.ProcessInfo) (*apply.ProcessInfo, error) {
	snap, err := apply.Discover(h)
	if err != nil {
		return nil, err
	}
	patched := map[string]apply.ObjectInfo{}
	for _, o := range pi.Objects {
		patched[o.Path+"\x00"+o.BuildID] = o
	}
	out := *pi
	out.Objects = []apply.ObjectInfo{}
	for _, o := range snap.Objects {
		oi, ok := patched[o.Path+"\x00"+o.BuildID]
		if !ok {
			oi = apply.ObjectInfo{Name: o.Name, Path: o.Path, BuildID: o.BuildID, Patches: []apply.PatchInfo{}}
		}
		out.Objects = append(out.Objects, oi)
	}
	return &out, nil
}

// printJSON prints an array, one element per pid, for -p PID too.
func (opts *InfoOptions) printJSON(infos []*apply.ProcessInfo, failed error) error {
	if infos == nil {
		infos = []*apply.ProcessInfo{}
	}
	if err := printJSON(opts.Stdout, infos); err != nil {
		return err
	}
	return failed
}

// printText prints upstream's format (`%-25s %s` lines, blank line after
// each object).
func printText(opts *InfoOptions, pi *apply.ProcessInfo) {
	w := opts.Stdout
	for _, o := range pi.Objects {
		printLine(w, "%-25s %d", "Pid:", pi.Pid)
		printLine(w, "%-25s %s", "Target:", o.Name)
		if opts.Objects {
			printLine(w, "%-25s %s", "Path:", o.Path)
		}
		printLine(w, "%-25s %s", "Build id:", o.BuildID)
		printLine(w, "%-25s %d", "Applied patch number:", len(o.Patches))
		for _, p := range o.Patches {
			printLine(w, "%-25s %s", "Patch id:", p.ID)
		}
		fmt.Fprintln(w)
	}
}
