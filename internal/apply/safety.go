package apply

import (
	"bytes"
	"debug/elf"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golibcare/golibcare/internal/unwind"
	"golang.org/x/arch/x86/x86asm"
)

const (
	// maxFrames bounds one unwind; deeper stacks fall back to scanning.
	maxFrames = 256
	// maxStackScan bounds the bytes of one stack scanned for return
	// addresses when CFI cannot describe a frame.
	maxStackScan = 512 << 10
	// runSlice is how long busy threads run towards their return address
	// before the check is repeated (a wrong guess then costs one slice).
	runSlice = 100 * time.Millisecond
	// idleSlice is how long everything runs when a busy thread has no
	// known return address.
	idleSlice = 2 * time.Millisecond
)

// protRange is code no thread may be executing or returning into.
type protRange struct {
	start, end uint64
	name       string
}

// moduleSet is what the safety check knows about the target's code.
type moduleSet struct {
	mods  []unwind.Module
	exec  []span // every executable mapping
	spans []span // every mapping, to bound stack scans
}

// modules loads the CFI of every object; done before the stop.
func (s *session) modules() moduleSet {
	var ms moduleSet
	for _, m := range s.snap.Maps {
		ms.spans = append(ms.spans, span{m.Start, m.End})
		if m.Exec() {
			ms.exec = append(ms.exec, span{m.Start, m.End})
		}
	}
	for _, o := range s.snap.Objects {
		lo, hi := uint64(0), uint64(0)
		for _, m := range o.VMAs {
			if m.Exec() {
				if lo == 0 {
					lo = m.Start
				}
				hi = m.End
			}
		}
		if lo == 0 {
			continue
		}
		mod := unwind.Module{Start: lo, End: hi, Bias: o.LoadOffset}
		if s.opt.Tables != nil {
			if t, err := s.opt.Tables(s.pid, o); err == nil {
				mod.Table = t
			} else {
				s.opt.Debugf("%s: no CFI: %v", o.Name, err)
			}
		}
		ms.mods = append(ms.mods, mod)
	}
	if mod, ok := s.vdsoModule(); ok {
		ms.mods = append(ms.mods, mod)
	}
	return ms
}

// maxVDSO bounds the [vdso] image read (it is two pages on x86_64).
const maxVDSO = 64 << 10

// vdsoModule parses the CFI of the [vdso] from memory: threads spinning on
// clock_gettime are in it, and without it their stacks need a scan.
func (s *session) vdsoModule() (unwind.Module, bool) {
	for _, m := range s.snap.Maps {
		if m.Path != "[vdso]" || m.Size() > maxVDSO {
			continue
		}
		img, err := readFull(s.t, m.Start, int(m.Size()))
		if err != nil {
			return unwind.Module{}, false
		}
		t, bias, err := parseVDSO(img, m.Start)
		if err != nil {
			s.opt.Debugf("[vdso]: no CFI: %v", err)
			return unwind.Module{}, false
		}
		return unwind.Module{Start: m.Start, End: m.End, Bias: bias, Table: t}, true
	}
	return unwind.Module{}, false
}

func parseVDSO(img []byte, start uint64) (t *unwind.Table, bias uint64, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("bad vdso image: %v", r)
		}
	}()
	f, err := elf.NewFile(bytes.NewReader(img))
	if err != nil {
		return nil, 0, err
	}
	sec := f.Section(".eh_frame")
	if sec == nil || sec.Type == elf.SHT_NOBITS {
		return nil, 0, fmt.Errorf("no .eh_frame")
	}
	data, err := sec.Data()
	if err != nil {
		return nil, 0, err
	}
	lowest := ^uint64(0)
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			lowest = min(lowest, p.Vaddr)
		}
	}
	if lowest == ^uint64(0) {
		return nil, 0, fmt.Errorf("no PT_LOAD")
	}
	t, err = unwind.Parse(data, sec.Addr)
	return t, start - lowest&^(pageSize-1), err
}

// busy is a thread found inside protected code.
type busy struct {
	tid int
	ret uint64 // where it leaves the protected code, 0 if unknown
	in  string
}

// waitSafe checks every thread, letting busy ones run to their return
// address, until none is inside a protected range or the timeout passes
// (facts §8.12). The target is stopped on entry and on return.
func (s *session) waitSafe(ranges []protRange, ms moduleSet) error {
	if len(ranges) == 0 {
		return nil
	}
	deadline := time.Now().Add(s.opt.Timeout)
	for {
		t0 := time.Now()
		hits, err := s.checkThreads(ranges, ms)
		s.opt.Debugf("safety check of %d thread(s): %d busy, %v", len(s.t.Tids()), len(hits), time.Since(t0))
		if err != nil {
			return err
		}
		if len(hits) == 0 {
			return nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			return fmt.Errorf("safety check failed: thread %d is inside %s", hits[0].tid, hits[0].in)
		}
		if err := s.runBusy(hits, left); err != nil {
			return err
		}
	}
}

