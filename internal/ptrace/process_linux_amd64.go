package ptrace

import (
	"io"
	"os"
	"os/signal"
	"runtime"
	"slices"
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

	// Owned by the tracer goroutine.
	tracerTid int // our tracer thread: what TracerPid shows for our tracees
	threads   map[int]*thread
	running   bool // threads run; the loop handles their events
	exited    bool
	detached  bool
	sigchld   chan os.Signal
}

// thread is one traced thread as the tracer last saw it.
type thread struct {
	tid     int
	stopped bool          // in a ptrace-stop we collected with wait4
	event   bool          // that stop is a PTRACE_EVENT stop: a signal cannot be injected from it
	group   bool          // in group-stop (stopped by SIGSTOP & co. from outside)
	pending []unix.Signal // signals that arrived while we held the thread, to re-deliver
}

// Seize attaches to every thread of pid with PTRACE_SEIZE and
// PTRACE_O_TRACECLONE, listing /proc/pid/task again until no new thread
// appears. The threads keep running. On error nothing stays attached.
func Seize(pid int) (*Process, error) {
	p := &Process{
		pid:     pid,
		reqs:    make(chan func()),
		done:    make(chan struct{}),
		threads: map[int]*thread{},
		sigchld: make(chan os.Signal, 1),
	}
	started := make(chan error)
	go p.loop(started)
	if err := <-started; err != nil {
		return nil, err
	}
	return p, nil
}

// loop is the tracer goroutine.
func (p *Process) loop(started chan<- error) {
	// Never unlocked: when this goroutine returns its thread exits, which
	// detaches whatever the kernel still has attached to it.
	runtime.LockOSThread()
	defer close(p.done)
	p.tracerTid = unix.Gettid()
	signal.Notify(p.sigchld, unix.SIGCHLD)
	defer signal.Stop(p.sigchld)
	if err := p.attach(); err != nil {
		started <- err
		return
	}
	p.running = true
	started <- nil
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
	finished := make(chan struct{})
	select {
	case p.reqs <- func() { defer close(finished); f() }:
	case <-p.done:
		return ErrDetached
	}
	<-finished
	return nil
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
