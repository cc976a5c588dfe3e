// Package coverage answers "which processes map an object that has a
// patch in the store, and do they run it": for each such object of each
// process, patched at the newest level, patched at an older one, not
// patched, or not patchable and why. It reads /proc and process memory
// and never stops a process.
package coverage

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/golibcare/golibcare/internal/apply"
	"github.com/golibcare/golibcare/internal/elfutil"
	"github.com/golibcare/golibcare/internal/procfs"
)

// State of one object of one process.
type State string

// States, from best to worst.
const (
	Patched     State = "patched"     // runs the store's newest level
	Outdated    State = "outdated"    // runs an older patch of the object
	Unpatched   State = "unpatched"   // runs no patch of the object, could be patched
	Unpatchable State = "unpatchable" // runs no patch of the object and cannot be patched now
)

// Patch names a patch by id and level.
type Patch struct {
	ID    string `json:"id"`
	Level uint32 `json:"level"`
}

// Entry is one object with a patch in the store, in one process.
type Entry struct {
	Pid     int     `json:"pid"`
	Comm    string  `json:"comm"`
	Object  string  `json:"object"`
	Path    string  `json:"path"`
	BuildID string  `json:"build_id"`
	Store   Patch   `json:"store"`   // the newest patch in the store
	Applied []Patch `json:"applied"` // the patches the process runs for it
	State   State   `json:"state"`
	Reason  string  `json:"reason,omitempty"` // why Unpatchable
}

// Store looks patches up by Build-ID.
type Store interface {
	Lookup(buildID string) (*apply.PatchFile, error)
}

// Scanner scans processes against a store, caching what it read of the
// store and of object files.
type Scanner struct {
	store   Store
	patches map[string]*apply.PatchFile // by Build-ID; nil: none
	fileBID map[string]string           // object path → Build-ID ("" unknown)
}

// NewScanner returns a scanner of store.
func NewScanner(store Store) *Scanner {
	return &Scanner{store: store, patches: map[string]*apply.PatchFile{}, fileBID: map[string]string{}}
}

func (s *Scanner) lookup(bid string) (*apply.PatchFile, error) {
	if p, ok := s.patches[bid]; ok {
		return p, nil
	}
	p, err := s.store.Lookup(bid)
	if err != nil {
		return nil, err
	}
	s.patches[bid] = p
	return p, nil
}

// Scan returns the entries of pid, none when it maps no object with a
// patch in the store. A process that exits meanwhile has none.
func (s *Scanner) Scan(pid int) ([]Entry, error) {
	if !s.maybe(pid) {
		return nil, nil
	}
	comm := ""
	st, err := procfs.ReadStatus(pid)
	if err == nil {
		comm = st.Name
	}
	h, err := apply.OpenHost(pid)
	if err != nil {
		return s.unreadable(pid, comm, err)
	}
	defer h.Close()
	snap, err := apply.Discover(h)
	if err != nil {
		return s.unreadable(pid, comm, err)
	}
	var out []Entry
	for _, o := range snap.Objects {
		p, err := s.lookup(o.BuildID)
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		if p == nil {
			continue
		}
		e := Entry{Pid: pid, Comm: comm, Object: o.Name, Path: o.Path, BuildID: o.BuildID,
			Store: Patch{p.File.Header.IDString(), p.Level}, Applied: []Patch{}}
		for _, a := range o.Applied {
			e.Applied = append(e.Applied, Patch{a.ID(), a.Header.UserLevel})
		}
		e.State, e.Reason = state(pid, st, e)
		out = append(out, e)
	}
	return out, nil
}

// maybe reports whether pid maps a file whose Build-ID has a patch, or
// one that cannot be read (deleted, another mount namespace), which the
// process memory then tells.
func (s *Scanner) maybe(pid int) bool {
	maps, err := procfs.ReadMaps(pid)
	if err != nil {
		return false
	}
	for _, m := range maps {
		if m.Path == "" || m.Inode == 0 || strings.HasPrefix(m.Path, "[") {
			continue
		}
		bid, ok := s.fileBID[m.Path]
		if !ok {
			bid, err = elfutil.BuildID(m.Path)
			if err != nil && !errors.Is(err, elfutil.ErrNoBuildID) {
				bid = "?"
			}
			s.fileBID[m.Path] = bid
		}
		if bid == "?" {
			return true
		}
		if bid != "" {
			if p, err := s.lookup(bid); err != nil || p != nil {
				return true
			}
		}
	}
	return false
}

// unreadable is the entry of a process whose memory cannot be read: the
// objects are known from its files only.
func (s *Scanner) unreadable(pid int, comm string, cause error) ([]Entry, error) {
	if errors.Is(cause, apply.ErrNoProcess) {
		return nil, nil
	}
	exe, err := procfs.Exe(pid)
	if err != nil {
		return nil, nil
	}
	bid := s.fileBID[exe]
	p, _ := s.lookup(bid)
	if p == nil {
		return nil, nil
	}
	return []Entry{{Pid: pid, Comm: comm, Object: exe, Path: exe, BuildID: bid,
		Store: Patch{p.File.Header.IDString(), p.Level}, Applied: []Patch{},
		State: Unpatchable, Reason: cause.Error()}}, nil
}

// state classifies e; st may be nil.
func state(pid int, st *procfs.Status, e Entry) (State, string) {
	for _, a := range e.Applied {
		// A flat store (<BuildID>.kpatch) has no levels: the id decides.
		if a.ID == e.Store.ID && (a.Level == e.Store.Level || e.Store.Level == 0) {
			return Patched, ""
		}
	}
	if why := Obstacles(pid, st); why != "" {
		return Unpatchable, why
	}
	if len(e.Applied) > 0 {
		return Outdated, ""
	}
	return Unpatched, ""
}

// Sort orders entries by pid, then object.
func Sort(es []Entry) {
	sort.SliceStable(es, func(i, k int) bool {
		if es[i].Pid != es[k].Pid {
			return es[i].Pid < es[k].Pid
		}
		return es[i].Object < es[k].Object
	})
}

// AllCurrent reports whether every entry runs the newest level.
func AllCurrent(es []Entry) bool {
	for _, e := range es {
		if e.State != Patched {
			return false
		}
	}
	return true
}
