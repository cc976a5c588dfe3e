package apply

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"

	"github.com/golibcare/golibcare/internal/kpatch"
)

// ErrNoPatch is returned by Unpatch when no applied patch matches.
var ErrNoPatch = errors.New("no patch found")

// undoing is one applied patch being removed.
type undoing struct {
	a     *Applied
	infos []kpatch.Info
	undo  []byte
}

// Unpatch removes the patch with the given id (every patch when id is
// empty) from the objects named by filter (Build-ID or basename; all when
// empty), newest first (facts §8.14, design §2).
func Unpatch(h Host, id string, filter []string, opt Options) (*Result, error) {
	opt.defaults()
	snap, err := discoverRepaired(h, opt)
	if err != nil {
		return nil, err
	}
	sel, err := selectPatches(snap, id, filter)
	if err != nil {
		return nil, err
	}
	if len(sel) == 0 {
		if id != "" {
			return &Result{}, fmt.Errorf("failed to find target patch with patch_id=%s in pid %d: %w", id, snap.Pid, ErrNoPatch)
		}
		return &Result{}, nil
	}
	var us []*undoing
	for _, a := range sel {
		u, err := readUndo(h, a)
		if err != nil {
			return nil, err
		}
		us = append(us, u)
	}
	s := &session{pid: h.Pid(), snap: snap, opt: opt}
	if err := s.checkInterrupt(); err != nil {
		return nil, err
	}
	if s.t, err = h.Attach(); err != nil {
		return nil, err
	}
	s.seccomp.expect(s, unpatchCalls(us))
	err = s.unpatch(us)
	res := &Result{Frozen: s.frozen, Waited: s.waited}
	if err != nil {
		return res, err
	}
	res.Count = len(us)
	for _, u := range us {
		res.Patches = append(res.Patches, describeInfos(u))
	}
	return res, nil
}

// selectPatches returns the matching patches, newest first, and refuses to
// remove a patch another (kept) patch was stacked on.
func selectPatches(snap *Snapshot, id string, filter []string) ([]*Applied, error) {
	var sel []*Applied
	for _, o := range snap.Objects {
		if !matchObject(o, filter) {
			continue
		}
		order := newestFirst(o.Applied)
		for k, a := range order {
			if id != "" && a.ID() != id {
				continue
			}
			for _, newer := range order[:k] {
				if (id != "" && newer.ID() != id) && stackedOn(newer, a) {
					return nil, fmt.Errorf("patch %s of %s is under patch %s: remove that one first", a.ID(), o.Name, newer.ID())
				}
			}
			sel = append(sel, a)
		}
	}
	return sel, nil
}

func matchObject(o *Object, filter []string) bool {
	if len(filter) == 0 {
		return true
	}
	for _, f := range filter {
		if f == o.BuildID || f == o.Name {
			return true
		}
	}
	return false
}

// stackedOn reports whether newer saved a jump into old's region, i.e. was
// applied over it.
func stackedOn(newer, old *Applied) bool {
	for _, t := range newer.savedJumps {
		if t >= old.Start && t < old.End() {
			return true
		}
	}
	return false
}

// loadSavedJumps records where the bytes a patch saved jump to.
func (a *Applied) loadSavedJumps(mem Memory) {
	u, err := readUndo(mem, a)
	if err != nil {
		return
	}
	for i, in := range u.infos {
		if t, ok := jumpTarget(u.undo[5*i:], in.Daddr); ok && !in.IsNew() {
			a.savedJumps = append(a.savedJumps, t)
		}
	}
}

// newestFirst orders the patches of one object: a patch whose saved bytes
// jump into another patch was applied after it.
func newestFirst(ps []*Applied) []*Applied {
	rest := append([]*Applied(nil), ps...)
	sort.SliceStable(rest, func(i, k int) bool {
		if rest[i].Header.BuildTime != rest[k].Header.BuildTime {
			return rest[i].Header.BuildTime > rest[k].Header.BuildTime
		}
		return rest[i].Start > rest[k].Start
	})
	var out []*Applied
	for len(rest) > 0 {
		pick := 0
	search:
		for i, p := range rest {
			for k, q := range rest {
				if k != i && stackedOn(q, p) {
					continue search // q is newer than p
				}
			}
			pick = i
			break
		}
		out = append(out, rest[pick])
		rest = append(rest[:pick], rest[pick+1:]...)
	}
	return out
}

