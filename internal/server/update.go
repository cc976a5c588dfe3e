package server

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/golibcare/golibcare/internal/procfs"
)

// update patches every running process that maps an object with a patch
// in storage. Candidates are found from the files they map (Build-IDs
// cached per file), without reading any process's memory; each one is then
// patched under its own lock, so update does not block requests for other
// processes.
func (s *Server) update(ctx context.Context, out io.Writer) {
	storage := s.Storage()
	pids := s.patchable(storage)
	if len(pids) == 0 {
		fmt.Fprintf(out, "No process has a patch in %s\n", storage)
		return
	}
	for _, pid := range pids {
		unlock := s.locks.lockPid(pid)
		s.supersede(ctx, out, []int{pid}, storage)
		s.dispatch(ctx, out, []string{"patch", "-p", strconv.Itoa(pid), storage})
		unlock()
	}
}

// patchable lists the processes with at least one mapped object whose
// Build-ID has a patch in storage.
func (s *Server) patchable(storage string) []int {
	procs := s.cfg.Processes
	if procs == nil {
		procs = otherProcesses
	}
	var pids []int
	for _, pid := range procs() {
		if s.mapsPatched(pid, storage) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func (s *Server) mapsPatched(pid int, storage string) bool {
	maps, err := procfs.ReadMaps(pid)
	if err != nil {
		return false
	}
	seen := map[string]bool{}
	for _, m := range maps {
		if m.Inode == 0 || len(m.Path) == 0 || m.Path[0] != '/' || seen[m.Path] {
			continue
		}
		seen[m.Path] = true
		// Through the process's root, so a process in another mount
		// namespace or chroot is judged by its own files.
		info := s.objs.get("/proc/" + strconv.Itoa(pid) + "/root" + m.Path)
		if info == nil {
			continue
		}
		if _, err := Lookup(storage, info.buildID); err == nil {
			return true
		}
	}
	return false
}

// otherProcesses lists the processes "-p all" means: all but init and us.
func otherProcesses() []int {
	all, _ := procfs.Pids()
	var pids []int
	for _, pid := range all {
		if pid != 1 && pid != os.Getpid() {
			pids = append(pids, pid)
		}
	}
	return pids
}
