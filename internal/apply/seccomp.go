package apply

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/golibcare/golibcare/internal/seccomp"
)

// A remote system call runs in the target under the target's seccomp
// policy: one that kills mmap with PROT_EXEC would kill the process being
// patched (issue 8). A session therefore plans its calls (expect, while
// the target runs), checks them all in its first stop, before the flow
// changes anything, and checks each call again before it runs (a later
// stop may see new filters). Filters belong to threads: every thread's
// policy is checked, because which thread runs the calls is the tracer's
// choice (internal/ptrace) and in practice the threads share their
// filters (inherited, or SECCOMP_FILTER_FLAG_TSYNC).

// seccompSource is a Target that can tell its threads' seccomp state.
type seccompSource interface {
	// SeccompModes reads the mode of every thread; the target may run.
	SeccompModes() (map[int]seccompMode, error)
	// SeccompFilters returns the filters of every thread in filter mode,
	// the first installed first; the target is stopped.
	SeccompFilters() (map[int][][]seccomp.Insn, error)
}

// seccompMode is a thread's /proc status: Seccomp and Seccomp_filters.
type seccompMode struct {
	mode    int // 0 disabled, 1 strict, 2 filter
	filters int // -1 when the kernel does not say
}

// seccompGuard is a session's seccomp check.
type seccompGuard struct {
	planned []seccomp.Call
	done    bool                // planned checked
	modes   map[int]seccompMode // read while the target ran, before the stop
	// The policy as loaded in the stop that began at loadedIn.
	loadedIn time.Time
	policy   *seccompPolicy
	loadErr  error
}

// seccompPolicy is the seccomp state of every thread of a stopped target.
type seccompPolicy struct {
	pid    int
	strict int         // a thread in strict mode, 0 if none
	sets   []filterSet // distinct filter chains
}

type filterSet struct {
	tid     int // a thread that has them
	filters [][]seccomp.Insn
}

// expect records the calls the session plans to run and reads the
// threads' modes while the target still runs, so that the stop only has
// to confirm them.
func (g *seccompGuard) expect(s *session, calls []seccomp.Call) {
	g.planned = calls
	if src, ok := s.t.(seccompSource); ok {
		g.modes, _ = src.SeccompModes() // on error the stop reads them
	}
}

// stopped checks the planned calls in the session's first stop, before
// the flow changes anything in the target.
func (g *seccompGuard) stopped(s *session) error {
	if g.done || len(g.planned) == 0 {
		return nil
	}
	return g.allow(s, nil)
}

// allow checks call c (and the planned calls, if not done yet) against
// the policy of the stopped target, loaded once per stop.
func (g *seccompGuard) allow(s *session, c *seccomp.Call) error {
	if _, ok := s.t.(seccompSource); !ok {
		return nil // no process behind the target (unit tests)
	}
	var calls []seccomp.Call
	if c != nil {
		calls = append(calls, *c)
	}
	if !g.done {
		g.done = true
		calls = append(calls, g.planned...)
	}
	if g.policy == nil && g.loadErr == nil || g.loadedIn != s.since {
		g.loadedIn = s.since
		g.policy, g.loadErr = loadSeccomp(s.t, s.pid, g.modes)
	}
	if g.loadErr != nil {
		return g.loadErr
	}
	return g.policy.check(calls)
}

// remoteCall describes remote system call nr: the address its syscall
// instruction sits at is the tracer's choice, so the filters must allow it
// from anywhere.
func remoteCall(nr uint64, args []uint64) seccomp.Call {
	c := seccomp.Call{Nr: int(nr), Unknown: seccomp.FieldIP}
	copy(c.Args[:], args)
	return c
}

// patchCalls are the calls Patch may run for jobs: a region mapped at an
// address chosen in the stop, its code made r-x, unmapped on failure; the
// rt_sigreturn that restores a thread after a remote call runs with
// whatever its registers hold.
func patchCalls(jobs []*job) []seccomp.Call {
	var calls []seccomp.Call
	anywhere := func(nr uint64, args ...uint64) {
		c := remoteCall(nr, args)
		c.Unknown |= seccomp.FieldArg(0)
		calls = append(calls, c)
	}
	for _, j := range jobs {
		size := j.lay.totalMemSz
		anywhere(_SYS_mmap, 0, size, regionProt(j.lay), _MAP_PRIVATE|_MAP_ANONYMOUS|_MAP_FIXED_NOREPLACE, math.MaxUint64, 0)
		if j.lay.codeSize != size {
			anywhere(_SYS_mprotect, 0, j.lay.codeSize, _PROT_READ|_PROT_EXEC)
		}
		anywhere(_SYS_munmap, 0, size)
	}
	return append(calls, sigreturnCall())
}

