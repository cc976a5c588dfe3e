package unwind

import (
	"errors"
	"fmt"
)

// Regs are the registers a stack walk starts from: the pc and stack
// pointer plus the callee-saved registers the CFI may use to find a CFA.
type Regs struct {
	PC, SP, BP, BX, R12, R13, R14, R15 uint64
}

// Module is one loaded object: the runtime range [Start, End) of its code,
// Bias = runtime address - link-time address, and its parsed .eh_frame
// (nil when the object has none).
type Module struct {
	Start, End uint64
	Bias       uint64
	Table      *Table
}

// maxFramesLimit bounds a walk whatever the caller asks: a real stack deeper
// than this is a runaway recursion the scan fallback handles better.
const maxFramesLimit = 1 << 16

// errNoProgress reports a CFA that did not move up the stack: following it
// could loop forever.
var errNoProgress = errors.New("cfa did not increase")

// Frame is one frame of a walk.
type Frame struct {
	PC uint64
	// Exact is true when PC is the next instruction the frame runs: the
	// first frame, or a frame a signal interrupted. Otherwise PC is a
	// return address, which may lie just past its call's function.
	Exact bool
}

// Unwind walks the stack of one stopped thread. pcs[0] is r.PC, the others
// are return addresses, innermost first; at most maxFrames are returned.
//
// complete is true when the walk reached the outermost frame (the CFI of
// _start or of the thread's clone marks rip undefined, or a zero return
// address). It is false, with a nil error, when a pc has no module or no
// FDE (code without CFI, such as patch code or JIT) or maxFrames was hit:
// the caller then falls back to ScanStack. A non-nil error (malformed or
// unsupported CFI, unreadable memory, a CFA that does not increase) also
// leaves complete false; pcs then holds the frames found so far.
func Unwind(r Regs, mods []Module, mem MemReader, maxFrames int) (pcs []uint64, complete bool, err error) {
	frames, _, complete, err := Walk(r, mods, mem, maxFrames)
	if frames == nil {
		return nil, complete, err
	}
	pcs = make([]uint64, len(frames))
	for i, f := range frames {
		pcs[i] = f.PC
	}
	return pcs, complete, err
}

// Walk is Unwind with each frame's kind, through signal frames (a handler
// returns into the exact pc it interrupted, possibly on another stack: a
// sigaltstack), and the registers of the last frame reached, from which a
// caller may scan a stack the walk could not describe further. Registers
// the CFI did not recover are 0 in last.
func Walk(r Regs, mods []Module, mem MemReader, maxFrames int) (frames []Frame, last Regs, complete bool, err error) {
	maxFrames = min(maxFrames, maxFramesLimit)
	if maxFrames <= 0 {
		return nil, Regs{}, false, nil
	}
	w := newWindow(mem)
	defer w.release()
	u := newWalker(r, mods, w)
	frames = make([]Frame, 0, min(maxFrames, 32))
	for {
		pc := u.regs.v[regRA]
		frames = append(frames, Frame{PC: pc, Exact: len(frames) == 0 || u.signal})
		if len(frames) == maxFrames {
			return frames, u.last(), false, nil
		}
		done, found, err := u.step(len(frames) == 1)
		if err != nil {
			return frames, u.last(), false, fmt.Errorf("unwind frame %d pc %#x: %w", len(frames)-1, pc, err)
		}
		if !found || done {
			return frames, u.last(), done, nil
		}
	}
}

// walker carries the state of one walk between frames.
type walker struct {
	mods   []Module
	mem    *window
	regs   frameRegs
	signal bool // the frame just unwound was a signal trampoline ('S')
}

func newWalker(r Regs, mods []Module, w *window) *walker {
	u := &walker{mods: mods, mem: w}
	u.regs.set(regRA, r.PC)
	u.regs.set(regRSP, r.SP)
	u.regs.set(regRBP, r.BP)
	u.regs.set(regRBX, r.BX)
	u.regs.set(regR12, r.R12)
	u.regs.set(regR12+1, r.R13)
	u.regs.set(regR12+2, r.R14)
	u.regs.set(regR15, r.R15)
	return u
}

func (u *walker) module(pc uint64) *Module {
	for i := range u.mods {
		if m := &u.mods[i]; pc >= m.Start && pc < m.End {
			return m
		}
	}
	return nil
}

// last returns the registers of the current frame, 0 where unknown.
func (u *walker) last() Regs {
	get := func(reg int) uint64 { v, _ := u.regs.get(uint64(reg)); return v }
	return Regs{PC: get(regRA), SP: get(regRSP), BP: get(regRBP), BX: get(regRBX),
		R12: get(regR12), R13: get(regR12 + 1), R14: get(regR12 + 2), R15: get(regR15)}
}

