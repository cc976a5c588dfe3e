package apply

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/golibcare/golibcare/internal/kpatch"
	"golang.org/x/sys/unix"
)

// allocate maps a region next to each object and resolves IFUNCs: the
// first, short stop.
func (s *session) allocate(jobs []*job) error {
	holes := s.snap.holes
	for _, j := range jobs {
		j.cands = regionCandidates(holes, j.obj.Start(), j.obj.End(), j.lay.totalMemSz)
		if len(j.cands) > 0 {
			holes = reserve(holes, j.cands[0], j.lay.totalMemSz)
		}
	}
	return s.held(func() error {
		if err := s.stop(); err != nil {
			return err
		}
		for _, j := range jobs {
			if err := s.mapRegion(j); err != nil {
				return err
			}
			if err := s.resolveIFuncs(j); err != nil {
				return err
			}
			if j.lay.codeSize == j.lay.totalMemSz {
				continue // mapped r-x already
			}
			if _, err := s.syscall(_SYS_mprotect, j.kpta, j.lay.codeSize, _PROT_READ|_PROT_EXEC); err != nil {
				return fmt.Errorf("mprotect %#x in pid %d: %w", j.kpta, s.pid, err)
			}
		}
		return s.resume()
	})
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

func (s *session) mapRegion(j *job) error {
	size := j.lay.totalMemSz
	for _, a := range j.cands {
		got, err := s.syscall(_SYS_mmap, a, size, regionProt(j.lay),
			_MAP_PRIVATE|_MAP_ANONYMOUS|_MAP_FIXED_NOREPLACE, math.MaxUint64, 0)
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
		j.kpta = a
		s.opt.Logf("allocated %#x bytes at %#x for '%s' patch", size, a, j.obj.Name)
		return nil
	}
	return errNoRegion(j.obj.Name, size)
}

func (s *session) resolveIFuncs(j *job) error {
	for i, sym := range j.syms {
		if !sym.ifunc {
			continue
		}
		addr, err := s.t.Call(s.snap.Stub, sym.addr)
		if err != nil {
			return fmt.Errorf("ifunc resolver of %q in pid %d: %w", j.rel.symNames[i], s.pid, err)
		}
		s.opt.Debugf("ifunc %s resolved to %#x", j.rel.symNames[i], addr)
		j.syms[i] = symbol{addr: addr}
	}
	return nil
}

// fill relocates each patch for its region and writes it while the target
// runs: nothing refers to the region yet. The header goes last, so the
// KPATCH1 marker appears only over a complete image.
func (s *session) fill(jobs []*job) error {
	for _, j := range jobs {
		if err := j.link(); err != nil {
			return fmt.Errorf("%s: %w", j.obj.Name, err)
		}
		if err := j.write(s.t); err != nil {
			return fmt.Errorf("%s: pid %d: %w", j.obj.Name, s.pid, err)
		}
	}
	return nil
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

func (j *job) header() []byte {
	h := j.patch.File.Header
	h.JmpOffset, h.ElfOffset = j.lay.jmpOffset, j.lay.elfOffset
	h.UserInfo, h.UserUndo = j.lay.userInfo, j.lay.userUndo
	h.UserLevel = j.patch.Level
	h.KpatchTotalMemSz = j.lay.totalMemSz
	return h.Encode()
}

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
	undo := make([]byte, 5*j.lay.ninfo)
	for i, in := range j.infos {
		if in.IsNew() {
			continue
		}
		b, err := readFull(mem, in.Daddr, 5)
		if err != nil {
			return fmt.Errorf("origcode: %w", err)
		}
		copy(undo[5*i:], b)
	}
	if err := writeFull(mem, j.kpta+uint64(j.lay.userUndo), undo); err != nil {
		return err
	}
	return writeFull(mem, j.kpta, j.header())
}

// hunk is the jump written over the first bytes of a replaced function.
func hunk(in kpatch.Info) []byte {
	b := []byte{0xe9, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(b[1:], uint32(in.Saddr-in.Daddr-5))
	return b
}
