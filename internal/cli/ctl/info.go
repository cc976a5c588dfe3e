package ctl

import (
	"encoding/json"
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
}

func newInfoCmd(o *Options, runF func(*InfoOptions) error) *cobra.Command {
	opts := &InfoOptions{Options: o}
	cmd := &cobra.Command{
		Use:     "info -p <PID|all> [--json]",
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
	cmd.Flags().StringVarP(&opts.Pid, "pid", "p", "", "process id, or all")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON: objects, Build-IDs, patch ids, levels, hunks, addresses")
	return cmd
}

// RunInfo prints the applied patches of every target process.
func RunInfo(opts *InfoOptions) error {
	pids, all, err := targets(opts.Pid)
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
		if !all || len(pi.Objects) > 0 {
			infos = append(infos, pi)
		}
	}
	if opts.JSON {
		return opts.printJSON(infos, all, failed)
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
	return apply.InfoRepaired(h, apply.Options{
		Debugf: opts.logf(levelDebug), Tables: apply.LoadTables, Interrupted: in.Signal, JournalDir: apply.JournalDir(),
	})
}

func (opts *InfoOptions) printJSON(infos []*apply.ProcessInfo, all bool, failed error) error {
	var v any = infos
	if !all {
		if len(infos) == 0 {
			return failed
		}
		v = infos[0]
	} else if infos == nil {
		v = []*apply.ProcessInfo{}
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.Stdout, "%s\n", b)
	return failed
}

// printText prints upstream's format (`%-25s %s` lines, blank line after
// each object).
func printText(opts *InfoOptions, pi *apply.ProcessInfo) {
	w := opts.Stdout
	for _, o := range pi.Objects {
		printLine(w, "%-25s %d", "Pid:", pi.Pid)
		printLine(w, "%-25s %s", "Target:", o.Name)
		printLine(w, "%-25s %s", "Build id:", o.BuildID)
		printLine(w, "%-25s %d", "Applied patch number:", len(o.Patches))
		for _, p := range o.Patches {
			printLine(w, "%-25s %s", "Patch id:", p.ID)
		}
		fmt.Fprintln(w)
	}
}
