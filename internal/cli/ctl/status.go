package ctl

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/golibcare/golibcare/internal/apply"
	"github.com/golibcare/golibcare/internal/coverage"
	"github.com/golibcare/golibcare/internal/server"
)

// StatusOptions are the parsed arguments of `status`.
type StatusOptions struct {
	*Options
	Store string
	Pid   string
	JSON  bool
}

// ErrNotCurrent is returned by status when a process does not run the
// newest level of a patch in the store (exit status 1).
var ErrNotCurrent = errors.New("not every process runs the newest patch")

func newStatusCmd(o *Options, runF func(*StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{Options: o}
	cmd := &cobra.Command{
		Use:   "status [--store DIR] [-p PID|all] [--json]",
		Short: "which processes run the store's patches, which do not, and why",
		Long: "For every process mapping an object with a patch in the store: patched (id, level), " +
			"outdated, unpatched, or unpatchable and why. Exit 0 only when every one runs the newest level, " +
			"1 when one does not. Processes are not stopped.",
		Args: usageArgs(0),
		RunE: func(c *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return RunStatus(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Store, "store", server.DefaultStorage, "patch storage directory")
	cmd.Flags().StringVarP(&opts.Pid, "pid", "p", "all", "process id, PID,PID..., all, or name:NAME (as pidof)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

// RunStatus reports the coverage of the store's patches.
func RunStatus(opts *StatusOptions) error {
	pids, _, err := opts.targets(opts.Pid)
	if err != nil {
		return err
	}
	src, err := apply.OpenSource(opts.Store)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if src.File() != nil {
		return &UsageError{Msg: fmt.Sprintf("--store %s: want a storage directory, not a file", opts.Store)}
	}
	sc := coverage.NewScanner(src)
	entries := []coverage.Entry{}
	for _, pid := range pids {
		es, err := sc.Scan(pid)
		if err != nil {
			return err
		}
		entries = append(entries, es...)
	}
	coverage.Sort(entries)
	if opts.JSON {
		enc := json.NewEncoder(opts.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(entries); err != nil {
			return err
		}
	} else {
		for _, e := range entries {
			printLine(opts.Stdout, "%s", statusLine(e))
		}
	}
	if !coverage.AllCurrent(entries) {
		return &reportedError{ErrNotCurrent}
	}
	return nil
}

func statusLine(e coverage.Entry) string {
	head := fmt.Sprintf("pid %d (%s) %s %s: ", e.Pid, e.Comm, e.Object, e.BuildID)
	store := fmt.Sprintf("store has %s level %d", e.Store.ID, e.Store.Level)
	var runs []string
	for _, a := range e.Applied {
		runs = append(runs, fmt.Sprintf("%s level %d", a.ID, a.Level))
	}
	switch e.State {
	case coverage.Patched:
		return head + fmt.Sprintf("patched, %s level %d", e.Store.ID, e.Store.Level)
	case coverage.Outdated:
		return head + "outdated, runs " + strings.Join(runs, ", ") + "; " + store
	case coverage.Unpatchable:
		if len(runs) > 0 {
			store = "runs " + strings.Join(runs, ", ") + "; " + store
		}
		return head + "not patchable: " + e.Reason + " (" + store + ")"
	}
	return head + "not patched (" + store + ")"
}
