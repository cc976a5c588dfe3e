package apply

import (
	"errors"
	"io/fs"

	"golang.org/x/sys/unix"

	"github.com/golibcare/golibcare/internal/procfs"
	"github.com/golibcare/golibcare/internal/seccomp"
)

var _ seccompSource = (*ptraceTarget)(nil)

// SeccompModes reads Seccomp and Seccomp_filters from each traced thread's
// /proc status; a thread that is gone is left out.
func (t *ptraceTarget) SeccompModes() (map[int]seccompMode, error) {
	modes := map[int]seccompMode{}
	for _, tid := range t.Tids() {
		st, err := procfs.ReadStatus(tid)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.ESRCH) {
			continue
		}
		if err != nil {
			return nil, err
		}
		modes[tid] = seccompMode{mode: st.Seccomp, filters: st.SeccompFilters}
	}
	return modes, nil
}

// SeccompFilters reads the filters of every thread in filter mode.
func (t *ptraceTarget) SeccompFilters() (map[int][][]seccomp.Insn, error) {
	all, err := t.Process.AllSeccompFilters()
	if err != nil {
		return nil, err
	}
	out := make(map[int][][]seccomp.Insn, len(all))
	for tid, fs := range all {
		out[tid] = make([][]seccomp.Insn, len(fs))
		for i, f := range fs {
			insns := make([]seccomp.Insn, len(f))
			for k, in := range f {
				insns[k] = seccomp.Insn{Code: in.Code, Jt: in.Jt, Jf: in.Jf, K: in.K}
			}
			out[tid][i] = insns
		}
	}
	return out, nil
}
