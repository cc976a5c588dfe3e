package store

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
)

// Entry is one patch file in storage.
type Entry struct {
	BuildID  string `json:"build_id"`
	Level    int    `json:"level"` // 0: <bid>.kpatch
	Path     string `json:"path"`
	ID       string `json:"id"` // patch id from the header ("" if unreadable)
	Size     int64  `json:"size"`
	Latest   bool   `json:"latest"`   // the one Lookup returns for its Build-ID
	Disabled bool   `json:"disabled"` // marked, as a whole or this level
	Error    string `json:"error,omitempty"`
}

// List returns every patch file in storage, by Build-ID then level.
func (s *Store) List() ([]Entry, error) {
	bids, err := AllBuildIDs(s.Dir)
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, bid := range s.orphans(bids) {
		out = append(out, s.entries(bid)...)
	}
	return out, nil
}

// orphans adds the Build-IDs with level directories but no latest link.
func (s *Store) orphans(bids []string) []string {
	ents, _ := os.ReadDir(s.Dir) // read by AllBuildIDs just before

	for _, e := range ents {
		if e.IsDir() && CheckBuildID(e.Name()) == nil && !slices.Contains(bids, e.Name()) {
			bids = append(bids, e.Name())
		}
	}
	slices.Sort(bids)
	return bids
}

func (s *Store) entries(bid string) []Entry {
	latest, _ := lookup(s.Dir, bid)
	whole := false
	var out []Entry
	flat := filepath.Join(s.Dir, bid+flatSuffix)
	if fi, err := os.Stat(flat); err == nil && fi.Mode().IsRegular() {
		whole = disabled(s.Dir, bid, 0)
		out = append(out, s.entry(bid, 0, flat, latest, whole))
	}
	levels := s.levels(bid)
	if len(levels) > 0 {
		_, err := os.Lstat(filepath.Join(s.Dir, bid, disabledName))
		whole = err == nil
	}
	for _, l := range levels {
		path := filepath.Join(s.Dir, bid, strconv.Itoa(l), levelFile)
		out = append(out, s.entry(bid, l, path, latest, whole))
	}
	return out
}

func (s *Store) entry(bid string, level int, path string, latest *Patch, whole bool) Entry {
	e := Entry{BuildID: bid, Level: level, Path: path, Disabled: whole}
	if level > 0 {
		_, err := os.Lstat(filepath.Join(filepath.Dir(path), disabledName))
		e.Disabled = e.Disabled || err == nil
	}
	e.Latest = latest != nil && latest.Level == level
	if fi, err := os.Stat(path); err == nil {
		e.Size = fi.Size()
	}
	h, err := readHeader(path)
	if err != nil {
		e.Error = err.Error()
		return e
	}
	e.ID = h.IDString()
	if got := h.BuildIDString(); got != bid {
		e.Error = fmt.Sprintf("header names build id %q", got)
	}
	return e
}

// levels lists the levels stored for bid (directories <N> holding a
// kpatch.bin), ascending; none when there is no <bid> directory.
func (s *Store) levels(bid string) []int {
	ents, _ := os.ReadDir(filepath.Join(s.Dir, bid))
	var levels []int
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil || n <= 0 || strconv.Itoa(n) != e.Name() {
			continue
		}
		if _, err := os.Stat(filepath.Join(s.Dir, bid, e.Name(), levelFile)); err == nil {
			levels = append(levels, n)
		}
	}
	slices.Sort(levels)
	return levels
}
