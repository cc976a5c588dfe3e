package apply

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/golibcare/golibcare/internal/ptrace"
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
	// DryRun stops the run where it would start changing the target:
	// everything is read, resolved, relocated and placed, the target is
	// stopped once and its threads checked, and nothing is mapped or
	// written. Result.Plan says what was found. Hooks do not run.
	DryRun bool
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
	// Frozen is the time the target's threads were stopped, summed over
	// every stop of the run, each from its first PTRACE_INTERRUPT to its
	// last resume (or detach). -v prints the parts of each stop.
	Frozen time.Duration
	// Waited is the time the target ran between two stops of the run
	// while a busy function was left to return: not frozen.
	Waited time.Duration
	// Already lists the patches Options.Idempotent found applied from the
	// same file, which Patch left as they were.
	Already []PatchInfo
	// Patches names the applied or removed patches (with DryRun: those
	// that would be, at the addresses chosen).
	Patches []PatchInfo
	// Plan is set by a dry run.
	Plan *Plan
}

// session is one attachment to a target; it accounts for the time the
// threads spend stopped.
type session struct {
	pid     int
	t       Target
	snap    *Snapshot
	opt     Options
	stopped bool
	since   time.Time // the current stop's first interrupt
	frozen  time.Duration
	seccomp seccompGuard
	// The run's time between stops: ranAt is the last resume of a stop
	// (zero before the first), waited their sum.
	ranAt  time.Time
	waited time.Duration
	// The parts of the current stop: lap attributes the time since lapAt.
	stops int
	lapAt time.Time
	laps  []lap
	// Lines printed while the target was stopped (held).
	heldLines []heldLine
}

// lap is one part of a stop, for -v.
type lap struct {
	what string
	d    time.Duration
}

// stopTimer is a Target that tells how its last Stop spent its time.
type stopTimer interface {
	LastStop() ptrace.StopTimes
}

// lap attributes the time since the last lap of the current stop to
// what: with the stop's first and last lap, they cover it exactly.
func (s *session) lap(what string) {
	if !s.stopped {
		return
	}
	now := time.Now()
	s.laps = append(s.laps, lap{what, now.Sub(s.lapAt)})
	s.lapAt = now
}

// ended closes the current stop at its last resume (end), adding it to
// the frozen time, and prints its parts: they sum to the stop's length.
func (s *session) ended(end time.Time) {
	d := end.Sub(s.since)
	s.frozen += d
	s.ranAt = end
	var b strings.Builder
	fmt.Fprintf(&b, "stop %d of pid %d: ", s.stops, s.pid)
	for i, l := range s.laps {
		if i > 0 {
			b.WriteString(" + ")
		}
		fmt.Fprintf(&b, "%s %v", l.what, l.d)
	}
	fmt.Fprintf(&b, " = stopped for %v", d)
	s.opt.Debugf("%s", b.String())
	s.laps = s.laps[:0]
	s.stopped = false
	s.flush()
}

// summary prints what frozen_time is made of.
func (s *session) summary() {
	s.opt.Debugf("frozen_time %v in %d stop(s); waited %v for busy functions", s.frozen, s.stops, s.waited)
}

// held runs f, which stops the target, on the tracer thread with the
// garbage collector held off (pauseGC): everything between the stop and the
// resume then runs without hand-overs between threads or GC pauses, which
// the target would see as frozen time.
// Lines printed while the target is stopped are held back until it
// resumes: a write to a terminal or pipe can wait for its reader.
func (s *session) held(f func() error) error {
	defer pauseGC()()
	logf, debugf := s.opt.Logf, s.opt.Debugf
	s.heldLines = make([]heldLine, 0, 32)
	s.opt.Logf = func(format string, args ...any) { s.print(logf, format, args) }
	s.opt.Debugf = func(format string, args ...any) { s.print(debugf, format, args) }
	defer func() {
		s.opt.Logf, s.opt.Debugf = logf, debugf
		s.flush()
	}()
	return s.t.Batch(f)
}

// print prints a line, or holds it back while the target is stopped.
func (s *session) print(f func(string, ...any), format string, args []any) {
	if s.stopped {
		s.heldLines = append(s.heldLines, heldLine{f, fmt.Sprintf(format, args...)})
		return
	}
	s.flush()
	f(format, args...)
}

// flush prints the lines held back.
func (s *session) flush() {
	for _, l := range s.heldLines {
		l.print("%s", l.msg)
	}
	s.heldLines = s.heldLines[:0]
}

// heldLine is a line printed while the target was held.
type heldLine struct {
	print func(format string, args ...any)
	msg   string
}

func (s *session) stop() error {
	if s.stopped {
		return nil
	}
	s.since = time.Now()
	if !s.ranAt.IsZero() {
		s.waited += s.since.Sub(s.ranAt)
	}
	s.stopped, s.lapAt = true, s.since
	s.stops++
	if s.laps == nil {
		s.laps = make([]lap, 0, 16)
	}
	if err := s.t.Stop(); err != nil {
		s.lap("stop")
		return fmt.Errorf("stop pid %d: %w", s.pid, err)
	}
	if st, ok := s.t.(stopTimer); ok {
		t := st.LastStop()
		s.laps = append(s.laps, lap{"interrupt", t.Interrupt})
		s.lapAt = s.lapAt.Add(t.Interrupt)
		s.lap(fmt.Sprintf("wait for %d stop(s)", t.Threads))
	} else {
		s.lap("stop")
	}
	err := s.seccomp.stopped(s)
	s.lap("seccomp check")
	return err
}

func (s *session) resume() error {
	if !s.stopped {
		return nil
	}
	s.lap("work")
	err := s.t.Resume()
	s.lap("resume")
	s.ended(s.lapAt)
	if err != nil {
		return fmt.Errorf("resume pid %d: %w", s.pid, err)
	}
	return nil
}

func (s *session) detach() error {
	s.lap("work")
	t0 := time.Now()
	err := s.t.Detach()
	if s.stopped {
		s.lap("detach")
		s.ended(s.lapAt)
	} else {
		s.opt.Debugf("detached in %v", time.Since(t0))
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
