package server

import (
	"context"
	"io"
	"strconv"

	"github.com/golibcare/golibcare/internal/apply"
	"github.com/golibcare/golibcare/internal/procfs"
)

// supersede unpatches from each process the patches that storage holds a
// higher level of, so that the patch that follows replaces them rather
// than stacking on them (LibCare replaced lower levels, facts §10; a
// stacked patch would be undone only down to the older level).
func (s *Server) supersede(ctx context.Context, out io.Writer, pids []int, storage string) {
	if !hasLevels(storage) {
		return
	}
	for _, pid := range pids {
		if !mayCarryPatch(pid) {
			continue
		}
		for _, p := range superseded(pid, storage) {
			s.dispatch(ctx, out, []string{"unpatch", "-p", strconv.Itoa(pid), "-i", p.ID, p.BuildID})
		}
	}
}

// superseded lists pid's applied patches with a higher level in storage,
// newest first as unpatch wants them.
func superseded(pid int, storage string) []apply.PatchInfo {
	h, err := apply.OpenHost(pid)
	if err != nil {
		return nil
	}
	defer h.Close()
	info, err := apply.Info(h)
	if err != nil {
		return nil
	}
	var old []apply.PatchInfo
	for _, o := range info.Objects {
		for _, p := range o.Patches {
			if sp, err := Lookup(storage, p.BuildID); err == nil && uint32(sp.Level) > p.Level {
				old = append([]apply.PatchInfo{p}, old...)
			}
		}
	}
	return old
}

// hasLevels reports whether storage holds any patch with a level.
func hasLevels(storage string) bool {
	ids, _ := BuildIDs(storage)
	for _, id := range ids {
		if p, err := Lookup(storage, id); err == nil && p.Level > 0 {
			return true
		}
	}
	return false
}

// mayCarryPatch is a cheap first look: applied patches are anonymous r-x
// mappings (facts §8.3), so a process without one has none.
func mayCarryPatch(pid int) bool {
	maps, err := procfs.ReadMaps(pid)
	if err != nil {
		return false
	}
	for _, m := range maps {
		if m.Path == "" && m.Inode == 0 && m.Exec() && !m.Write() {
			return true
		}
	}
	return false
}
