package apply

import "fmt"

// Plan is what a dry run (Options.DryRun) found: what the real run would
// do, and the threads that would hold it up.
type Plan struct {
	// Imports are the undefined symbols of each patch with the address
	// they resolve to in the target (an IFUNC: its resolver, which the
	// real run calls).
	Imports []Import `json:"imports"`
	// Busy are the threads found inside a function the run would change,
	// in the one stop: the real run would let the target run until they
	// leave, up to Options.Timeout.
	Busy []BusyThread `json:"busy"`
}

// Import is one resolved undefined symbol of a patch.
type Import struct {
	Object string `json:"object"` // the patched object
	Name   string `json:"name"`
	Addr   Addr   `json:"addr"`
	IFunc  bool   `json:"ifunc,omitempty"`
}

// BusyThread is a thread inside a function a run would change.
type BusyThread struct {
	Tid      int    `json:"tid"`
	Function string `json:"function"`
}

// dryRun stops the target once, checks every thread against ranges and
// detaches: nothing is mapped or written. Called where the real run would
// start changing the target.
func (s *session) dryRun(ranges []protRange, res *Result) error {
	mods := s.modules()
	var hits []busy
	err := s.held(func() error {
		if err := s.stop(); err != nil {
			return err
		}
		var err error
		hits, err = s.checkThreads(ranges, mods)
		return err
	})
	if err = s.finish(err); err != nil {
		return fmt.Errorf("dry run: %w", err)
	}
	res.Frozen = s.frozen
	for _, h := range hits {
		res.Plan.Busy = append(res.Plan.Busy, BusyThread{Tid: h.tid, Function: h.in})
	}
	return nil
}

// patchRanges are the replaced functions of jobs, which no thread may be
// inside when their jumps are written.
func patchRanges(jobs []*job) []protRange {
	var ranges []protRange
	for _, j := range jobs {
		for _, in := range j.infos {
			if !in.IsNew() {
				ranges = append(ranges, protRange{in.Daddr, in.Daddr + uint64(in.Dlen), j.funcName(in)})
			}
		}
	}
	return ranges
}

// dryPatch reports what Patch would do with jobs, placed and linked.
func (s *session) dryPatch(jobs []*job) (*Result, error) {
	res := &Result{Plan: &Plan{Imports: []Import{}, Busy: []BusyThread{}}}
	for _, j := range jobs {
		res.Patches = append(res.Patches, j.info())
		for _, i := range j.imports {
			sym := j.syms[i]
			res.Plan.Imports = append(res.Plan.Imports, Import{Object: j.obj.Name,
				Name: j.rel.symNames[i], Addr: Addr(sym.addr), IFunc: sym.ifunc})
		}
	}
	res.Count = len(jobs)
	return res, s.dryRun(patchRanges(jobs), res)
}

// dryUnpatch reports what Unpatch would do with us.
func (s *session) dryUnpatch(us []*undoing) (*Result, error) {
	res := &Result{Count: len(us), Plan: &Plan{Imports: []Import{}, Busy: []BusyThread{}}}
	for _, u := range us {
		res.Patches = append(res.Patches, describeInfos(u))
	}
	return res, s.dryRun(s.unpatchRanges(us), res)
}
