package apply

import (
	"debug/elf"
	"errors"
	"fmt"
	"strings"

	"github.com/golibcare/golibcare/internal/kpatch"
)

// job is one patch applied to one object.
type job struct {
	obj     *Object
	patch   *PatchFile
	rel     *relObj
	imports []int
	syms    map[int]symbol // import index → resolved symbol
	lay     layout
	cands   []uint64 // region addresses, best first
	kpta    uint64   // the region (chosen, then mapped)
	linked  uint64   // the address the image is relocated for
	mapped  bool
	noted   uint64 // the address noted in the region journal before the stop
	infos   []kpatch.Info
	undo    []byte // the original bytes saved in the region
	written []int  // info indexes whose jump is in place
}

// Patch applies the patches of src that match objects of the process.
// A Result with Count 0 means no patch applies. Any failure before the
// jumps are written leaves the process as it was.
func Patch(h Host, src *Source, opt Options) (*Result, error) {
	opt.defaults()
	snap, err := discoverRepaired(h, opt)
	if err != nil {
		return nil, err
	}
	jobs, already, err := planPatch(h, snap, src, opt)
	if err != nil || len(jobs) == 0 {
		return &Result{Already: already}, err
	}
	opt.Logf("%d object(s) have valid patch(es)", len(jobs))
	for _, j := range jobs {
		if err := j.prepare(snap, h); err != nil {
			return nil, fmt.Errorf("%s: %w", j.obj.Name, err)
		}
	}
	if err := src.RunHook("before", h.Pid()); err != nil {
		return nil, err
	}
	s := &session{pid: h.Pid(), snap: snap, opt: opt}
	if err := s.place(h, jobs); err != nil {
		return nil, err
	}
	if err := s.checkInterrupt(); err != nil {
		return nil, err
	}
	if s.t, err = h.Attach(); err != nil {
		return nil, err
	}
	s.seccomp.expect(s, patchCalls(jobs))
	s.noteRegions(jobs)
	err = s.patch(jobs)
	res := &Result{Frozen: s.frozen, Waited: s.waited, Already: already}
	if err != nil {
		return res, err
	}
	if err := src.RunHook("after", h.Pid()); err != nil {
		opt.Logf("%v", err)
	}
	res.Count = len(jobs)
	for _, j := range jobs {
		res.Patches = append(res.Patches, j.info())
	}
	return res, nil
}

// planPatch pairs objects with their patches and refuses ids already
// applied, except, with Options.Idempotent, the same file (already).
func planPatch(mem Memory, snap *Snapshot, src *Source, opt Options) (jobs []*job, already []PatchInfo, err error) {
	for _, o := range snap.Objects {
		p, err := src.Lookup(o.BuildID)
		if err != nil {
			return nil, nil, err
		}
		if p == nil {
			continue
		}
		a := o.applied(p.File.Header.IDString())
		switch {
		case a == nil:
			jobs = append(jobs, &job{obj: o, patch: p})
		case opt.Idempotent && sameFile(a.Header, p.File.Header):
			already = append(already, describe(mem, a))
		default:
			return nil, nil, fmt.Errorf("A patch with patch-id(%s) is already applied by %s", a.ID(), o.Name)
		}
	}
	if f := src.File(); f != nil && len(jobs)+len(already) == 0 && !opt.All {
		return nil, nil, mismatch(snap, f)
	}
	return jobs, already, nil
}

// applied returns the patch with the given id applied to o, if any.
func (o *Object) applied(id string) *Applied {
	for _, a := range o.Applied {
		if a.ID() == id {
			return a
		}
	}
	return nil
}

// sameFile reports whether an in-target header copy came from the file
// with header f: equal but for the fields set when applying (layout,
// level, the record's magic). csum is the CRC-32 of the ELF part.
func sameFile(applied, f kpatch.Header) bool {
	for _, h := range []*kpatch.Header{&applied, &f} {
		h.Magic = [8]byte{}
		h.JmpOffset, h.ElfOffset, h.UserInfo, h.UserUndo, h.UserLevel = 0, 0, 0, 0, 0
		h.KpatchTotalMemSz = 0
	}
	return applied == f
}

func mismatch(snap *Snapshot, p *PatchFile) error {
	have := "no ELF objects"
	if m := snap.Main(); m != nil {
		have = fmt.Sprintf("%s has Build-ID %s", m.Name, m.BuildID)
	}
	return fmt.Errorf("patch %s is for Build-ID %s, but no object of pid %d has it (%s)",
		p.Path, p.File.Header.BuildIDString(), snap.Pid, have)
}

