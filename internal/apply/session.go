package apply

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/golibcare/golibcare/internal/unwind"
)

// Options tune Patch and Unpatch.
type Options struct {
	// Timeout bounds the wait for busy functions to leave every stack.
	Timeout time.Duration
	// All is set for `-p all`: a patch for a Build-ID the process lacks is
	// then "not applicable" rather than an error.
	All bool
	// Logf prints progress (upstream's INFO lines); Debugf prints -v detail.
	Logf, Debugf func(format string, args ...any)
	// Tables loads the .eh_frame of an object for the safety check; nil
	// means no CFI (stack scanning only).
	Tables func(pid int, o *Object) (*unwind.Table, error)
	// Interrupted reports a signal asking the run to end (nil: none). It
	// is polled up to the first jump: a run interrupted before it rolls
	// back completely and fails with ErrInterrupted; once a jump is
	// written, the run completes.
	Interrupted func() os.Signal
	// JournalDir holds the region journals (journal.go); "" journals
	// nothing.
	JournalDir string
	// Idempotent lets Patch pass over a patch whose id is applied already
	// when it is the same file (Build-ID, id and header with its CRC-32);
	// otherwise an applied id is refused.
	Idempotent bool
}

// ErrInterrupted is wrapped by the error of a run that Options.Interrupted
// ended before it changed the code of the target.
var ErrInterrupted = errors.New("interrupted")

// DefaultTimeout is the safety-check budget (upstream: 3000 ms).
const DefaultTimeout = 3 * time.Second

func (o *Options) defaults() {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.Debugf == nil {
		o.Debugf = func(string, ...any) {}
	}
	if o.Interrupted == nil {
		o.Interrupted = func() os.Signal { return nil }
	}
}

// Result reports what Patch or Unpatch did.
type Result struct {
	// Count is the number of patches applied or removed (upstream counts
	// patched objects; a patch is per object).
	Count int
	// Frozen is the total time the target's threads were stopped.
	Frozen time.Duration
	// Waited is the time the target ran while a busy function was waited
	// for (the safety check's slices).
	Waited time.Duration
	// Already lists the patches Options.Idempotent found applied from the
	// same file, which Patch left as they were.
	Already []PatchInfo
	// Patches names the applied or removed patches.
	Patches []PatchInfo
}

// session is one attachment to a target; it accounts for the time the
// threads spend stopped.
type session struct {
	pid     int
	t       Target
	snap    *Snapshot
	opt     Options
	stopped bool
	since   time.Time
	frozen  time.Duration
	waited  time.Duration
	seccomp seccompGuard
}

// held runs f, which stops the target, on the tracer thread with the
// garbage collector held off (pauseGC): everything between the stop and the
// resume then runs without hand-overs between threads or GC pauses, which
// the target would see as frozen time.
func (s *session) held(f func() error) error {
	defer pauseGC()()
	return s.t.Batch(f)
}

func (s *session) stop() error {
	if s.stopped {
		return nil
	}
	s.since = time.Now()
	s.stopped = true
	if err := s.t.Stop(); err != nil {
		return fmt.Errorf("stop pid %d: %w", s.pid, err)
	}
	s.opt.Debugf("stopped %d thread(s) in %v", len(s.t.Tids()), time.Since(s.since))
	return s.seccomp.stopped(s)
}

func (s *session) resume() error {
	if !s.stopped {
		return nil
	}
	t0 := time.Now()
	err := s.t.Resume()
	s.opt.Debugf("resumed in %v, stopped for %v", time.Since(t0), time.Since(s.since))
	s.frozen += time.Since(s.since)
	s.stopped = false
	if err != nil {
		return fmt.Errorf("resume pid %d: %w", s.pid, err)
	}
	return nil
}

func (s *session) detach() error {
	t0 := time.Now()
	err := s.t.Detach()
	s.opt.Debugf("detached in %v", time.Since(t0))
	if s.stopped {
		s.frozen += time.Since(s.since)
		s.stopped = false
	}
	if err != nil {
		return fmt.Errorf("detach pid %d: %w", s.pid, err)
	}
	return nil
}

// syscall runs a remote syscall; the target must be stopped.
func (s *session) syscall(nr uint64, args ...uint64) (uint64, error) {
	if s.snap.Stub == 0 {
		return 0, fmt.Errorf("pid %d: no executable mapping for remote syscalls", s.pid)
	}
	c := remoteCall(nr, args)
	if err := s.seccomp.allow(s, &c); err != nil {
		return 0, err
	}
	beforeChange()
	return s.t.Syscall(s.snap.Stub, nr, args...)
}

func (s *session) munmap(addr, size uint64) error {
	if _, err := s.syscall(_SYS_munmap, addr, size); err != nil {
		return fmt.Errorf("munmap %#x+%#x in pid %d: %w", addr, size, s.pid, err)
	}
	return nil
}

// noteRegions notes each job's first region address in the region
// journal (journal.go) before the stop, out of the frozen time; mapRegion
// notes any other address it tries. Called attached: no other run of ours
// can be in its mmap window.
func (s *session) noteRegions(jobs []*job) {
	jr := openJournal(s.opt.JournalDir, s.pid)
	jr.prune()
	for _, j := range jobs {
		if len(j.cands) == 0 {
			continue
		}
		if err := jr.note(j.cands[0], j.lay.totalMemSz, regionPerms(j.lay)); err != nil {
			s.opt.Debugf("region journal: %v", err)
			return
		}
		j.noted = j.cands[0]
	}
}

// clearJournal removes the region journal of the target: every region
// this session mapped now starts with a magic, or is unmapped. A patch
// clears it after it detached, out of the frozen time: a run that attached
// since and noted its region loses the note, which only leaves its zeroed
// region unnamed if it is killed in its window.
func (s *session) clearJournal() {
	if err := openJournal(s.opt.JournalDir, s.pid).clear(); err != nil {
		s.opt.Debugf("region journal: %v", err)
	}
}

// finish detaches, joining the error that ended the session.
func (s *session) finish(err error) error {
	return errors.Join(err, s.detach())
}
