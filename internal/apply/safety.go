package apply

import (
	"bytes"
	"debug/elf"
	"fmt"
	"maps"
	"math/rand/v2"
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
	in  string
}

const (
	// firstSlice is how long everything runs when a thread is busy before
	// the check is repeated; it doubles up to lastSlice, so a thread that
	// stays busy (a handler sleeping on a patched function's frame) costs
	// few stops, each of which interrupts the target's system calls.
	firstSlice = 2 * time.Millisecond
	lastSlice  = 100 * time.Millisecond
)

// waitSafe checks every thread, letting the target run a slice while one
// is busy, until none is inside a protected range or the timeout passes
// (facts §8.12); a thread still inside then is refused by name, with the
// function. The wait samples: nothing is written into the target, no
// breakpoint at a return address (upstream's way), no single-step, so a
// SIGKILL of ours at any instant of it leaves the target as it was (the
// kernel detaches a dead tracer's threads, running or stopped). A
// breakpoint would also miss threads in a signal handler or with no known
// return address. The slices vary by ±25%: a thread busy in a fixed
// period would otherwise be caught at the same phase every time. The
// target is stopped on entry and on return; it runs, not frozen, during
// the slices.
func (s *session) waitSafe(ranges []protRange, ms moduleSet) error {
	if len(ranges) == 0 {
		return s.checkInterrupt()
	}
	deadline := time.Now().Add(s.opt.Timeout)
	slice := firstSlice
	for {
		t0 := time.Now()
		hits, err := s.checkThreads(ranges, ms)
		s.opt.Debugf("safety check of %d thread(s): %d busy, %v", len(s.t.Tids()), len(hits), time.Since(t0))
		if err != nil {
			return err
		}
		if err := s.checkInterrupt(); err != nil {
			return err
		}
		if len(hits) == 0 {
			return nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			return fmt.Errorf("safety check failed: thread %d is inside %s", hits[0].tid, hits[0].in)
		}
		d := min(jitter(slice), left)
		s.opt.Debugf("thread %d is inside %s: running for %v", hits[0].tid, hits[0].in, d)
		if err := s.runFor(d); err != nil {
			return err
		}
		slice = min(2*slice, lastSlice)
	}
}

// jitter returns d scaled by a random factor in [0.75, 1.25).
func jitter(d time.Duration) time.Duration {
	return d*3/4 + rand.N(d/2)
}

// runFor lets every thread run for d, then stops them again. An interrupt
// (Options.Interrupted) ends the wait early.
func (s *session) runFor(d time.Duration) error {
	t0 := time.Now()
	defer func() { s.waited += time.Since(t0) }()
	if err := s.resume(); err != nil {
		return err
	}
	for end := time.Now().Add(d); time.Now().Before(end); {
		if s.opt.Interrupted() != nil {
			break
		}
		time.Sleep(min(time.Until(end), firstSlice))
	}
	return s.stop()
}

// checkInterrupt returns ErrInterrupted once Options.Interrupted reports
// a signal.
func (s *session) checkInterrupt() error {
	if sig := s.opt.Interrupted(); sig != nil {
		return fmt.Errorf("pid %d: %w by %v", s.pid, ErrInterrupted, sig)
	}
	return nil
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

// maxSignalDepth bounds the signal frames followed from stack scans
// (nested handlers, or stale frames that look like one).
const maxSignalDepth = 4

// checkThread reports whether a thread is inside a protected range: its pc,
// a return address, or a pc a signal interrupted (and every frame above
// that one). A hit is never dropped: whether or not a return address
// follows it, the thread is busy.
func (s *session) checkThread(regs unwind.Regs, ranges []protRange, ms moduleSet) (busy, bool) {
	if s.quickClear(regs, ranges, ms) {
		return busy{}, false
	}
	return s.checkContext(regs, ranges, ms, 0)
}

// checkContext unwinds from regs with CFI, through signal frames, then
// scans the stacks' live words where CFI runs out: from regs.SP, and from
// the last frame reached when that is on another stack (the frames a
// handler on a sigaltstack interrupted).
func (s *session) checkContext(regs unwind.Regs, ranges []protRange, ms moduleSet, depth int) (busy, bool) {
	frames, last, complete, err := unwind.Walk(regs, ms.mods, s.t, maxFrames)
	if len(frames) == 0 {
		frames = []unwind.Frame{{PC: regs.PC, Exact: true}}
	}
	if b, ok := firstHit(frames, ranges); ok {
		return b, true
	}
	if complete {
		return busy{}, false
	}
	if b, ok := s.scanHit(regs.SP, ranges, ms, depth); ok {
		return b, true
	}
	if err == nil && last.SP != 0 && !ms.sameMapping(regs.SP, last.SP) {
		return s.scanHit(last.SP, ranges, ms, depth)
	}
	return busy{}, false
}

// scanHit scans the stack from sp for return addresses inside a range and
// for signal frames whose interrupted context is busy.
func (s *session) scanHit(sp uint64, ranges []protRange, ms moduleSet, depth int) (b busy, found bool) {
	unwind.ScanStackFunc(s.t, sp, ms.scanSize(sp), func(addr, w uint64) bool {
		ret, tramp := s.codeWord(w, ms)
		switch {
		case ret:
			if r := findRange(ranges, w-1); r != nil {
				b, found = busy{in: r.name}, true
			}
		case tramp && depth < maxSignalDepth:
			// addr holds the handler's return address: the struct
			// ucontext follows it.
			regs, err := unwind.SigContext(s.t, addr+8)
			if err != nil {
				break
			}
			if r := findRange(ranges, regs.PC); r != nil {
				b, found = busy{in: r.name}, true
			} else if !ms.sameMapping(sp, regs.SP) {
				b, found = s.checkContext(regs, ranges, ms, depth+1)
			}
		}
		return !found
	})
	return b, found
}

// firstHit finds the first frame inside a range.
func firstHit(frames []unwind.Frame, ranges []protRange) (busy, bool) {
	for _, f := range frames {
		pc := f.PC
		if !f.Exact {
			pc-- // a return address may sit just past its call's function
		}
		if r := findRange(ranges, pc); r != nil {
			return busy{in: r.name}, true
		}
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

// sameMapping reports whether a and b are in the same mapping (stack).
func (ms moduleSet) sameMapping(a, b uint64) bool {
	for _, m := range ms.spans {
		if a >= m.start && a < m.end {
			return b >= m.start && b < m.end
		}
	}
	return false
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

// codeWord reports whether w points into code right after a call
// instruction (ret), which rules out most stale data and function
// pointers, or at a signal restorer (tramp).
func (s *session) codeWord(w uint64, ms moduleSet) (ret, tramp bool) {
	in := false
	for _, e := range ms.exec {
		if w >= e.start+7 && w < e.end {
			in = true
			break
		}
	}
	if !in {
		return false, false
	}
	var b [unwind.SigreturnWindow]byte
	n, _ := s.t.ReadAt(b[:], int64(w-7))
	if n < 7 {
		return false, false
	}
	if unwind.IsSigreturn(b[:n], false) {
		return false, true
	}
	for k := 2; k <= 7; k++ {
		inst, err := x86asm.Decode(b[7-k:7], 64)
		if err == nil && inst.Len == k && inst.Op == x86asm.CALL {
			return true, false
		}
	}
	return false, false
}
