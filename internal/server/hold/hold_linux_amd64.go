package hold

import (
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/golibcare/golibcare/internal/procfs"
	"github.com/golibcare/golibcare/internal/ptrace"
)

// _AT_ENTRY is the auxv tag of the program entry point (elf.h).
const _AT_ENTRY = 9

// Hold seizes pid, runs it to its entry point and leaves it stopped by
// SIGSTOP (queued while traced, acted on right after the detach, before the
// first instruction at the entry point runs). libcare-ctl can then seize
// the stopped process as usual; release sends SIGCONT.
//
// When the entry point is not reached in time (the process was past it
// already, or is blocked) it is stopped wherever it is.
func (Holder) Hold(pid int) (release func() error, err error) {
	p, err := ptrace.Seize(pid)
	if err != nil {
		return nil, fmt.Errorf("hold: %w", err)
	}
	defer func() {
		if derr := p.Detach(); err == nil && derr != nil {
			err = fmt.Errorf("hold: %w", derr)
			unix.Kill(pid, unix.SIGCONT)
		}
	}()
	if err := p.Stop(); err != nil {
		return nil, fmt.Errorf("hold: %w", err)
	}
	if err := runToEntry(p); err != nil {
		return nil, err
	}
	if err := unix.Tgkill(pid, pid, unix.SIGSTOP); err != nil {
		return nil, fmt.Errorf("hold pid %d: stop: %w", pid, err)
	}
	return func() error {
		if err := unix.Kill(pid, unix.SIGCONT); err != nil {
			return fmt.Errorf("release pid %d: %w", pid, err)
		}
		return nil
	}, nil
}

func runToEntry(p *ptrace.Process) error {
	pid := p.Pid()
	auxv, err := procfs.ReadAuxv(pid)
	if err != nil {
		return fmt.Errorf("hold pid %d: %w", pid, err)
	}
	entry, ok := auxv[_AT_ENTRY]
	if !ok || entry == 0 {
		return fmt.Errorf("hold pid %d: no AT_ENTRY in auxv", pid)
	}
	regs, err := p.Regs(pid)
	if err != nil {
		return fmt.Errorf("hold: %w", err)
	}
	if regs.Rip == entry {
		return nil
	}
	if _, err := p.RunUntil(map[int]uint64{pid: entry}, EntryTimeout); err != nil {
		return fmt.Errorf("hold: run to entry %#x: %w", entry, err)
	}
	return nil
}
