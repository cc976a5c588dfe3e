package apply

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/golibcare/golibcare/internal/kpatch"
)

// infoState is where the jump of one record stands in the code.
type infoState uint8

const (
	stateJump     infoState = iota // the code at daddr is the record's jump
	stateUnder                     // saved by a newer patch whose jump is in place
	stateRestored                  // the code is the record's saved original bytes
	stateUnset                     // no original bytes saved yet (region being filled)
	stateForeign                   // anything else: changed by someone else
)

// regionCheck is one region (record or pending) with its records and the
// state of each of its jumps.
type regionCheck struct {
	a      *Applied
	infos  []kpatch.Info
	undo   []byte
	idx    []int // the records that replace a function and point into the region
	states []infoState
}

// fix is the repair of one leftover region.
type fix struct {
	r        *regionCheck
	restore  []int // records whose original bytes go back
	unrecord bool
	what     string
}

// maxRepairRounds bounds repair rounds: a leftover under another leftover
// is repaired in the round after the one above it.
const maxRepairRounds = 4

// Repair brings what a killed run of ours left in the process back to
// "applied" or "not applied" (design §4, record.go): a pending region is
// removed after the jumps of it found in place are restored; a record none
// of whose jumps is in place (all restored) is removed; a record with some
// jumps restored (an unpatch killed midway) is unpatched; an empty region
// the region journal names (journal.go) is removed. The code is
// restored and regions unmapped in one stop after the safety check. It
// returns one line saying what was repaired, "" when nothing was.
func Repair(h Host, opt Options) (string, error) {
	opt.defaults()
	_, line, err := repairRounds(h, opt)
	return line, err
}

// discoverRepaired repairs leftovers, logs what it did and returns a
// snapshot of the repaired process.
func discoverRepaired(h Host, opt Options) (*Snapshot, error) {
	snap, line, err := repairRounds(h, opt)
	if line != "" {
		opt.Logf("pid %d: repaired: %s", h.Pid(), line)
	}
	if err != nil {
		return nil, err
	}
	return snap, nil
}

func repairRounds(h Host, opt Options) (*Snapshot, string, error) {
	var done []string
	for round := 0; ; round++ {
		snap, err := Discover(h)
		if err != nil {
			return nil, strings.Join(done, "; "), err
		}
		fixes, notes := planRepair(h, snap)
		orphans := openJournal(opt.JournalDir, h.Pid()).orphans(h, snap.Maps)
		if len(fixes)+len(orphans) == 0 || round == maxRepairRounds {
			return snap, strings.Join(append(done, notes...), "; "), nil
		}
		what, err := repairOnce(h, opt)
		done = append(done, what...)
		if err != nil {
			return nil, strings.Join(done, "; "), fmt.Errorf("pid %d: repair of a killed run's leftovers: %w", h.Pid(), err)
		}
	}
}

// repairOnce attaches, plans again (no other tracer can change the code
// now) and applies the fixes in one stop.
func repairOnce(h Host, opt Options) ([]string, error) {
	t, err := h.Attach()
	if err != nil {
		return nil, err
	}
	snap, err := Discover(h)
	s := &session{pid: h.Pid(), t: t, snap: snap, opt: opt}
	if err != nil {
		return nil, s.finish(err)
	}
	fixes, _ := planRepair(t, snap)
	orphans := openJournal(opt.JournalDir, s.pid).orphans(t, snap.Maps)
	var ranges []protRange
	var what []string
	for _, f := range fixes {
		ranges = append(ranges, protRange{f.r.a.Start, f.r.a.CodeEnd, "patch " + f.r.a.ID()})
		what = append(what, f.what)
	}
	for _, o := range orphans {
		what = append(what, fmt.Sprintf("removed an empty region that a killed run mapped (%#x)", o.start))
	}
	mods := s.modules()
	err = s.held(func() error {
		if err := s.stop(); err != nil {
			return err
		}
		if err := s.waitSafe(ranges, mods); err != nil {
			return err
		}
		for _, f := range fixes {
			if err := s.applyFix(f); err != nil {
				return err
			}
		}
		for _, o := range orphans {
			if err := s.munmap(o.start, o.size()); err != nil {
				return err
			}
		}
		s.clearJournal()
		return s.detach()
	})
	if err != nil {
		return nil, s.finish(err)
	}
	return what, nil
}

func (s *session) applyFix(f fix) error {
	a := f.r.a
	for _, i := range f.restore {
		in := f.r.infos[i]
		if err := writeFull(s.t, in.Daddr, f.r.undo[5*i:5*i+5]); err != nil {
			return fmt.Errorf("patch %s: restore %#x: %w", a.ID(), in.Daddr, err)
		}
	}
	if f.unrecord {
		if err := unrecord(s.t, a.Start); err != nil {
			return err
		}
	}
	return s.munmap(a.Start, a.Header.KpatchTotalMemSz)
}

