//go:build golibcare_testhook

package ptrace

import (
	"fmt"
	"os"
	"strconv"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// The test hook (package doc, "Test hook"): only built with the
// golibcare_testhook tag.

var hook struct {
	n      atomic.Uint64
	killAt uint64
	count  *os.File
}

func init() {
	if v := os.Getenv(TestKillAfterEnv); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n == 0 {
			fmt.Fprintf(os.Stderr, "%s=%q: want a positive number\n", TestKillAfterEnv, v)
			os.Exit(2)
		}
		hook.killAt = n
	}
	if path := os.Getenv(TestCountFileEnv); path != "" {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", TestCountFileEnv, err)
			os.Exit(2)
		}
		hook.count = f
		writeCount(0)
	}
}

// writeCount records n in the count file. Fixed width: a later, longer
// count never leaves digits behind.
func writeCount(n uint64) {
	hook.count.WriteAt(fmt.Appendf(nil, "%020d\n", n), 0)
}

// afterRequest counts a ptrace request, records the count and dies at the
// chosen one.
func afterRequest() {
	n := hook.n.Add(1)
	if hook.count != nil {
		writeCount(n)
	}
	if n == hook.killAt {
		// The kernel kills us before kill returns to user space.
		for {
			unix.Kill(os.Getpid(), unix.SIGKILL)
			unix.Pause()
		}
	}
}
