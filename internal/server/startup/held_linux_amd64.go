package startup

import (
	"io"

	"github.com/golibcare/golibcare/internal/ptrace"
)

// PatchHeld is PatchAtEntry for a process the caller already holds
// stopped right after its exec (ptrace.CatchExec): it runs it to its entry
// point, patches it from storage and detaches it, whatever happens.
func (pt Patcher) PatchHeld(p *ptrace.Process, storage string, out io.Writer) (reached bool, err error) {
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