// planRepair finds the leftovers of killed runs and what to do with each;
// notes name leftovers it must leave alone. It only reads memory.
func planRepair(mem Memory, snap *Snapshot) (fixes []fix, notes []string) {
	if len(snap.Pending) == 0 && len(snap.Applied) == 0 {
		return nil, nil
	}
	var all []*regionCheck
	for _, a := range append(append([]*Applied(nil), snap.Applied...), snap.Pending...) {
		all = append(all, checkRegion(mem, a))
	}
	jumpStates(mem, all)
	for _, r := range all {
		f, note, ok := r.verdict()
		if ok {
			fixes = append(fixes, f)
		}
		if note != "" {
			notes = append(notes, note)
		}
	}
	return fixes, notes
}

// checkRegion reads a region's records and saved bytes; a region being
// filled may have neither yet.
func checkRegion(mem Memory, a *Applied) *regionCheck {
	r := &regionCheck{a: a}
	r.infos, _ = readInfos(mem, a)
	if n := 5 * len(r.infos); n > 0 {
		r.undo, _ = readFull(mem, a.Start+uint64(a.Header.UserUndo), n)
	}
	for i, in := range r.infos {
		if !in.IsNew() && in.Saddr >= a.Start && in.Saddr < a.End() && len(r.undo) >= 5*i+5 {
			r.idx = append(r.idx, i)
			r.states = append(r.states, stateForeign)
		}
	}
	return r
}

// jumpRef is one region's record at a patched address.
type jumpRef struct {
	r *regionCheck
	k int // index in r.idx
}

func (rf jumpRef) info() kpatch.Info { return rf.r.infos[rf.r.idx[rf.k]] }

func (rf jumpRef) saved() []byte {
	i := rf.r.idx[rf.k]
	return rf.r.undo[5*i : 5*i+5]
}

// jumpStates sets the state of every record of every region from the code
// at its address.
func jumpStates(mem Memory, all []*regionCheck) {
	byAddr := map[uint64][]jumpRef{}
	var order []uint64
	for _, r := range all {
		for k, i := range r.idx {
			d := r.infos[i].Daddr
			if byAddr[d] == nil {
				order = append(order, d)
			}
			byAddr[d] = append(byAddr[d], jumpRef{r, k})
		}
	}
	for _, d := range order {
		if code, err := readFull(mem, d, 5); err == nil {
			followChain(byAddr[d], code)
		}
	}
}

// followChain marks the records at one address: the code is the jump of
// one region, whose saved bytes may be the jump of an older one, and so
// on; the others' saved bytes are the code (restored), zero (not saved
// yet) or neither (foreign).
func followChain(refs []jumpRef, code []byte) {
	cur := code
	for depth := range refs {
		hit := -1
		for n, rf := range refs {
			if rf.r.states[rf.k] == stateForeign && bytes.Equal(hunk(rf.info()), cur) {
				hit = n
				break
			}
		}
		if hit < 0 {
			break
		}
		rf := refs[hit]
		rf.r.states[rf.k] = stateUnder
		if depth == 0 {
			rf.r.states[rf.k] = stateJump
		}
		cur = rf.saved()
	}
	for _, rf := range refs {
		if rf.r.states[rf.k] != stateForeign {
			continue
		}
		switch saved := rf.saved(); {
		case bytes.Equal(saved, make([]byte, 5)):
			rf.r.states[rf.k] = stateUnset
		case bytes.Equal(saved, code):
			rf.r.states[rf.k] = stateRestored
		}
	}
}

// verdict decides what to do with a region: ok is false for a healthy
// patch, or a leftover that must stay (note says why).
func (r *regionCheck) verdict() (f fix, note string, ok bool) {
	n := map[infoState]int{}
	var jumps []int
	for k, st := range r.states {
		n[st]++
		if st == stateJump {
			jumps = append(jumps, r.idx[k])
		}
	}
	name := r.describe()
	f = fix{r: r, restore: jumps}
	switch {
	case n[stateUnder] > 0 && (r.a.Pending || n[stateUnder]+n[stateJump] < len(r.states)):
		return fix{}, fmt.Sprintf("left %s: a newer patch saved its jump", name), false
	case r.a.Pending && len(jumps) == 0:
		f.what = fmt.Sprintf("removed a region of %s that a killed run left unused (%#x)", name, r.a.Start)
		return f, "", true
	case r.a.Pending:
		f.what = fmt.Sprintf("rolled back the unfinished %s (%d jump(s) restored, region %#x unmapped)", name, len(jumps), r.a.Start)
		return f, "", true
	case n[stateJump]+n[stateUnder] == len(r.states) || n[stateForeign]+n[stateUnset] > 0:
		return fix{}, "", false // applied, or changed by someone else: unpatch says so
	}
	f.unrecord = true
	if len(jumps) == 0 {
		f.what = fmt.Sprintf("finished the interrupted removal of %s (code already restored, region %#x unmapped)", name, r.a.Start)
	} else {
		f.what = fmt.Sprintf("finished the interrupted removal of %s (%d jump(s) restored, region %#x unmapped)", name, len(jumps), r.a.Start)
	}
	return f, "", true
}

func (r *regionCheck) describe() string {
	s := "patch " + r.a.ID()
	if r.a.Object != nil {
		s += " of " + r.a.Object.Name
	}
	return s
}
