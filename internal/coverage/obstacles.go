package coverage

import (
	"fmt"
	"os"
	"strings"

	"github.com/golibcare/golibcare/internal/procfs"
	"github.com/golibcare/golibcare/internal/ptrace"
)

// Obstacles says what would certainly stop libcare-ctl from patching pid
// now, from /proc alone ("" when nothing does): another tracer (a process
// has one), a zombie, another owner without privilege, Yama, seccomp
// strict mode (every system call the patch needs kills the process).
// Seccomp filters are only known in the stop, where patch checks them
// (patch --dry-run shows the result).
func Obstacles(pid int, st *procfs.Status) string {
	if st == nil {
		var err error
		if st, err = procfs.ReadStatus(pid); err != nil {
			return fmt.Sprintf("cannot read /proc/%d/status: %v", pid, err)
		}
	}
	var why []string
	if st.TracerPid != 0 {
		why = append(why, "already traced by "+ptrace.DescribeTracer(st.TracerPid))
	}
	if st.State == "Z" {
		why = append(why, "the process is a zombie")
	}
	if st.Seccomp == 1 {
		why = append(why, "seccomp strict mode (the system calls a patch needs kill it)")
	}
	if !isRoot() && st.Uid[1] != os.Geteuid() {
		why = append(why, fmt.Sprintf("process owned by uid %d, we are uid %d", st.Uid[1], os.Geteuid()))
	}
	if b, err := os.ReadFile("/proc/sys/kernel/yama/ptrace_scope"); err == nil {
		switch v := strings.TrimSpace(string(b)); {
		case v == "3":
			why = append(why, "kernel.yama.ptrace_scope = 3 (tracing disabled until reboot)")
		case v == "2" && !isRoot():
			why = append(why, "kernel.yama.ptrace_scope = 2 (only CAP_SYS_PTRACE may trace)")
		}
	}
	return strings.Join(why, "; ")
}

func isRoot() bool { return os.Geteuid() == 0 }
