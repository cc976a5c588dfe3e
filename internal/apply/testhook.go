//go:build golibcare_testhook

package apply

import (
	"os"
	"strconv"
	"sync/atomic"
	"syscall"
)

// killAfterEnv names the number of changes to a target (memory writes,
// mmap, mprotect, munmap) after which a libcare-ctl built with the tag
// golibcare_testhook SIGKILLs itself, to produce for real each state a
// killed run can leave (tests in internal/cli/ctl).
const killAfterEnv = "GOLIBCARE_TEST_KILL_AFTER_CHANGE"

var (
	killAfter = func() int64 {
		n, err := strconv.ParseInt(os.Getenv(killAfterEnv), 10, 64)
		if err != nil {
			return -1
		}
		return n
	}()
	changes atomic.Int64
)

// beforeChange is called before each change to a target.
func beforeChange() {
	if killAfter >= 0 && changes.Add(1) > killAfter {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal ends us
	}
}
