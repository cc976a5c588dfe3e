package ctl

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/golibcare/golibcare/internal/apply"
	"github.com/golibcare/golibcare/internal/procfs"
)

// completeTargets completes -p (pids and "all", described with the
// command name) and -i (ids of the patches applied to the chosen pid) on
// every subcommand that has them.
func completeTargets(root *cobra.Command) {
	for _, c := range root.Commands() {
		if c.Flags().Lookup("pid") != nil {
			c.RegisterFlagCompletionFunc("pid", completePid)
		}
		if c.Flags().Lookup("id") != nil {
			c.RegisterFlagCompletionFunc("id", completeID)
		}
	}
}

// completePid lists "all" and every process that -p all would target,
// as "PID\tcomm".
func completePid(_ *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
	out := []string{"all\tevery process"}
	pids, err := (&Options{}).processes()
	if err != nil {
		return out, cobra.ShellCompDirectiveNoFileComp
	}
	for _, pid := range pids {
		s := strconv.Itoa(pid)
		if !strings.HasPrefix(s, prefix) {
			continue
		}
		out = append(out, s+"\t"+comm(pid))
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// comm is the command name of pid, as ps shows it.
func comm(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(b))
}

// completeID lists the ids of the patches applied to the process of -p
// (all processes for "all"). It reads the records the patches leave in
// the process through /proc/PID/mem and never stops it: listing is what
// `info` does before repairing, and a completion must not repair.
func completeID(c *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
	p, _ := c.Flags().GetString("pid")
	var pids []int
	if p == "all" {
		pids, _ = (&Options{}).processes()
	} else if pid, err := strconv.Atoi(p); err == nil && pid > 0 {
		pids = []int{pid}
	}
	seen := map[string]bool{}
	for _, pid := range pids {
		for _, id := range appliedIDs(pid) {
			if strings.HasPrefix(id, prefix) {
				seen[id] = true
			}
		}
	}
	ids := make([]string, 0, len(seen))
	for id := range seen {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids, cobra.ShellCompDirectiveNoFileComp
}

// appliedIDs returns the ids applied to pid, none when it cannot be read.
func appliedIDs(pid int) []string {
	if pid == os.Getpid() {
		return nil
	}
	if _, err := procfs.Exe(pid); err != nil {
		return nil
	}
	h, err := apply.OpenHost(pid)
	if err != nil {
		return nil
	}
	defer h.Close()
	pi, err := apply.Info(h)
	if err != nil {
		return nil
	}
	var ids []string
	for _, o := range pi.Objects {
		for _, pa := range o.Patches {
			ids = append(ids, pa.ID)
		}
	}
	return ids
}
