package apply

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/golibcare/golibcare/internal/procfs"
)

// Processes there is nothing to patch in; errors wrap them.
var (
	ErrKernelThread = errors.New("kernel thread (no user address space)")
	ErrZombie       = errors.New("zombie")
	ErrNotLeader    = errors.New("not a process id")
)

// CheckProcess says why pid cannot be patched when it names no process, a
// kernel thread, a zombie or a thread of another process: the kernel
// answers all of them with ESRCH at some step, which read as "no such
// process" for a pid that ps shows. It only reads /proc.
func CheckProcess(pid int) error {
	st, err := procfs.ReadStatus(pid)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("pid %d: %w", pid, ErrNoProcess)
	}
	if err != nil {
		return fmt.Errorf("pid %d: %w", pid, err)
	}
	if s, err := procfs.ReadStat(pid); err == nil && s.KernelThread() {
		return fmt.Errorf("pid %d is a %w", pid, ErrKernelThread)
	}
	switch {
	case st.State == "Z" || st.State == "X":
		return fmt.Errorf("pid %d is a %w", pid, ErrZombie)
	case st.Tgid != pid:
		return fmt.Errorf("pid %d is a thread of process %d, %w", pid, st.Tgid, ErrNotLeader)
	}
	return nil
}
