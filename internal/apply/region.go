package apply

import (
	"fmt"
	"sort"

	"github.com/golibcare/golibcare/internal/procfs"
)

const (
	// maxRel32 is the reach of a rel32 jump or a PC32 relocation.
	maxRel32 = 0x80000000
	// lowestRegion keeps regions clear of mmap_min_addr and NULL-ish
	// addresses.
	lowestRegion = 0x100000
	// highestRegion is the end of the x86_64 user address space (47 bits).
	highestRegion = 0x7ffffffff000
)

// span is a half-open address range.
type span struct{ start, end uint64 }

func (s span) size() uint64 { return s.end - s.start }

// findHoles returns the free gaps between mappings, keeping one guard page
// free next to each mapping (upstream: hole [prev_end+PAGE, start-PAGE]).
func findHoles(maps []procfs.Mapping) []span {
	var holes []span
	prev := uint64(lowestRegion)
	add := func(start, end uint64) {
		if end > start+2*pageSize {
			holes = append(holes, span{start + pageSize, end - pageSize})
		}
	}
	for _, m := range maps {
		if m.Start >= highestRegion {
			break
		}
		if m.Start > prev {
			add(prev, m.Start)
		}
		prev = max(prev, m.End)
	}
	add(prev, highestRegion)
	return holes
}

// regionCandidates returns page-aligned start addresses for a region of
// size bytes whose every byte is within ±2 GiB of every byte of [lo, hi),
// nearest first (facts §8.9d, placing the region next to the object).
func regionCandidates(holes []span, lo, hi, size uint64) []uint64 {
	if size == 0 || hi-lo+size > maxRel32 {
		return nil
	}
	type cand struct {
		addr, dist uint64
		left       bool
	}
	var cs []cand
	for _, h := range holes {
		if h.size() < size {
			continue
		}
		switch {
		case h.start >= hi: // right of the object: as low as possible
			if h.start+size-lo <= maxRel32 {
				cs = append(cs, cand{h.start, h.start - hi, false})
			}
		case h.end <= lo: // left: as high as possible
			a := (h.end - size) &^ (pageSize - 1)
			if a >= h.start && hi-a <= maxRel32 {
				cs = append(cs, cand{a, lo - (a + size), true})
			}
		}
	}
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].dist != cs[j].dist {
			return cs[i].dist < cs[j].dist
		}
		return !cs[i].left && cs[j].left // upstream tries the right hole first
	})
	out := make([]uint64, len(cs))
	for i, c := range cs {
		out[i] = c.addr
	}
	return out
}

// reserve removes [addr, addr+size) and a guard page on each side from the
// holes so a second region of the same run lands elsewhere.
func reserve(holes []span, addr, size uint64) []span {
	busy := span{addr - pageSize, addr + size + pageSize}
	var out []span
	for _, h := range holes {
		if busy.end <= h.start || busy.start >= h.end {
			out = append(out, h)
			continue
		}
		if h.start < busy.start {
			out = append(out, span{h.start, busy.start})
		}
		if busy.end < h.end {
			out = append(out, span{busy.end, h.end})
		}
	}
	return out
}

func errNoRegion(name string, size uint64) error {
	return fmt.Errorf("can't find suitable region of %#x bytes for patch on '%s'", size, name)
}
