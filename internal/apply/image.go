package apply

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/golibcare/golibcare/internal/kpatch"
	"golang.org/x/sys/unix"
)

// place chooses a region for each job from the current maps and relocates
// the job's image for it while the target runs; allocate maps it in the
// stop, and relocates again only if the address was taken meanwhile or
// an IFUNC was resolved.
func (s *session) place(h Host, jobs []*job) error {
	maps, err := h.Maps()
	if err != nil {
		return fmt.Errorf("pid %d: read maps: %w", s.pid, err)
	}
	holes := findHoles(maps)
	for _, j := range jobs {
		j.cands = regionCandidates(holes, j.obj.Start(), j.obj.End(), j.lay.totalMemSz)
		if len(j.cands) == 0 {
			return errNoRegion(j.obj.Name, j.lay.totalMemSz)
		}
		holes = reserve(holes, j.cands[0], j.lay.totalMemSz)
		j.kpta = j.cands[0]
		if err := j.link(); err != nil {
			return fmt.Errorf("%s: %w", j.obj.Name, err)
		}
		j.linked = j.kpta
	}
	return nil
}

// allocate maps the region of j, marks it ours, resolves IFUNCs and writes
// the image, all in the stop (the target is stopped).
func (s *session) allocate(j *job) error {
	if err := s.mapRegion(j); err != nil {
		return err
	}
	// The header (marked pending) first: from here on, a run killed
	// leaves a region the next one recognises and removes.
	if err := writeFull(s.t, j.kpta, j.header()); err != nil {
		return fmt.Errorf("%s: pid %d: %w", j.obj.Name, s.pid, err)
	}
	resolved, err := s.resolveIFuncs(j)
	if err != nil {
		return err
	}
	if j.kpta != j.linked || resolved {
		if err := j.link(); err != nil {
			return fmt.Errorf("%s: %w", j.obj.Name, err)
		}
		j.linked = j.kpta
	}
	if err := j.write(s.t); err != nil {
		return fmt.Errorf("%s: pid %d: %w", j.obj.Name, s.pid, err)
	}
	if j.lay.codeSize == j.lay.totalMemSz {
		return nil // mapped r-x already
	}
	if _, err := s.syscall(_SYS_mprotect, j.kpta, j.lay.codeSize, _PROT_READ|_PROT_EXEC); err != nil {
		return fmt.Errorf("mprotect %#x in pid %d: %w", j.kpta, s.pid, err)
	}
	return nil
}

// regionProt is the protection a region is mapped with: r-x at once when
// it has no .kpatch.data (one remote call fewer in the stop), else rw- and
// the code part made r-x by mprotect like upstream. The image is written
// through /proc/PID/mem, which writes read-only pages too.
func regionProt(l layout) uint64 {
	if l.codeSize == l.totalMemSz {
		return _PROT_READ | _PROT_EXEC
	}
	return _PROT_READ | _PROT_WRITE
}

// regionPerms is regionProt as /proc/PID/maps shows a private mapping.
func regionPerms(l layout) string {
	if regionProt(l) == _PROT_READ|_PROT_EXEC {
		return "r-xp"
	}
	return "rw-p"
}

// mapRegion maps the region at the chosen address, or at the next
// candidate when the target mapped something there since place read its
// maps (MAP_FIXED_NOREPLACE fails with EEXIST instead of replacing it).
func (s *session) mapRegion(j *job) error {
	size := j.lay.totalMemSz
	jr := openJournal(s.opt.JournalDir, s.pid)
	for _, a := range j.cands {
		if a == j.noted {
			// Noted before the stop.
		} else if err := jr.note(a, size, regionPerms(j.lay)); err != nil {
			s.opt.Debugf("region journal: %v", err)
			jr = journal{}
		}
		got, err := s.syscall(_SYS_mmap, a, size, regionProt(j.lay),
			_MAP_PRIVATE|_MAP_ANONYMOUS|_MAP_FIXED_NOREPLACE, math.MaxUint64, 0)
		if err != nil {
			// Whatever is at a is not ours.
			if e := jr.drop(a); e != nil {
				s.opt.Debugf("region journal: %v", e)
			}
		}
		if errors.Is(err, unix.EEXIST) {
			continue
		}
		if err != nil {
			return fmt.Errorf("mmap %#x bytes at %#x in pid %d: %w", size, a, s.pid, err)
		}
		if got != a {
			if err := s.munmap(got, size); err != nil {
				return err
			}
			continue
		}
		j.kpta, j.mapped = a, true
		s.opt.Logf("allocated %#x bytes at %#x for '%s' patch", size, a, j.obj.Name)
		return nil
	}
	return errNoRegion(j.obj.Name, size)
}