// prepare parses the patch and resolves its imports while the target runs.
func (j *job) prepare(snap *Snapshot, mem Memory) error {
	rel, err := parseRelObj(j.patch.File.ELF)
	if err != nil {
		return err
	}
	j.rel, j.imports, j.syms = rel, rel.imports(), map[int]symbol{}
	for _, i := range j.imports {
		name, ver := splitVersion(rel.symNames[i])
		sym, err := resolve(snap, mem, name, ver)
		if err != nil {
			return err
		}
		if sym == nil {
			if elf.ST_BIND(rel.syms[i].Info) == elf.STB_WEAK {
				j.syms[i] = symbol{}
				continue
			}
			return fmt.Errorf("failed to resolve undefined symbol '%s'", rel.symNames[i])
		}
		j.syms[i] = *sym
	}
	j.lay = rel.layout(len(j.imports))
	return nil
}

// resolve looks an import up like the dynamic linker: the executable
// first (copy relocations live there), then libraries in maps order.
func resolve(snap *Snapshot, mem Memory, name, ver string) (*symbol, error) {
	order := make([]*Object, 0, len(snap.Objects))
	if m := snap.Main(); m != nil {
		order = append(order, m)
	}
	for _, o := range snap.Objects {
		if o.Shared {
			order = append(order, o)
		}
	}
	for _, o := range order {
		sym, ok, err := o.lookup(mem, name, ver)
		if err != nil {
			if o == snap.Main() {
				continue // a static or odd executable: libraries still count
			}
			return nil, err
		}
		if ok {
			return &sym, nil
		}
	}
	return nil, nil
}

// patch does the work of design §3.5 in one stop, so that the target's
// interruptible system calls (epoll_wait, sigtimedwait, ...) see one EINTR
// per patch: map and fill the regions, safety check, jumps, records. It
// undoes everything on failure before the first jump.
func (s *session) patch(jobs []*job) error {
	mods := s.modules()
	var detached error
	err := s.held(func() error {
		if err := s.stop(); err != nil {
			return err
		}
		for _, j := range jobs {
			if err := s.allocate(j); err != nil {
				return err
			}
		}
		if err := s.commit(jobs, mods); err != nil {
			return err
		}
		detached = s.detach()
		return nil
	})
	if err != nil {
		err = s.finish(s.rollback(jobs, err))
	}
	s.clearJournal()
	if err != nil {
		return err
	}
	return detached
}

// write is one jump to put in place.
type write struct {
	j    *job
	info int
	b    []byte
}

// commit checks that no thread is inside a replaced function, then writes
// the jumps and records the patches. Once the first jump is written, it
// finishes (Options.Interrupted is no longer polled).
func (s *session) commit(jobs []*job, mods moduleSet) error {
	var ranges []protRange
	var writes []write
	for _, j := range jobs {
		for i, in := range j.infos {
			if !in.IsNew() {
				ranges = append(ranges, protRange{in.Daddr, in.Daddr + uint64(in.Dlen), j.funcName(in)})
				writes = append(writes, write{j, i, hunk(in)})
			}
		}
	}
	if err := s.waitSafe(ranges, mods); err != nil {
		return err
	}
	for _, w := range writes {
		in := w.j.infos[w.info]
		if err := writeFull(s.t, in.Daddr, w.b); err != nil {
			return fmt.Errorf("%s: write jump at %#x: %w", w.j.obj.Name, in.Daddr, err)
		}
		w.j.written = append(w.j.written, w.info)
	}
	for _, j := range jobs {
		if err := record(s.t, j.kpta); err != nil {
			return fmt.Errorf("%s: pid %d: %w", j.obj.Name, s.pid, err)
		}
	}
	for _, w := range writes {
		in := w.j.infos[w.info]
		s.opt.Debugf("%s hunk %#x+%d -> %#x+%d", w.j.obj.Name, in.Daddr, in.Dlen, in.Saddr, in.Slen)
	}
	return nil
}

// rollback restores every jump written and unmaps every region; the
// target is left stopped for finish to detach.
func (s *session) rollback(jobs []*job, cause error) error {
	errs := []error{cause}
	if err := s.stop(); err != nil {
		return errors.Join(cause, err)
	}
	for _, j := range jobs {
		for _, i := range j.written {
			errs = append(errs, writeFull(s.t, j.infos[i].Daddr, j.undo[5*i:5*i+5]))
		}
		if j.mapped {
			// Recorded perhaps: killed before the munmap, the region must
			// not read as a patch.
			errs = append(errs, unrecord(s.t, j.kpta))
			errs = append(errs, s.munmap(j.kpta, j.lay.totalMemSz))
		}
	}
	return errors.Join(errs...)
}

// funcName names the function an info record replaces.
func (j *job) funcName(in kpatch.Info) string {
	base := j.kpta + uint64(j.lay.elfOffset)
	if in.Symstr >= base && in.Symstr-base < uint64(len(j.rel.img)) {
		if n := cstr(j.rel.img, uint32(in.Symstr-base)); n != "" {
			return strings.TrimSuffix(n, ".kpatch")
		}
	}
	return fmt.Sprintf("%#x", in.Daddr)
}
