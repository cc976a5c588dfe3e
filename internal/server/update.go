package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/golibcare/golibcare/internal/procfs"
	"github.com/golibcare/golibcare/internal/store"
)

// update patches every running process that maps an object with a patch
// in storage. Candidates are found from the files they map (Build-IDs
// cached per file), without reading any process's memory; each one is then
// patched under its own lock, so update does not block requests for other
// processes.
// It returns 0, or 1 when a process could not be patched. args may be
// "--json": then the answer is one JSON array of libcare-ctl's patch
// reports (a process already up to date is "nothing to do").
func (s *Server) update(ctx context.Context, out io.Writer, args []string) int {
	js, ok := jsonArgs(args)
	if !ok {
		fmt.Fprintln(stderrOf(out), "usage: update [--json]")
		return 2
	}
	storage := s.Storage()
	var cands []candidate
	if ids, _ := store.AllBuildIDs(storage); len(ids) > 0 { // else no need to look at any process
		cands = s.patchable(storage)
	}
	if len(cands) == 0 && js == nil {
		fmt.Fprintf(out, "No process has a patch in %s\n", storage)
		return 0
	}
	status := 0
	for _, c := range cands {
		if s.updateOne(ctx, out, c, storage, js) != 0 {
			status = 1
		}
	}
	return js.print(out, status)
}

// updateOne brings one process up to date: patches of a lower level than
// storage's are removed first, and a process that already carries every
// storage patch for its objects is left alone, so update can run again and
// again.
func (s *Server) updateOne(ctx context.Context, out io.Writer, c candidate, storage string, js *jsonReports) int {
	unlock := s.locks.lockPid(c.pid)
	defer unlock()
	stale, pending := planUpdate(c.pid, storage, c.bids)
	if !pending && len(stale) == 0 {
		if js != nil {
			js.nothing(c.pid)
			return 0
		}
		fmt.Fprintf(out, "PID '%d' already carries the patches of %s\n", c.pid, storage)
		return 0
	}
	args := []string{"patch", "-p", strconv.Itoa(c.pid), storage}
	if js == nil {
		s.unpatchAll(ctx, out, c.pid, stale)
		if !pending { // only patches storage now has disabled
			return 0
		}
		return s.dispatch(ctx, out, args)
	}
	s.unpatchAll(ctx, io.Discard, c.pid, stale)
	if !pending {
		js.nothing(c.pid)
		return 0
	}
	var buf bytes.Buffer
	code := s.dispatch(ctx, jsonOut{&buf, stderrOf(out)}, append(args, "--json"))
	js.add(buf.Bytes())
	return code
}

// candidate is a process and the Build-IDs of its objects with a patch in
// storage.
type candidate struct {
	pid  int
	bids []string
}

// patchable lists the processes with at least one mapped object whose
// Build-ID has a patch in storage.
func (s *Server) patchable(storage string) []candidate {
	procs := s.cfg.Processes
	if procs == nil {
		procs = otherProcesses
	}
	var cands []candidate
	for _, pid := range procs() {
		if bids := s.patchedObjects(pid, storage); len(bids) > 0 {
			cands = append(cands, candidate{pid, bids})
		}
	}
	return cands
}

// patchedObjects lists the Build-IDs of pid's mapped files that have a
// patch in storage, enabled or disabled (to be removed).
func (s *Server) patchedObjects(pid int, storage string) []string {
	maps, err := procfs.ReadMaps(pid)
	if err != nil {
		return nil
	}
	var bids []string
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
		if _, err := Lookup(storage, info.buildID); err == nil || store.Disabled(storage, info.buildID) {
			bids = append(bids, info.buildID)
		}
	}
	return bids
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