// step replaces u.regs with the caller's registers. found is false when
// the pc has no FDE; done is true when this was the outermost frame.
func (u *walker) step(first bool) (done, found bool, err error) {
	// A return address points after the call, possibly at the next
	// function, so look up pc-1 except for the interrupted pc itself (the
	// first frame, or the frame a signal trampoline returns to), as libgcc's
	// uw_frame_state_for does.
	pc := u.regs.v[regRA]
	if !first && !u.signal {
		pc--
	}
	m := u.module(pc)
	var f *fde
	if m != nil {
		f = m.Table.find(pc - m.Bias)
	}
	if f == nil {
		found, err = u.sigreturn(first || u.signal)
		u.signal = found && err == nil
		return false, found, err
	}
	rw, err := m.Table.rowAt(f, pc-m.Bias)
	if err != nil {
		return false, true, err
	}
	u.signal = m.Table.cies[f.cie].signal
	done, err = u.apply(m.Table, &rw)
	return done, true, err
}

// apply computes the caller's registers from a CFI row.
func (u *walker) apply(t *Table, rw *row) (done bool, err error) {
	switch rw.regs[regRA].kind {
	case ruleUndefined:
		return true, nil
	case ruleSame:
		// Would return to the same pc forever; gcc's CIEs always set it.
		return false, fmt.Errorf("return address has no rule: %w", ErrMalformed)
	}
	cfa, err := u.cfa(t, rw)
	if err != nil {
		return false, err
	}
	// A signal frame may return to a lower stack (the handler ran on a
	// sigaltstack); maxFrames bounds that case instead.
	if sp := u.regs.v[regRSP]; cfa <= sp && !u.signal {
		return false, fmt.Errorf("cfa %#x, sp %#x: %w", cfa, sp, errNoProgress)
	}
	var next frameRegs
	for _, reg := range [...]int{regRBX, regRBP, regR12, regR12 + 1, regR12 + 2, regR15} {
		if v, ok, err := u.restoreReg(t, rw.regs[reg], reg, cfa); err != nil {
			return false, fmt.Errorf("register %d: %w", reg, err)
		} else if ok {
			next.set(reg, v)
		}
	}
	ra, ok, err := u.restoreReg(t, rw.regs[regRA], regRA, cfa)
	if err != nil {
		return false, fmt.Errorf("return address: %w", err)
	}
	if !ok {
		return false, fmt.Errorf("return address has no value: %w", ErrMalformed)
	}
	next.set(regRA, ra)
	next.set(regRSP, cfa) // x86_64: the caller's rsp is the CFA
	if r := rw.regs[regRSP]; r.kind != ruleSame {
		if v, ok, err := u.restoreReg(t, r, regRSP, cfa); err == nil && ok {
			next.set(regRSP, v)
		}
	}
	u.regs = next
	return ra == 0, nil
}

// cfa evaluates the CFA rule of rw in the current frame.
func (u *walker) cfa(t *Table, rw *row) (uint64, error) {
	if rw.cfaIsExpr {
		return t.eval(rw.cfaExpr, &u.regs, u.mem, 0, false)
	}
	v, ok := u.regs.get(rw.cfaReg)
	if !ok {
		return 0, fmt.Errorf("cfa register %d has no known value: %w", rw.cfaReg, ErrUnsupported)
	}
	return v + uint64(rw.cfaOff), nil
}

// restoreReg returns the caller's value of register reg under rule r; ok is
// false when the value is unknown.
func (u *walker) restoreReg(t *Table, r rule, reg int, cfa uint64) (v uint64, ok bool, err error) {
	switch r.kind {
	case ruleSame:
		v, ok = u.regs.get(uint64(reg))
		return v, ok, nil
	case ruleUndefined:
		return 0, false, nil
	case ruleOffset:
		v, err = u.mem.u64(cfa + uint64(r.off))
	case ruleValOffset:
		v = cfa + uint64(r.off)
	case ruleRegister:
		v, ok = u.regs.get(uint64(r.off))
		return v, ok, nil
	case ruleExpr:
		var addr uint64
		if addr, err = t.eval(r.expr, &u.regs, u.mem, cfa, true); err == nil {
			v, err = u.mem.u64(addr)
		}
	case ruleValExpr:
		v, err = t.eval(r.expr, &u.regs, u.mem, cfa, true)
	}
	return v, err == nil, err
}