// unpatchCalls are the calls Unpatch runs: one munmap per patch.
func unpatchCalls(us []*undoing) []seccomp.Call {
	var calls []seccomp.Call
	for _, u := range us {
		calls = append(calls, remoteCall(_SYS_munmap, []uint64{u.a.Start, u.a.Header.KpatchTotalMemSz}))
	}
	return append(calls, sigreturnCall())
}

func sigreturnCall() seccomp.Call {
	return seccomp.Call{Nr: seccomp.SysRtSigreturn, Unknown: seccomp.FieldIP | seccomp.FieldArgs}
}

// loadSeccomp reads the seccomp state of every thread of the stopped
// target. modes, read before the stop, spare /proc reads in it: a thread
// can only have moved from no policy to one, and the filters read in the
// stop show a move to filter mode.
func loadSeccomp(t Target, pid int, modes map[int]seccompMode) (*seccompPolicy, error) {
	src := t.(seccompSource)
	l := &seccompLoader{src: src, pid: pid, modes: modes, p: &seccompPolicy{pid: pid}}
	l.filters, l.filterErr = src.SeccompFilters()
	for _, tid := range t.Tids() {
		if err := l.thread(tid); err != nil {
			return nil, err
		}
	}
	return l.p, nil
}

type seccompLoader struct {
	src       seccompSource
	pid       int
	modes     map[int]seccompMode
	fresh     bool // modes were read in this stop
	filters   map[int][][]seccomp.Insn
	filterErr error // ptrace cannot read them (no CAP_SYS_ADMIN...)
	p         *seccompPolicy
}

// reread reads the modes in the stop.
func (l *seccompLoader) reread() error {
	m, err := l.src.SeccompModes()
	if err != nil {
		return fmt.Errorf("pid %d: read seccomp modes: %w", l.pid, err)
	}
	l.modes, l.fresh = m, true
	return nil
}

func (l *seccompLoader) thread(tid int) error {
	_, known := l.modes[tid]
	// Without the filters, only /proc read in this stop tells that a
	// thread has none.
	if (!known || l.filterErr != nil) && !l.fresh {
		if err := l.reread(); err != nil {
			return err
		}
	}
	m, ok := l.modes[tid]
	fs, filtered := l.filters[tid]
	switch {
	case !ok:
		return fmt.Errorf("%s: seccomp mode unknown", who(l.pid, tid))
	case m.mode == 1:
		l.p.strict = tid
	case l.filterErr != nil && m.mode == 2:
		return unreadable(l.pid, tid, l.filterErr)
	case filtered:
		if m.filters > len(fs) {
			return fmt.Errorf("%s: read %d seccomp filters, /proc shows %d", who(l.pid, tid), len(fs), m.filters)
		}
		l.p.add(tid, fs)
	case m.mode == 2:
		return fmt.Errorf("%s: in seccomp filter mode, but has no filter", who(l.pid, tid))
	}
	// Otherwise no policy. (A thread that entered strict mode since the
	// modes were read is not seen: that takes a prctl in the instant
	// between the read and the stop.)
	return nil
}

// add records the filters of thread tid, unless another thread has the
// same (threads usually share their chain).
func (p *seccompPolicy) add(tid int, fs [][]seccomp.Insn) {
	for _, set := range p.sets {
		if slices.EqualFunc(set.filters, fs, slices.Equal) {
			return
		}
	}
	p.sets = append(p.sets, filterSet{tid, fs})
}

func unreadable(pid, tid int, err error) error {
	return fmt.Errorf("%s runs under seccomp filters that cannot be read (PTRACE_SECCOMP_GET_FILTER needs CAP_SYS_ADMIN, a libcare-ctl not itself under seccomp and a kernel with CONFIG_CHECKPOINT_RESTORE): %w; not running remote system calls they might kill", who(pid, tid), err)
}

// check refuses the first call that some thread's policy would not let
// run, or whose fate cannot be decided.
func (p *seccompPolicy) check(calls []seccomp.Call) error {
	if len(calls) == 0 {
		return nil
	}
	if p.strict != 0 {
		if err := seccomp.CheckStrict(calls); err != nil {
			return fmt.Errorf("%s: %w", who(p.pid, p.strict), err)
		}
	}
	for _, set := range p.sets {
		err := seccomp.Check(set.filters, calls)
		var re *seccomp.RefusedError
		switch {
		case errors.As(err, &re):
			return fmt.Errorf("%s: %w", who(p.pid, set.tid), err)
		case err != nil:
			return fmt.Errorf("%s: cannot tell what its seccomp filters do to the remote system calls: %w", who(p.pid, set.tid), err)
		}
	}
	return nil
}

// who names a thread, or the process for its main thread.
func who(pid, tid int) string {
	if tid == pid || tid == 0 {
		return fmt.Sprintf("pid %d", pid)
	}
	return fmt.Sprintf("pid %d thread %d", pid, tid)
}
