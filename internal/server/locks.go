package server

import (
	"os"
	"strconv"
	"strings"
	"sync"
)

// locks serialises requests per target process. A request for one pid takes
// the shared side of all plus that pid's mutex; a request for every process
// (-p all, update) takes all exclusively.
type locks struct {
	all  sync.RWMutex
	mu   sync.Mutex
	pids map[int]*pidLock
}

type pidLock struct {
	mu   sync.Mutex
	refs int
}

func newLocks() *locks { return &locks{pids: map[int]*pidLock{}} }

// lockPid blocks until no other request works on pid and returns the unlock.
func (l *locks) lockPid(pid int) func() {
	l.all.RLock()
	l.mu.Lock()
	p := l.pids[pid]
	if p == nil {
		p = &pidLock{}
		l.pids[pid] = p
	}
	p.refs++
	l.mu.Unlock()
	p.mu.Lock()
	return func() {
		p.mu.Unlock()
		l.mu.Lock()
		if p.refs--; p.refs == 0 {
			delete(l.pids, pid)
		}
		l.mu.Unlock()
		l.all.RUnlock()
	}
}

// lockAll blocks until no other request runs and returns the unlock.
func (l *locks) lockAll() func() {
	l.all.Lock()
	return l.all.Unlock
}

// lockFor takes the lock a libcare-ctl command line needs: by its -p value,
// or none for commands that name no process.
func (l *locks) lockFor(args []string) func() {
	v, ok := pidArg(args)
	if !ok {
		return func() {}
	}
	if pid, err := strconv.Atoi(v); err == nil {
		return l.lockPid(pid)
	}
	return l.lockAll() // "all", or a value libcare-ctl will refuse anyway
}

// pidArg finds the value of -p/--pid in a patch/unpatch/info command line
// (getopt forms: "-p N", "-pN", "--pid N", "--pid=N").
func pidArg(args []string) (string, bool) {
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return "", false
		case a == "-p" || a == "--pid":
			if i+1 < len(args) {
				return args[i+1], true
			}
			return "", false
		case strings.HasPrefix(a, "--pid="):
			return a[len("--pid="):], true
		case strings.HasPrefix(a, "-p") && !strings.HasPrefix(a, "--"):
			return a[2:], true
		}
	}
	return "", false
}

// refs reports how many requests hold or wait for pid's lock.
func (l *locks) refs(pid int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if p := l.pids[pid]; p != nil {
		return p.refs
	}
	return 0
}

// storagePatch recognises "patch -p PID|all DIR" with a storage directory,
// where a higher patch level replaces a lower one; pids is nil for all.
func storagePatch(args []string) (pids []int, dir string, ok bool) {
	if len(args) < 2 || (args[0] != "patch" && args[0] != "patch-user") {
		return nil, "", false
	}
	v, ok := pidArg(args)
	if !ok {
		return nil, "", false
	}
	dir = args[len(args)-1]
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, "", false
	}
	if v == "all" {
		return nil, dir, true
	}
	pid, err := strconv.Atoi(v)
	if err != nil || pid <= 0 {
		return nil, "", false
	}
	return []int{pid}, dir, true
}
