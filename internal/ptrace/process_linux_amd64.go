package ptrace

import (
	"io"
	"os"
	"os/signal"
	"slices"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// pollInterval is how often a running target's threads are polled for
// events when no SIGCHLD arrives (signal channels may coalesce).
const pollInterval = 20 * time.Millisecond

var (
	_ io.ReaderAt = (*Process)(nil)
	_ io.WriterAt = (*Process)(nil)
	_ interface {
		ReadAt(b []byte, off int64) (int, error)
		WriteAt(b []byte, off int64) (int, error)
	} = (*Process)(nil)
)

// Process is one traced process with all its threads. Its methods may be
// called from any goroutine; the ptrace requests all run on the Process's
// own locked OS thread.
type Process struct {
	pid  int
	reqs chan func()
	done chan struct{} // closed when the tracer goroutine has ended
	mem  *os.File      // /proc/pid/mem, O_RDWR

	// batching is set while Batch runs a function on the tracer goroutine:
	// do then runs requests made on the tracer thread directly.
	batching atomic.Bool

	// Owned by the tracer goroutine.
	tracerTid int // our tracer thread: what TracerPid shows for our tracees
	taskDir   int // /proc/pid/task, opened once for knowsAll (-1: not open)
	threads   map[int]*thread
	running   bool // threads run; the loop handles their events
	settled   bool // every thread stopped and none ran since: Stop has nothing to do
	exited    bool
	detached  bool
	seq       uint64 // counts the stops observed, to resume in stop order
	epoch     uint64 // counts the resumes: what was learnt while stopped holds until the next
	sigchld   chan os.Signal
	lastStop  StopTimes

	// Remote code (remote_linux_amd64.go), owned by the tracer goroutine.
	gadgets        gadgets    // found once per process
	gadgetsChecked bool       // gadgets re-read since the last resume
	fpu            *fpuLayout // learnt from the first thread remote code runs on
	remote         *thread    // the thread remote code last ran on, while epoch == remoteEpoch
	remoteEpoch    uint64
}

// thread is one traced thread as the tracer last saw it.
type thread struct {
	tid       int
	stopped   bool        // in a ptrace-stop we collected with wait4
	event     bool        // that stop is not a signal-delivery-stop: a signal cannot be injected from it
	sig       unix.Signal // the signal of a signal-delivery-stop, delivered when the thread goes on
	peeked    bool        // that signal-delivery-stop was not consumed: see waitEvent
	inSyscall bool        // that stop is inside a system call (PTRACE_EVENT_CLONE...): see leaveSyscall
	group     bool        // in group-stop (stopped by SIGSTOP & co. from outside)
	seq       uint64      // when it stopped (Process.seq)
	shstk     int8        // shadow stack: 0 unknown, 1 off, 2 on

	// Its FPU state and signal mask, read for remote code while
	// savedEpoch == Process.epoch: a stopped thread changes neither, and
	// remote code puts both back.
	savedFPU   []byte
	savedMask  uint64
	savedEpoch uint64
}

// Seize attaches to every thread of pid with PTRACE_SEIZE and
// PTRACE_O_TRACECLONE, listing /proc/pid/task again until no new thread
// appears. The threads keep running. On error nothing stays attached.
func Seize(pid int) (*Process, error) { return start(pid, false) }

// SeizeStopped is Seize, except that each thread is interrupted right
// after it is seized, the leader first, and all are stopped on return: a
// process that has just executed a new program is held as early as
// possible. It runs on a tracer goroutine started by Prestart when there
// is one.
func SeizeStopped(pid int) (*Process, error) { return start(pid, true) }

func newProcess(pid int) *Process {
	return &Process{
		pid:     pid,
		reqs:    make(chan func()),
		done:    make(chan struct{}),
		threads: map[int]*thread{},
		taskDir: -1,
	}
}

// loop is the tracer goroutine, on its locked OS thread (runTracer).
func (p *Process) loop(req startReq) {
	defer close(p.done)
	defer signal.Stop(p.sigchld)
	var err error
	switch {
	case req.attach != nil:
		err = req.attach(p)
	case req.stopped:
		err = p.attachStopped()
	default:
		err = p.attach(false)
		p.running = err == nil
	}
	req.started <- err
	if err != nil {
		return
	}
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for !p.detached {
		if !p.running {
			(<-p.reqs)()
			continue
		}
		select {
		case f := <-p.reqs:
			f()
		case <-p.sigchld:
			p.pump()
		case <-tick.C:
			p.pump()
		}
	}
}

// do runs f on the tracer goroutine and waits for it.
func (p *Process) do(f func()) error {
	if p.batching.Load() && unix.Gettid() == p.tracerTid {
		// Called from Batch's function: we are the tracer goroutine (it
		// is locked to that thread, which runs nothing else).
		if p.detached {
			return ErrDetached
		}
		f()
		return nil
	}
	finished := make(chan struct{})
	select {
	case p.reqs <- func() { defer close(finished); f() }:
	case <-p.done:
		return ErrDetached
	}
	<-finished
	return nil
}

// Batch runs f on the tracer goroutine; the methods of p that f calls run
// there directly instead of each being a request to it (a request costs a
// hand-over between two OS threads, tens of µs). A sequence such as Stop,
// RegsAll, writes and Detach then runs without those waits while the
// target is stopped. f may hand memory reads (ReadAt) to other
// goroutines, but must not wait for one that calls any other method of p:
// the tracer goroutine is busy with f.
func (p *Process) Batch(f func() error) error {
	var err error
	if e := p.do(func() {
		p.batching.Store(true)
		defer p.batching.Store(false)
		err = f()
	}); e != nil {
		return e
	}
	return err
}

// Pid returns the process id of the target.
func (p *Process) Pid() int { return p.pid }

// Tids returns the ids of the traced threads, sorted; nil after Detach.
func (p *Process) Tids() []int {
	var tids []int
	p.do(func() { tids = p.tidsLocked() })
	return tids
}

// Must be called via p.do.
func (p *Process) tidsLocked() []int {
	tids := make([]int, 0, len(p.threads))
	for tid := range p.threads {
		tids = append(tids, tid)
	}
	slices.Sort(tids)
	return tids
}

// sleepChild waits up to d for a SIGCHLD, the kernel's note that a tracee
// changed state. Must be called via p.do.
func (p *Process) sleepChild(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.sigchld:
	case <-t.C:
	}
}

func (p *Process) errorf(op string, tid int, addr uint64, err error) error {
	return &Error{Op: op, Pid: p.pid, Tid: tid, Addr: addr, Err: err}
}
