package server

import (
	"context"
	"io"
	"strconv"

	"github.com/golibcare/golibcare/internal/apply"
	"github.com/golibcare/golibcare/internal/procfs"
	"github.com/golibcare/golibcare/internal/store"
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
		stale, _ := planUpdate(pid, storage, nil)
		s.unpatchAll(ctx, out, pid, stale)
	}
}

func (s *Server) unpatchAll(ctx context.Context, out io.Writer, pid int, ps []apply.PatchInfo) {
	for _, p := range ps {
		s.dispatch(ctx, out, []string{"unpatch", "-p", strconv.Itoa(pid), "-i", p.ID, p.BuildID})
	}
}

// planUpdate compares what pid carries with storage: stale lists applied
// patches with another level in storage or disabled there (newest first,
// as unpatch wants them); pending tells whether an object of bids lacks
// its enabled storage patch.
func planUpdate(pid int, storage string, bids []string) (stale []apply.PatchInfo, pending bool) {
	applied := appliedPatches(pid)
	current := map[string]bool{}
	for bid, ps := range applied {
		if store.Disabled(storage, bid) {
			for _, p := range ps {
				stale = append([]apply.PatchInfo{p}, stale...)
			}
			continue
		}
		sp, err := Lookup(storage, bid)
		if err != nil {
			continue
		}
		id, _ := storedID(sp.Path)
		for _, p := range ps {
			switch {
			case uint32(sp.Level) != p.Level:
				// A higher level replaces it, and a lower one too when
				// the level above was disabled or removed (a rollback).
				stale = append([]apply.PatchInfo{p}, stale...)
			case p.ID == id:
				current[bid] = true
			}
		}
	}
	for _, bid := range bids {
		if _, err := Lookup(storage, bid); err == nil && !current[bid] {
			pending = true
		}
	}
	return stale, pending
}

// appliedPatches returns pid's applied patches by Build-ID.
func appliedPatches(pid int) map[string][]apply.PatchInfo {
	if !mayCarryPatch(pid) {
		return nil
	}
	h, err := apply.OpenHost(pid)
	if err != nil {
		return nil
	}
	defer h.Close()
	info, err := apply.Info(h)
	if err != nil {
		return nil
	}
	m := map[string][]apply.PatchInfo{}
	for _, o := range info.Objects {
		m[o.BuildID] = append(m[o.BuildID], o.Patches...)
	}
	return m
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
