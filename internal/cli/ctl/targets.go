package ctl

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/golibcare/golibcare/internal/procfs"
)

// commLen is the longest process name the kernel keeps in comm
// (TASK_COMM_LEN 16, with the NUL).
const commLen = 15

// targets expands -p: a pid, a comma-separated list of pids, "all" (every
// process with a readable /proc/N/exe except pid 1 and ourselves) or
// "name:NAME" (the processes pidof NAME lists). all reports "all", where a
// process without a matching object is passed over silently.
func (o *Options) targets(p string) (pids []int, all bool, err error) {
	switch {
	case p == "":
		return nil, false, &UsageError{Msg: "PID argument is mandatory (-p PID|all|name:NAME)"}
	case p == "all":
		pids, err := o.processes()
		return pids, true, err
	case strings.HasPrefix(p, "name:"):
		return o.named(strings.TrimPrefix(p, "name:"))
	}
	for _, f := range strings.Split(p, ",") {
		pid, err := strconv.Atoi(f)
		if err != nil || pid <= 0 {
			return nil, false, &UsageError{Msg: fmt.Sprintf("bad pid %q (want PID, PID,PID..., all or name:NAME)", p)}
		}
		pids = append(pids, pid)
	}
	return pids, false, nil
}

// processes lists the candidate user processes.
func (o *Options) processes() ([]int, error) {
	list := procfs.Pids
	if o.Processes != nil {
		list = o.Processes
	}
	all, err := list()
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, pid := range all {
		if pid == 1 || pid == os.Getpid() {
			continue
		}
		if _, err := procfs.Exe(pid); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// named returns the processes called name; none is a failure, as for a
// pid that does not exist.
func (o *Options) named(name string) ([]int, bool, error) {
	if name == "" || strings.Contains(name, "/") {
		return nil, false, &UsageError{Msg: fmt.Sprintf("bad process name %q", name)}
	}
	all, err := o.processes()
	if err != nil {
		return nil, false, err
	}
	var pids []int
	for _, pid := range all {
		if isNamed(pid, name) {
			pids = append(pids, pid)
		}
	}
	if len(pids) == 0 {
		return nil, false, fmt.Errorf("no process named %q", name)
	}
	return pids, false, nil
}

// isNamed matches like pidof: the basename of argv[0] or of the
// executable, or comm (cut to 15 bytes by the kernel, so a longer name
// matches by its head, as sysvinit's pidof does).
func isNamed(pid int, name string) bool {
	if args, err := procfs.Cmdline(pid); err == nil && len(args) > 0 && filepath.Base(args[0]) == name {
		return true
	}
	if exe, err := procfs.Exe(pid); err == nil && filepath.Base(exe) == name {
		return true
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return false
	}
	comm := strings.TrimSuffix(string(b), "\n")
	return comm == name || (len(name) > commLen && comm == name[:commLen])
}
