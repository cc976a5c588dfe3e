package startup

import (
	"context"
	"fmt"
	"io"

	"github.com/golibcare/golibcare/internal/apply"
	"github.com/golibcare/golibcare/internal/audit"
	"github.com/golibcare/golibcare/internal/kpatch"
	"github.com/golibcare/golibcare/internal/procfs"
	"github.com/golibcare/golibcare/internal/ptrace"
	"github.com/golibcare/golibcare/internal/safetext"
	"github.com/golibcare/golibcare/internal/unwind"
)

// _AT_ENTRY is the auxv tag of the program entry point (elf.h).
const _AT_ENTRY = 9

// PatchAtEntry patches pid from storage at its entry point. reached
// reports whether the process was caught before its entry point; when it
// was not (it ran past it before the seize), it is patched where it was
// stopped, like libcare-ctl would. Output lines are those of libcare-ctl.
func (pt Patcher) PatchAtEntry(_ context.Context, pid int, storage string, out io.Writer) (reached bool, err error) {
	p, err := ptrace.SeizeStopped(pid)
	if err != nil {
		return false, err
	}
	defer func() {
		if derr := p.Detach(); err == nil && derr != nil {
			err = derr
		}
	}()
	if reached, err = runToEntry(p); err != nil {
		return false, err
	}
	return reached, pt.patch(p, storage, out)
}

// Prestart readies a tracer thread for the next PatchAtEntry, which then
// starts another: a process is seized without waiting for a thread.
func (Patcher) Prestart() { ptrace.Prestart() }

// runToEntry runs the stopped process to AT_ENTRY.
func runToEntry(p *ptrace.Process) (bool, error) {
	pid := p.Pid()
	auxv, err := procfs.ReadAuxv(pid)
	if err != nil {
		return false, fmt.Errorf("pid %d: %w", pid, err)
	}
	entry := auxv[_AT_ENTRY]
	if entry == 0 {
		return false, fmt.Errorf("pid %d: no AT_ENTRY in auxv", pid)
	}
	regs, err := p.Regs(pid)
	if err != nil {
		return false, err
	}
	if regs.Rip == entry {
		return true, nil
	}
	reached, err := p.RunToBreakpoint(pid, entry, entryTimeout(p, regs.Rsp, entry))
	if err != nil {
		return false, fmt.Errorf("pid %d: run to entry %#x: %w", pid, entry, err)
	}
	return reached, nil
}

// patch applies storage to the held process with libcare-ctl's messages.
func (pt Patcher) patch(p *ptrace.Process, storage string, out io.Writer) error {
	pid := p.Pid()
	logf := func(format string, args ...any) {
		fmt.Fprintf(out, "%s\n", safetext.Escape(fmt.Sprintf(format, args...)))
	}
	debugf := func(string, ...any) {}
	if pt.Verbose {
		debugf = logf
	}
	logf("Applying patch for %d with %s", pid, storage)
	max := pt.MaxSize
	if max <= 0 {
		max = kpatch.DefaultMaxSize
	}
	src, err := apply.OpenSourceMax(storage, max)
	if err != nil {
		return err
	}
	h, err := apply.OpenHost(pid)
	if err != nil {
		return err
	}
	defer h.Close()
	res, err := apply.Patch(heldHost{h, p}, src, apply.Options{Logf: logf, Debugf: debugf, Tables: apply.LoadTables, JournalDir: apply.JournalDir()})
	audit.Log(pt.Audit, audit.Op{Kind: "patch", Pid: pid, File: storage, Res: res, Err: err})
	if res != nil && res.Frozen > 0 {
		logf("PID '%d' process patch frozen_time is %d microsecond", pid, res.Frozen.Microseconds())
	}
	switch {
	case err != nil:
		logf("Failed to apply patch '%s': %v", storage, err)
		return err
	case res.Count == 0:
		logf("No patch(es) applicable to PID '%d' have been found", pid)
	default:
		logf("%d patch hunk(s) have been successfully applied to PID '%d'", res.Count, pid)
	}
	return nil
}

// heldHost is the process as apply sees it, except that Attach hands over
// the process already seized and stopped at its entry point.
type heldHost struct {
	*apply.ProcHost
	p *ptrace.Process
}

func (h heldHost) Attach() (apply.Target, error) { return heldTarget{h.p}, nil }

// heldTarget keeps the process stopped until PatchAtEntry detaches it:
// apply resumes the threads between its short stops, which would let a
// fresh process run unpatched code.
type heldTarget struct{ *ptrace.Process }

var _ apply.Host = heldHost{}
var _ apply.Target = heldTarget{}

func (heldTarget) Resume() error { return nil }
func (heldTarget) Detach() error { return nil }

func (t heldTarget) Regs(tid int) (unwind.Regs, error) {
	r, err := t.Process.Regs(tid)
	if err != nil {
		return unwind.Regs{}, err
	}
	return apply.UnwindRegs(r), nil
}

func (t heldTarget) AllRegs() (map[int]unwind.Regs, error) { return apply.AllRegs(t.Process) }