// resolveIFuncs runs the IFUNC resolvers among the imports in the target;
// it reports whether there were any.
func (s *session) resolveIFuncs(j *job) (bool, error) {
	any := false
	for i, sym := range j.syms {
		if !sym.ifunc {
			continue
		}
		addr, err := s.t.Call(s.snap.Stub, sym.addr)
		if err != nil {
			return any, fmt.Errorf("ifunc resolver of %q in pid %d: %w", j.rel.symNames[i], s.pid, err)
		}
		s.opt.Debugf("ifunc %s resolved to %#x", j.rel.symNames[i], addr)
		j.syms[i] = symbol{addr: addr}
		any = true
	}
	return any, nil
}

// link relocates the private image and decodes its info records.
func (j *job) link() error {
	env := &relocEnv{kpta: j.kpta, lay: j.lay, loadOffset: j.obj.LoadOffset,
		real: map[int]uint64{}, slot: map[int]uint64{}}
	for k, i := range j.imports {
		env.real[i] = j.syms[i].addr
		env.slot[i] = j.kpta + uint64(j.lay.jmpOffset) + 16 + jumpEntrySize*uint64(k)
	}
	if err := j.rel.relocate(env); err != nil {
		return err
	}
	infos, err := kpatch.DecodeInfos(j.rel.bytes(j.rel.info))
	if err != nil {
		return err
	}
	for _, in := range infos {
		if err := j.checkInfo(in); err != nil {
			return err
		}
	}
	j.infos = infos
	return nil
}

// checkInfo refuses records that would write a jump outside the object's
// code or jump outside the patch's code: a malformed patch must not
// scribble over the target.
func (j *job) checkInfo(in kpatch.Info) error {
	if in.IsNew() {
		return nil
	}
	if in.Dlen < 5 {
		return fmt.Errorf("too small function to patch at %#x", in.Daddr)
	}
	if !inExec(j.obj, in.Daddr, 5) {
		return fmt.Errorf("function at %#x is outside the code of %s", in.Daddr, j.obj.Name)
	}
	if in.Saddr < j.kpta || in.Saddr >= j.kpta+j.lay.codeSize {
		return fmt.Errorf("new code of %#x at %#x is outside the patch's code", in.Daddr, in.Saddr)
	}
	if d := int64(in.Saddr - in.Daddr - 5); d < math.MinInt32 || d > math.MaxInt32 {
		return fmt.Errorf("jump %#x -> %#x out of rel32 range", in.Daddr, in.Saddr)
	}
	return nil
}

func inExec(o *Object, addr, n uint64) bool {
	for _, m := range o.VMAs {
		if m.Exec() && addr >= m.Start && addr+n <= m.End {
			return true
		}
	}
	return false
}

// header is the region's header copy, still marked pending.
func (j *job) header() []byte {
	h := j.patch.File.Header
	h.JmpOffset, h.ElfOffset = j.lay.jmpOffset, j.lay.elfOffset
	h.UserInfo, h.UserUndo = j.lay.userInfo, j.lay.userUndo
	h.UserLevel = j.patch.Level
	h.KpatchTotalMemSz = j.lay.totalMemSz
	return pendingHeader(h)
}

// write writes the relocated image, the jump table and the original bytes
// of the replaced functions into the region (the target is stopped).
func (j *job) write(mem Memory) error {
	if err := writeFull(mem, j.kpta+uint64(j.lay.elfOffset), j.rel.img); err != nil {
		return err
	}
	if len(j.imports) > 0 {
		addrs := make([]uint64, len(j.imports))
		for k, i := range j.imports {
			addrs[k] = j.syms[i].addr
		}
		if err := writeFull(mem, j.kpta+uint64(j.lay.jmpOffset), jumpTable(addrs)); err != nil {
			return err
		}
	}
	j.undo = make([]byte, 5*j.lay.ninfo)
	for i, in := range j.infos {
		if in.IsNew() {
			continue
		}
		b, err := readFull(mem, in.Daddr, 5)
		if err != nil {
			return fmt.Errorf("origcode: %w", err)
		}
		copy(j.undo[5*i:], b)
	}
	return writeFull(mem, j.kpta+uint64(j.lay.userUndo), j.undo)
}

// hunk is the jump written over the first bytes of a replaced function.
func hunk(in kpatch.Info) []byte {
	b := []byte{0xe9, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(b[1:], uint32(in.Saddr-in.Daddr-5))
	return b
}