func readUndo(mem Memory, a *Applied) (*undoing, error) {
	infos, err := readInfos(mem, a)
	if err != nil {
		return nil, err
	}
	undo, err := readFull(mem, a.Start+uint64(a.Header.UserUndo), 5*len(infos))
	if err != nil {
		return nil, fmt.Errorf("patch %s: saved bytes: %w", a.ID(), err)
	}
	return &undoing{a: a, infos: infos, undo: undo}, nil
}

// jumpTarget decodes a saved `e9 rel32` at daddr.
func jumpTarget(b []byte, daddr uint64) (uint64, bool) {
	if len(b) < 5 || b[0] != 0xe9 {
		return 0, false
	}
	return daddr + 5 + uint64(int64(int32(binary.LittleEndian.Uint32(b[1:])))), true
}

// unpatch removes the patches in one stop. Once the first original byte is
// written, it finishes (Options.Interrupted is no longer polled).
func (s *session) unpatch(us []*undoing) error {
	var ranges []protRange
	for _, u := range us {
		for _, in := range u.infos {
			ranges = append(ranges, protRange{in.Saddr, in.Saddr + uint64(in.Slen), readName(s.t, u.a, in.Symstr)})
		}
	}
	for _, u := range us {
		ranges = append(ranges, protRange{u.a.Start, u.a.CodeEnd, "patch " + u.a.ID()})
	}
	mods := s.modules()
	return s.held(func() error {
		if err := s.stop(); err != nil {
			return s.finish(err)
		}
		if err := s.waitSafe(ranges, mods); err != nil {
			return s.finish(err)
		}
		if err := s.verifyJumps(us); err != nil {
			return s.finish(err)
		}
		for _, u := range us {
			if err := s.restore(u); err != nil {
				return s.finish(err)
			}
		}
		return s.detach()
	})
}

// verifyJumps checks, before writing anything, that each function still
// starts with the jump of the patch being removed (in removal order, so a
// stacked patch's saved bytes count): otherwise the code was changed by
// someone else and restoring would corrupt it.
func (s *session) verifyJumps(us []*undoing) error {
	cur := map[uint64][]byte{}
	for _, u := range us {
		for i, in := range u.infos {
			if in.IsNew() {
				continue
			}
			b, ok := cur[in.Daddr]
			if !ok {
				var err error
				if b, err = readFull(s.t, in.Daddr, 5); err != nil {
					return fmt.Errorf("patch %s: %w", u.a.ID(), err)
				}
			}
			if !bytes.Equal(b, hunk(in)) {
				return fmt.Errorf("patch %s: code at %#x is % x, not its jump: changed by someone else", u.a.ID(), in.Daddr, b)
			}
			cur[in.Daddr] = u.undo[5*i : 5*i+5]
		}
	}
	return nil
}

// restore writes back the original bytes, then removes the record, then
// the region: killed in between, the region reads as a patch with some
// jumps (or none) restored, which the next run completes (repair.go).
func (s *session) restore(u *undoing) error {
	for i, in := range u.infos {
		if in.IsNew() {
			continue
		}
		if err := writeFull(s.t, in.Daddr, u.undo[5*i:5*i+5]); err != nil {
			return fmt.Errorf("patch %s: restore %#x: %w", u.a.ID(), in.Daddr, err)
		}
	}
	if err := unrecord(s.t, u.a.Start); err != nil {
		return fmt.Errorf("patch %s: pid %d: %w", u.a.ID(), s.pid, err)
	}
	return s.munmap(u.a.Start, u.a.Header.KpatchTotalMemSz)
}

func describeInfos(u *undoing) PatchInfo {
	p := PatchInfo{ID: u.a.ID(), BuildID: u.a.Header.BuildIDString(), Level: u.a.Header.UserLevel,
		Address: Addr(u.a.Start), Size: u.a.Header.KpatchTotalMemSz, Hunks: []Hunk{}}
	if u.a.Object != nil {
		p.Object = u.a.Object.Name
	}
	for _, in := range u.infos {
		p.Hunks = append(p.Hunks, Hunk{Daddr: Addr(in.Daddr), Dlen: in.Dlen, Saddr: Addr(in.Saddr), Slen: in.Slen})
	}
	return p
}