func (s *session) runBusy(hits []busy, left time.Duration) error {
	targets := map[int]uint64{}
	for _, h := range hits {
		if h.ret != 0 {
			targets[h.tid] = h.ret
		}
	}
	if len(targets) > 0 {
		s.opt.Debugf("waiting for %d thread(s) to leave patched code", len(targets))
		_, err := s.t.RunUntil(targets, min(left, runSlice))
		return err
	}
	if err := s.resume(); err != nil {
		return err
	}
	time.Sleep(min(left, idleSlice))
	return s.stop()
}

// serialCheck is the most threads checked on the calling goroutine alone:
// waking other OS threads for a few stacks costs more than it saves.
const serialCheck = 8

// checkThreads reads the registers of every thread in one request and
// unwinds the stacks on GOMAXPROCS goroutines: the threads are stopped,
// so the CPUs are ours.
func (s *session) checkThreads(ranges []protRange, ms moduleSet) ([]busy, error) {
	all, err := s.t.AllRegs()
	if err != nil {
		return nil, fmt.Errorf("pid %d: registers: %w", s.pid, err)
	}
	tids := slices.Sorted(maps.Keys(all))
	results := make([]busy, len(tids))
	found := make([]bool, len(tids))
	check := func(i int) {
		results[i], found[i] = s.checkThread(all[tids[i]], ranges, ms)
		results[i].tid = tids[i]
	}
	if len(tids) <= serialCheck {
		for i := range tids {
			check(i)
		}
	} else {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range min(runtime.GOMAXPROCS(0), len(tids)) {
			wg.Go(func() {
				for i := int(next.Add(1) - 1); i < len(tids); i = int(next.Add(1) - 1) {
					check(i)
				}
			})
		}
		wg.Wait()
	}
	var hits []busy
	for i := range tids {
		if found[i] {
			hits = append(hits, results[i])
		}
	}
	return hits, nil
}

// checkThread unwinds one stack with CFI, then scans the stack's live words
// for return addresses where CFI runs out.
func (s *session) checkThread(regs unwind.Regs, ranges []protRange, ms moduleSet) (busy, bool) {
	if s.quickClear(regs, ranges, ms) {
		return busy{}, false
	}
	pcs, complete, _ := unwind.Unwind(regs, ms.mods, s.t, maxFrames)
	if len(pcs) == 0 {
		pcs = []uint64{regs.PC}
	}
	if b, ok := firstHit(pcs, ranges); ok && (b.ret != 0 || complete) {
		return b, true
	} else if complete {
		return busy{}, false
	}
	words := unwind.ScanStack(s.t, regs.SP, ms.scanSize(regs.SP), func(w uint64) bool {
		return s.isReturnAddr(w, ms)
	})
	return firstHit(append([]uint64{regs.PC}, words...), ranges)
}

// firstHit finds the first frame inside a range and the first frame above
// it outside every range.
func firstHit(pcs []uint64, ranges []protRange) (busy, bool) {
	for i, pc := range pcs {
		if i > 0 {
			pc-- // a return address may sit just past its call's function
		}
		r := findRange(ranges, pc)
		if r == nil {
			continue
		}
		b := busy{in: r.name}
		for _, up := range pcs[i+1:] {
			if findRange(ranges, up-1) == nil {
				b.ret = up
				break
			}
		}
		return b, true
	}
	return busy{}, false
}

func findRange(ranges []protRange, pc uint64) *protRange {
	for i := range ranges {
		if pc >= ranges[i].start && pc < ranges[i].end {
			return &ranges[i]
		}
	}
	return nil
}

// scanSize returns how much of the stack above sp to scan: up to the end
// of its mapping, or maxStackScan for a stack mapped after the snapshot (a
// thread born since): the read then stops at the end of the mapping.
func (ms moduleSet) scanSize(sp uint64) int {
	for _, m := range ms.spans {
		if sp >= m.start && sp < m.end {
			return int(min(m.end-sp, maxStackScan))
		}
	}
	return maxStackScan
}

// isReturnAddr reports whether w points into code right after a call
// instruction, which rules out most stale data and function pointers.
func (s *session) isReturnAddr(w uint64, ms moduleSet) bool {
	in := false
	for _, e := range ms.exec {
		if w >= e.start+7 && w < e.end {
			in = true
			break
		}
	}
	if !in {
		return false
	}
	b, err := readFull(s.t, w-7, 7)
	if err != nil {
		return false
	}
	for k := 2; k <= 7; k++ {
		inst, err := x86asm.Decode(b[7-k:], 64)
		if err == nil && inst.Len == k && inst.Op == x86asm.CALL {
			return true
		}
	}
	return false
}
